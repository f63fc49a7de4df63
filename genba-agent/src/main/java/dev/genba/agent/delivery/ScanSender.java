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
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Sends a batch of outbox entries to one endpoint. A Genba endpoint ({@code .../api/v1/scans})
 * gets {@code POST .../batch}; an endpoint that answers the batch URL with 404/405/501 (the old
 * Window A server) gets one {@code POST} per scan, and its batch URL is tried again every
 * {@link #BATCH_ROUTE_RECHECK_MS} (a Genba server behind a proxy that was being restarted).
 */
final class ScanSender {
    private static final String GENBA_SCANS_PATH = "/api/v1/scans";
    private static final Set<Integer> NO_BATCH_ROUTE = Set.of(404, 405, 501);
    private static final byte[] BATCH_START = "{\"scans\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BATCH_END = "]}".getBytes(StandardCharsets.US_ASCII);
    static final long BATCH_ROUTE_RECHECK_MS = 10 * 60_000;
    /**
     * Refusals in a row (401, 403, 404, 405, redirects; no scan accepted between them) taken as the
     * endpoint refusing everything — a wrong address or key — rather than as that many refused scans.
     */
    static final int MAX_REFUSED_IN_A_ROW = 20;
    /** For a batch refused as a whole and then sent scan by scan: its attempt was already counted. */
    private static final Consumer<List<OutboxEntry>> ALREADY_ATTEMPTED = entries -> { };

    private final AgentHttp http;
    private final LongSupplier monotonicMs;
    /** Endpoints whose batch URL was answered "no such route", and when (monotonic ms). */
    private final Map<String, Long> noBatchRouteSince = new ConcurrentHashMap<>();
    /** Endpoints whose batch URL took a batch since this agent started. */
    private final Set<String> batchRouteConfirmed = ConcurrentHashMap.newKeySet();

    ScanSender(AgentHttp http) {
        this(http, () -> System.nanoTime() / 1_000_000);
    }

    ScanSender(AgentHttp http, LongSupplier monotonicMs) {
        this.http = http;
        this.monotonicMs = monotonicMs;
    }

    /**
     * True for an endpoint that gets one POST per scan, or may (its batch URL has not taken a batch
     * since this agent started): the caller sends it small batches, each settled at once, so that a
     * restart sends again only a few scans the server may already have — an old server may not know
     * a scan_id it has seen.
     */
    boolean oneByOne(String endpoint) {
        return batchUrl(endpoint) == null || !batchRouteConfirmed.contains(endpoint);
    }

    /** A batch on its way to the server; {@link #outcome()} waits for the answer. */
    interface InFlight {
        DeliveryOutcome outcome();
    }

    /**
     * Sends the batch and returns once the request is written, before the server answers (for a
     * Genba endpoint; scans sent one by one are all answered before this returns).
     *
     * @param attempting told of the scans about to be sent, just before each request (the
     *                   primary's "attempted first" for the mirror, seed §2.1): the whole batch,
     *                   or each scan before its own POST
     */
    InFlight send(String endpoint, List<OutboxEntry> batch, int timeoutMs, LatencyTracker latency,
                  Consumer<List<OutboxEntry>> attempting) {
        String batchUrl = batchUrl(endpoint);
        Long since = noBatchRouteSince.get(endpoint);
        if (batchUrl == null || since != null && monotonicMs.getAsLong() - since < BATCH_ROUTE_RECHECK_MS) {
            DeliveryOutcome outcome = deliverOneByOne(endpoint, batch, timeoutMs, latency, attempting);
            return () -> outcome;
        }
        // An endpoint whose batch URL is not known to work may be an old server that answers it
        // "no such route": its scans are counted as attempted only once it is known how they went out.
        boolean confirmed = batchRouteConfirmed.contains(endpoint);
        if (confirmed) {
            attempting.accept(batch);
        }
        Consumer<List<OutboxEntry>> notYetAttempted = confirmed ? ALREADY_ATTEMPTED : attempting;
        AgentHttp.PendingAnswer pending;
        try {
            // The server stores the whole batch before answering: give it time per scan on top of
            // the single-request timeout, or a slow Pi server would see every big batch time out.
            pending = http.startPost(batchUrl, batchLength(batch), timeoutMs + 10 * batch.size(),
                    out -> writeBatch(batch, out));
        } catch (IOException e) {
            notYetAttempted.accept(batch);
            DeliveryOutcome outcome = failure(NoAnswer.describe(batchUrl, e));
            return () -> outcome;
        }
        return () -> batchOutcome(endpoint, batchUrl, batch, pending, timeoutMs, latency, notYetAttempted);
    }

    private DeliveryOutcome batchOutcome(String endpoint, String batchUrl, List<OutboxEntry> batch,
                                         AgentHttp.PendingAnswer pending, int timeoutMs, LatencyTracker latency,
                                         Consumer<List<OutboxEntry>> notYetAttempted) {
        HttpAnswer answer;
        try {
            answer = pending.answer();
        } catch (IOException e) {
            notYetAttempted.accept(batch);
            return failure(NoAnswer.describe(batchUrl, e));
        }
        if (NO_BATCH_ROUTE.contains(answer.status())) {
            batchRouteConfirmed.remove(endpoint);
            noBatchRouteSince.put(endpoint, monotonicMs.getAsLong());
            return deliverOneByOne(endpoint, batch, timeoutMs, latency, notYetAttempted);
        }
        notYetAttempted.accept(batch);
        if (ServerAnswers.transientStatus(answer.status())) {
            return failure(answer.describe(batchUrl));
        }
        if (!answer.ok()) {
            // The server refused the request as a whole (too large, malformed): one POST per scan
            // finds out which scans it refuses, so only those are dead-lettered.
            return deliverOneByOne(endpoint, batch, timeoutMs, latency, ALREADY_ATTEMPTED);
        }
        batchRouteConfirmed.add(endpoint);
        noBatchRouteSince.remove(endpoint);
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
            if (!(Json.parse(answer.body()) instanceof Map<?, ?> body && body.get("results") instanceof List<?> list)) {
                return notABatchAnswer(batchUrl, answer);
            }
            for (Object item : list) {
                if (item instanceof Map<?, ?> result && result.get("scan_id") instanceof String scanId) {
                    results.put(scanId, result);
                }
            }
        } catch (ProtocolException e) {
            return notABatchAnswer(batchUrl, answer);
        }
        List<OutboxEntry> delivered = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        int missing = 0;
        for (OutboxEntry entry : batch) {
            Map<?, ?> result = results.get(entry.scanId());
            Object status = result == null ? null : result.get("status");
            if ("stored".equals(status) || "duplicate".equals(status)) {
                delivered.add(entry);
            } else if ("rejected".equals(status)) {
                // the status the server gives the same refusal of a single POST (its request log does too)
                int httpStatus = "forbidden".equals(result.get("error")) ? 403 : 400;
                rejected.add(new Rejection(entry.id(), entry.scanId(), httpStatus, rejectionReason(result)));
            } else {
                missing++;
            }
        }
        String failure = missing == 0 ? null
                : batchUrl + " answered without a stored/duplicate/rejected result for " + missing + " scans";
        return new DeliveryOutcome(delivered, rejected, failure);
    }

    /**
     * A 2xx that is no batch answer: a page in front of the server (a proxy's maintenance page, a
     * captive portal) or an old server that answers every path. Taken for delivered, its scans would
     * leave the outbox stored nowhere; so they stay and are sent again, and the error says what the
     * endpoint must do for one POST per scan.
     */
    private static DeliveryOutcome notABatchAnswer(String batchUrl, HttpAnswer answer) {
        return failure("HTTP " + answer.status() + " from " + batchUrl + " is not a Genba server's batch answer (no"
                + " per-scan results), so the scans are not taken for delivered and are sent again; a server that is"
                + " not Genba must answer 404 there, and then gets one POST per scan");
    }

    private static String rejectionReason(Map<?, ?> result) {
        Object message = result.get("message");
        Object field = result.get("field");
        String reason = message instanceof String text ? text : "rejected (" + result.get("error") + ")";
        return field instanceof String name && !reason.contains(name) ? reason + " (field " + name + ")" : reason;
    }

    /**
     * One POST per scan, in order. Stops at the first scan that could not be delivered, so the
     * destination stays in FIFO order. A scan refused as if the endpoint were misconfigured (401,
     * 403, 404, 405, a redirect) is held while the scans after it are tried: once the endpoint takes
     * one of them, the refusals were about the held scans, which go to the dead letters. When
     * {@link #MAX_REFUSED_IN_A_ROW} are refused in a row, the endpoint refuses everything, and they
     * all stay for a retry (a wrong URL or key must not turn every scan into a dead letter). Held
     * scans with no scan after them yet are left undecided, in the outbox.
     */
    private DeliveryOutcome deliverOneByOne(String endpoint, List<OutboxEntry> batch, int timeoutMs,
                                            LatencyTracker latency, Consumer<List<OutboxEntry>> attempting) {
        List<OutboxEntry> delivered = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        List<Rejection> held = new ArrayList<>();
        for (OutboxEntry entry : batch) {
            attempting.accept(List.of(entry));
            HttpAnswer answer;
            try {
                answer = http.postJson(endpoint, entry.bodyUtf8(), timeoutMs);
            } catch (IOException e) {
                return new DeliveryOutcome(delivered, rejected, NoAnswer.describe(endpoint, e));
            }
            if (answer.ok()) {
                latency.record(answer.elapsedMs());
                for (Rejection refused : held) {
                    rejected.add(new Rejection(refused.entryId(), refused.scanId(), refused.httpStatus(), refused.reason()
                            + " (a later scan was accepted, so the refusal is about this scan)"));
                }
                held.clear();
                delivered.add(entry);
            } else if (ServerAnswers.retryable(answer.status())) {
                return new DeliveryOutcome(delivered, rejected, answer.describe(endpoint));
            } else if (ServerAnswers.refusedAsConfigured(answer.status())) {
                held.add(new Rejection(entry.id(), entry.scanId(), answer.status(), answer.describe(endpoint)));
                if (held.size() >= MAX_REFUSED_IN_A_ROW) {
                    return new DeliveryOutcome(delivered, rejected, held.size() + " scans in a row were refused, so"
                            + " the address or this device's key is wrong: " + held.get(0).reason()
                            + " (if both are right, `genba-agent dead-letters set-aside` lets the scans behind go;"
                            + " RUNBOOK 11.6)");
                }
            } else {
                rejected.add(new Rejection(entry.id(), entry.scanId(), answer.status(), answer.describe(endpoint)));
            }
        }
        if (held.isEmpty()) {
            return new DeliveryOutcome(delivered, rejected, null);
        }
        return new DeliveryOutcome(delivered, rejected, null, held.stream().map(Rejection::entryId).toList(),
                held.get(0).reason());
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
