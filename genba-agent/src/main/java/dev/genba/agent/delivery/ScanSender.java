package dev.genba.agent.delivery;

import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import dev.genba.agent.outbox.OutboxEntry;
import dev.genba.agent.outbox.Rejection;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends a batch of outbox entries to one endpoint. A Genba endpoint ({@code .../api/v1/scans})
 * gets {@code POST .../batch}; an endpoint that answers the batch URL with 404/405/501 (the old
 * Window A server) is remembered and gets one {@code POST} per scan from then on.
 */
final class ScanSender {
    private static final String GENBA_SCANS_PATH = "/api/v1/scans";
    private static final Set<Integer> NO_BATCH_ROUTE = Set.of(404, 405, 501);
    private static final byte[] BATCH_START = "{\"scans\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BATCH_END = "]}".getBytes(StandardCharsets.US_ASCII);

    private final AgentHttp http;
    private final Set<String> singleOnlyEndpoints = ConcurrentHashMap.newKeySet();

    ScanSender(AgentHttp http) {
        this.http = http;
    }

    /** A batch on its way to the server; {@link #outcome()} waits for the answer. */
    interface InFlight {
        DeliveryOutcome outcome();
    }

    /**
     * Sends the batch and returns once the request is written, before the server answers (for a
     * Genba endpoint; scans sent one by one are all answered before this returns).
     */
    InFlight send(String endpoint, List<OutboxEntry> batch, int timeoutMs, LatencyTracker latency) {
        String batchUrl = batchUrl(endpoint);
        if (batchUrl == null || singleOnlyEndpoints.contains(endpoint)) {
            DeliveryOutcome outcome = deliverOneByOne(endpoint, batch, timeoutMs, latency);
            return () -> outcome;
        }
        AgentHttp.PendingAnswer pending;
        try {
            // The server stores the whole batch before answering: give it time per scan on top of
            // the single-request timeout, or a slow Pi server would see every big batch time out.
            pending = http.startPost(batchUrl, batchLength(batch), timeoutMs + 10 * batch.size(),
                    out -> writeBatch(batch, out));
        } catch (IOException e) {
            DeliveryOutcome outcome = failure(NoAnswer.describe(batchUrl, e));
            return () -> outcome;
        }
        return () -> batchOutcome(endpoint, batchUrl, batch, pending, timeoutMs, latency);
    }

    private DeliveryOutcome batchOutcome(String endpoint, String batchUrl, List<OutboxEntry> batch,
                                         AgentHttp.PendingAnswer pending, int timeoutMs, LatencyTracker latency) {
        HttpAnswer answer;
        try {
            answer = pending.answer();
        } catch (IOException e) {
            return failure(NoAnswer.describe(batchUrl, e));
        }
        if (NO_BATCH_ROUTE.contains(answer.status())) {
            singleOnlyEndpoints.add(endpoint);
            return deliverOneByOne(endpoint, batch, timeoutMs, latency);
        }
        if (ServerAnswers.transientStatus(answer.status())) {
            return failure(answer.describe(batchUrl));
        }
        if (!answer.ok()) {
            // The server refused the request as a whole (too large, malformed): one POST per scan
            // finds out which scans it refuses, so only those are dead-lettered.
            return deliverOneByOne(endpoint, batch, timeoutMs, latency);
        }
        latency.record(answer.elapsedMs());
        return readBatchResults(batchUrl, batch, answer);
    }

    /** {@code {"scans":[body,body,...]}} spliced from the stored bodies, which are JSON already. */
    private static long batchLength(List<OutboxEntry> batch) {
        long length = BATCH_START.length + BATCH_END.length + batch.size() - 1;
        for (OutboxEntry entry : batch) {
            length += entry.bodyUtf8().length;
        }
        return length;
    }

    private static void writeBatch(List<OutboxEntry> batch, OutputStream out) throws IOException {
        out.write(BATCH_START);
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(batch.get(i).bodyUtf8());
        }
        out.write(BATCH_END);
    }

    private static DeliveryOutcome readBatchResults(String batchUrl, List<OutboxEntry> batch, HttpAnswer answer) {
        Map<String, Map<?, ?>> results = new HashMap<>();
        try {
            if (Json.parse(answer.body()) instanceof Map<?, ?> body && body.get("results") instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof Map<?, ?> result && result.get("scan_id") instanceof String scanId) {
                        results.put(scanId, result);
                    }
                }
            }
        } catch (ProtocolException e) {
            return failure("unreadable answer from " + batchUrl + ": " + e.getMessage());
        }
        List<Long> delivered = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        int missing = 0;
        for (OutboxEntry entry : batch) {
            Map<?, ?> result = results.get(entry.scanId());
            Object status = result == null ? null : result.get("status");
            if ("stored".equals(status) || "duplicate".equals(status)) {
                delivered.add(entry.id());
            } else if ("rejected".equals(status)) {
                // the status the server gives the same refusal of a single POST (its request log does too)
                int httpStatus = "forbidden".equals(result.get("error")) ? 403 : 400;
                rejected.add(new Rejection(entry.id(), httpStatus, rejectionReason(result)));
            } else {
                missing++;
            }
        }
        String failure = missing == 0 ? null
                : batchUrl + " answered without a stored/duplicate/rejected result for " + missing + " scans";
        return new DeliveryOutcome(delivered, rejected, failure);
    }

    private static String rejectionReason(Map<?, ?> result) {
        Object message = result.get("message");
        Object field = result.get("field");
        String reason = message instanceof String text ? text : "rejected (" + result.get("error") + ")";
        return field instanceof String name && !reason.contains(name) ? reason + " (field " + name + ")" : reason;
    }

    /** Stops at the first scan that could not be delivered, so the destination stays in FIFO order. */
    private DeliveryOutcome deliverOneByOne(String endpoint, List<OutboxEntry> batch, int timeoutMs,
                                            LatencyTracker latency) {
        List<Long> delivered = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        for (OutboxEntry entry : batch) {
            HttpAnswer answer;
            try {
                answer = http.postJson(endpoint, entry.bodyUtf8(), timeoutMs);
            } catch (IOException e) {
                return new DeliveryOutcome(delivered, rejected, NoAnswer.describe(endpoint, e));
            }
            if (answer.ok()) {
                latency.record(answer.elapsedMs());
                delivered.add(entry.id());
            } else if (ServerAnswers.transientStatus(answer.status())) {
                return new DeliveryOutcome(delivered, rejected, answer.describe(endpoint));
            } else {
                rejected.add(new Rejection(entry.id(), answer.status(), answer.describe(endpoint)));
            }
        }
        return new DeliveryOutcome(delivered, rejected, null);
    }

    private static DeliveryOutcome failure(String reason) {
        return new DeliveryOutcome(List.of(), List.of(), reason);
    }

    /** {@code http://host:8501/api/v1/scans} → {@code .../api/v1/scans/batch}; null for other paths. */
    static String batchUrl(String endpoint) {
        String trimmed = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        return trimmed.endsWith(GENBA_SCANS_PATH) ? trimmed + "/batch" : null;
    }
}
