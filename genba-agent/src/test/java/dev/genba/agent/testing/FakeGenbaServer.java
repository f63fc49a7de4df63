package dev.genba.agent.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.genba.protocol.ClientStatusReport;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import dev.genba.protocol.ProtocolException;
import dev.genba.protocol.ScanRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Executors;

/**
 * A stand-in for the Genba server's device API (and, with {@code batchRoute(false)}, for the old
 * Window A server that knows only {@code POST /api/v1/scans}). Stores scans once by scan_id,
 * refuses payloads whose tag_id starts with "BAD", and records what it received.
 */
public final class FakeGenbaServer implements AutoCloseable {
    private final HttpServer server;
    private final Set<String> storedScanIds = new LinkedHashSet<>();
    private final List<String> arrivals = new ArrayList<>();
    private final List<ClientStatusReport> statusReports = new CopyOnWriteArrayList<>();
    private final List<LogBatch.Entry> logLines = new CopyOnWriteArrayList<>();
    private final List<String> configIfNoneMatch = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final List<String> connections = new CopyOnWriteArrayList<>();
    private volatile int forcedStatus;
    private volatile boolean batchRoute = true;
    private volatile Map<String, Object> agentConfig;
    private volatile String agentConfigEtag;
    private final AtomicInteger batchRequests = new AtomicInteger();
    private final AtomicInteger batchesInFlight = new AtomicInteger();
    private volatile int maxBatchesInFlight;
    private volatile int failingBatchRequest;
    private volatile Semaphore singleAnswers;
    private volatile int failEverySinglePost;
    private final AtomicInteger singlePostsReceived = new AtomicInteger();

    public FakeGenbaServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String scansEndpoint() {
        return url() + "/api/v1/scans";
    }

    /** Every device call answers this status (0 = behave normally). */
    public FakeGenbaServer forceStatus(int status) {
        forcedStatus = status;
        return this;
    }

    public FakeGenbaServer batchRoute(boolean served) {
        batchRoute = served;
        return this;
    }

    public FakeGenbaServer agentConfig(String etag, Map<String, Object> wire) {
        agentConfigEtag = etag;
        agentConfig = wire;
        return this;
    }

    /** Each single POST takes one of {@code answers} (waiting for it) before it is answered: a slow old server. */
    public FakeGenbaServer holdSinglePosts(Semaphore answers) {
        singleAnswers = answers;
        return this;
    }

    /** Single POSTs received, answered or not yet. */
    public int singlePostsReceived() {
        return singlePostsReceived.get();
    }

    /** The {@code number}-th batch request (counting from 1) answers 503; the others behave normally. */
    public FakeGenbaServer failBatchRequest(int number) {
        failingBatchRequest = number;
        return this;
    }

    /** Every {@code n}-th single POST is answered 503, like an old server that is busy now and then (0: none). */
    public FakeGenbaServer failEverySinglePost(int n) {
        failEverySinglePost = n;
        return this;
    }

    /** The most batch requests this server was handling at the same moment. */
    public int maxBatchesInFlight() {
        return maxBatchesInFlight;
    }

    public synchronized List<String> storedScanIds() {
        return List.copyOf(storedScanIds);
    }

    /** Every scan id received, duplicates included, in arrival order. */
    public synchronized List<String> arrivals() {
        return List.copyOf(arrivals);
    }

    public List<ClientStatusReport> statusReports() {
        return List.copyOf(statusReports);
    }

    public List<LogBatch.Entry> logLines() {
        return List.copyOf(logLines);
    }

    public List<String> configIfNoneMatch() {
        return List.copyOf(configIfNoneMatch);
    }

    /** For each request, in arrival order: method, path and the client's port (one port = one connection). */
    public List<String> connections() {
        return List.copyOf(connections);
    }

    public List<String> paths() {
        return List.copyOf(paths);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            paths.add(exchange.getRequestMethod() + " " + path);
            connections.add(exchange.getRequestMethod() + " " + path + " from port " + exchange.getRemoteAddress().getPort());
            if (forcedStatus != 0 && !path.equals("/healthz")) {
                respond(exchange, forcedStatus, Map.of("error", "forced", "message", "forced answer " + forcedStatus));
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            switch (path) {
                case "/api/v1/scans/batch" -> {
                    if (batchRequests.incrementAndGet() == failingBatchRequest) {
                        respond(exchange, 503, Map.of("error", "unavailable", "message", "forced for this batch"));
                    } else if (batchRoute) {
                        respond(exchange, 200, timedBatch(body));
                    } else {
                        respond(exchange, 404, Map.of("error", "not_found", "message", "no such route"));
                    }
                }
                case "/api/v1/scans" -> single(exchange, body);
                case "/api/clients/status" -> {
                    statusReports.add(ClientStatusReport.fromJson(Json.parse(body)));
                    respond(exchange, 202, Map.of("status", "ok"));
                }
                case "/api/clients/logs" -> {
                    logLines.addAll(LogBatch.fromJson(Json.parse(body)).logs());
                    respond(exchange, 200, Map.of("status", "ok"));
                }
                case "/api/v1/agent/config" -> config(exchange);
                case "/healthz" -> respond(exchange, 200, Map.of("status", "ok"));
                default -> respond(exchange, 404, Map.of("error", "not_found", "message", "no such route"));
            }
        }
    }

    private void config(HttpExchange exchange) throws IOException {
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        configIfNoneMatch.add(String.valueOf(ifNoneMatch));
        if (agentConfigEtag != null && agentConfigEtag.equals(ifNoneMatch)) {
            exchange.sendResponseHeaders(304, -1);
            return;
        }
        if (agentConfig == null) {
            respond(exchange, 404, Map.of("error", "not_found", "message", "no config"));
            return;
        }
        exchange.getResponseHeaders().set("ETag", agentConfigEtag);
        respond(exchange, 200, agentConfig);
    }

    /** A batch handled slowly enough (a few ms) that a second request sent meanwhile would overlap it. */
    private Map<String, Object> timedBatch(byte[] body) {
        int inFlight = batchesInFlight.incrementAndGet();
        maxBatchesInFlight = Math.max(maxBatchesInFlight, inFlight);
        try {
            Thread.sleep(5);
            return batch(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            batchesInFlight.decrementAndGet();
        }
    }

    private Map<String, Object> batch(byte[] body) {
        List<Object> results = new ArrayList<>();
        for (Object item : (List<?>) ((Map<?, ?>) Json.parse(body)).get("scans")) {
            results.add(store(item));
        }
        return Map.of("results", results);
    }

    /**
     * Like the old Window A server: a tag starting with GONE is answered 404 "no such tag" (the
     * scan is refused, not the URL).
     */
    private void single(HttpExchange exchange, byte[] body) throws IOException {
        int number = singlePostsReceived.incrementAndGet();
        int failEvery = failEverySinglePost;
        if (failEvery > 0 && number % failEvery == 0) {
            respond(exchange, 503, Map.of("error", "unavailable", "message", "busy, try again"));
            return;
        }
        Semaphore answers = singleAnswers;
        try {
            if (answers != null && !answers.tryAcquire(20, TimeUnit.SECONDS)) {
                throw new IOException("held too long");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Object scan = Json.parse(body);
        if (scan instanceof Map<?, ?> map && map.get("payload") instanceof Map<?, ?> payload
                && payload.get("tag_id") instanceof String tag && tag.startsWith("GONE")) {
            synchronized (this) {
                arrivals.add(String.valueOf(map.get("scan_id")));
            }
            respond(exchange, 404, Map.of("error", "not_found", "message", "no such tag: " + tag));
            return;
        }
        Map<String, Object> result = store(scan);
        if ("rejected".equals(result.get("status"))) {
            respond(exchange, 400, result);
        } else {
            respond(exchange, 200, result);
        }
    }

    private synchronized Map<String, Object> store(Object item) {
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            ScanRequest scan = ScanRequest.fromJson(item, "");
            String scanId = scan.scanId().toString();
            arrivals.add(scanId);
            result.put("scan_id", scanId);
            if (scan.tagId().startsWith("BAD")) {
                result.put("status", "rejected");
                result.put("error", "invalid_field");
                result.put("field", "payload.tag_id");
                result.put("message", "payload.tag_id " + scan.tagId() + " is not a known tag");
            } else {
                boolean added = storedScanIds.add(scanId);
                result.put("status", added ? "stored" : "duplicate");
                result.put("duplicate", !added);
            }
        } catch (ProtocolException e) {
            result.put("status", "rejected");
            result.put("message", e.getMessage());
        }
        return result;
    }

    private static void respond(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = Json.writeBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
