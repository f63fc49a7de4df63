package dev.genba.agent.intake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.genba.agent.AgentException;
import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.outbox.GroupCommitter;
import dev.genba.agent.outbox.OutboxFullException;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST http://127.0.0.1:8510/scans}: the scanner app's way in. Bound to the loopback
 * address only. Answers 202 only once the scan is committed to the outbox; 503 when it cannot be
 * (outbox full, disk full) — the app keeps the scan and sends it again.
 */
public final class IntakeServer implements AutoCloseable {
    // 1000 scans are ~300 KB; a larger body parsed at once would crowd a 24 MB heap.
    private static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final long COMMIT_WAIT_S = 30;
    // Handlers never wait for a commit, so two threads keep both cores of a Pi busy; each more costs RSS.
    private static final int THREADS = 2;

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScanIntake intake;
    private final GroupCommitter committer;
    private final ScheduledExecutorService timeouts;

    private IntakeServer(HttpServer server, ExecutorService executor, ScanIntake intake, GroupCommitter committer,
                         ScheduledExecutorService timeouts) {
        this.server = server;
        this.executor = executor;
        this.intake = intake;
        this.committer = committer;
        this.timeouts = timeouts;
    }

    /**
     * @param timeouts runs the {@value #COMMIT_WAIT_S} s timeout of each waiting request (one shared
     *                 thread instead of CompletableFuture's own); it should remove cancelled tasks,
     *                 as nearly every timeout is cancelled by its commit
     */
    public static IntakeServer start(int port, ScanIntake intake, GroupCommitter committer,
                                     ScheduledExecutorService timeouts) {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
        // delayed ACK, and every answer waits ~40 ms: that alone would cap one scanner at 25 scans/s.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (BindException e) {
            throw new AgentException("port " + port + " on 127.0.0.1 is already in use: is another"
                    + " genba-agent running? (`systemctl status genba-agent`) or set intake_port", e);
        } catch (IOException e) {
            throw new AgentException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread = new Thread(runnable, "intake");
            thread.setDaemon(true);
            return thread;
        });
        IntakeServer intakeServer = new IntakeServer(server, executor, intake, committer, timeouts);
        server.setExecutor(executor);
        server.createContext("/scans", intakeServer::handle);
        server.start();
        return intakeServer;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) {
        String requestId = requestId(exchange);
        try {
            if (!"/scans".equals(exchange.getRequestURI().getPath())) {
                respond(exchange, 404, error("not_found", "only POST /scans is served here", null, requestId), requestId);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                respond(exchange, 405, error("method_not_allowed", "use POST /scans with a JSON scan", null, requestId),
                        requestId);
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null && !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                respond(exchange, 415, error("unsupported_media_type",
                        "send the scan as Content-Type: application/json", null, requestId), requestId);
                return;
            }
            byte[] body = readBody(exchange);
            if (body == null) {
                respond(exchange, 413, error("too_large", "the body is larger than " + MAX_BODY_BYTES / (1024 * 1024)
                        + " MiB; send at most " + ScanIntake.MAX_SCANS_PER_REQUEST + " scans per request", null,
                        requestId), requestId);
                return;
            }
            List<QueuedScan> scans;
            try {
                scans = intake.read(body);
            } catch (ProtocolException e) {
                respond(exchange, 400, error(e.error(), e.getMessage(), e.field(), requestId), requestId);
                return;
            }
            // The answer is sent when the group commit completes, not by this thread: a few intake
            // threads then serve many waiting scanners, and more scans share each fsync.
            CompletableFuture<Void> committed = committer.submit(scans);
            ScheduledFuture<?> timeout = timeouts.schedule(
                    () -> committed.completeExceptionally(new TimeoutException()), COMMIT_WAIT_S, TimeUnit.SECONDS);
            committed.whenCompleteAsync((done, failure) -> {
                timeout.cancel(false);
                answer(exchange, scans, failure, requestId);
            }, executor);
        } catch (IOException | RuntimeException e) {
            exchange.close();
        }
    }

    private void answer(HttpExchange exchange, List<QueuedScan> scans, Throwable failure, String requestId) {
        try {
            if (failure == null) {
                Map<String, Object> accepted = new LinkedHashMap<>();
                if (scans.size() == 1) {
                    accepted.put("scan_id", scans.get(0).scanId());
                } else {
                    accepted.put("scan_ids", scans.stream().map(QueuedScan::scanId).toList());
                }
                accepted.put("status", "queued");
                accepted.put("request_id", requestId);
                respond(exchange, 202, accepted, requestId);
            } else {
                respond(exchange, 503, error("outbox_unavailable", unavailable(failure), null, requestId), requestId);
            }
        } catch (IOException e) {
            exchange.close();
        }
    }

    private static String unavailable(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof OutboxFullException || cause instanceof DatabaseException) {
            return cause.getMessage();
        }
        if (cause instanceof TimeoutException) {
            return "the outbox did not confirm the write within " + COMMIT_WAIT_S
                    + " s (disk too slow or busy): this scan was NOT accepted, send it again";
        }
        return "the outbox could not be written (" + cause + "): this scan was NOT accepted, send it again";
    }

    /** The body, or null when it is larger than allowed; read into one array of its declared length when known. */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        long declared = contentLength(exchange);
        if (declared > MAX_BODY_BYTES) {
            return null;
        }
        if (declared >= 0) {
            byte[] body = new byte[(int) declared];
            int read = in.readNBytes(body, 0, body.length);
            return read == body.length ? body : Arrays.copyOf(body, read);
        }
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        return body.length > MAX_BODY_BYTES ? null : body;
    }

    private static long contentLength(HttpExchange exchange) {
        String value = exchange.getRequestHeaders().getFirst("Content-Length");
        try {
            return value == null ? -1 : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String requestId(HttpExchange exchange) {
        String given = exchange.getRequestHeaders().getFirst("X-Request-Id");
        return given != null && !given.isBlank() && given.length() <= 128 ? given : ScanIds.newId(System.currentTimeMillis()).toString();
    }

    private static Map<String, Object> error(String error, String message, String field, String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", message);
        body.put("field", field);
        body.put("request_id", requestId);
        return body;
    }

    private static void respond(HttpExchange exchange, int status, Map<String, Object> body, String requestId)
            throws IOException {
        byte[] bytes = Json.writeBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Request-Id", requestId);
        exchange.sendResponseHeaders(status, bytes.length);
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting connections; requests in progress get up to a second to finish. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
    }
}
