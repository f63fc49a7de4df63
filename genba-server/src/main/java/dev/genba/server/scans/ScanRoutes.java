package dev.genba.server.scans;

import dev.genba.protocol.JsonFields;
import dev.genba.protocol.ProtocolException;
import dev.genba.protocol.ScanRequest;
import dev.genba.protocol.ScanResult;
import dev.genba.server.auth.AccessGuard;
import dev.genba.server.db.DatabaseErrors;
import dev.genba.server.http.ApiException;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.RequestIds;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /api/v1/scans} and {@code POST /api/v1/scans/batch}: validate, check the device
 * owns the scans, store through the group-commit batcher, answer after commit, and write one
 * request-log line per scan whatever the outcome.
 */
public final class ScanRoutes implements RouteGroup {
    public static final int MAX_BATCH = 1000;
    private static final Duration COMMIT_WAIT = Duration.ofSeconds(30);
    private static final Duration MAX_CLOCK_AHEAD = Duration.ofDays(1);
    private static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");

    private final AccessGuard guard;
    private final ScanBatcher batcher;
    private final RequestLog requestLog;
    private final Clock clock;
    private final Map<ScanResult.Status, Counter> outcomes = new LinkedHashMap<>();

    public ScanRoutes(AccessGuard guard, ScanBatcher batcher, RequestLog requestLog, Clock clock, MeterRegistry registry) {
        this.guard = guard;
        this.batcher = batcher;
        this.requestLog = requestLog;
        this.clock = clock;
        for (ScanResult.Status status : ScanResult.Status.values()) {
            outcomes.put(status, Counter.builder("genba.scans")
                    .tag("result", status.name().toLowerCase(java.util.Locale.ROOT))
                    .description("scans received, by outcome").register(registry));
        }
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/scans", this::single);
        routes.post("/api/v1/scans/batch", this::batch);
    }

    private void single(Context ctx) {
        long started = System.nanoTime();
        Object body = null;
        String caller = null;
        boolean logged = false;
        try {
            caller = guard.requireDevice(ctx);
            body = JsonBodies.read(ctx, JsonBodies.SINGLE_LIMIT);
            ScanRequest scan = ScanRequest.fromJson(body, "");
            AccessGuard.requireOwnId(caller, scan.deviceId(), "device_id");
            checkClock(scan, "scanned_at");
            ScanResult result = await(batcher.submit(List.of(scan))).get(0);
            if (!result.accepted()) {
                // refused by the database itself: a 200 would tell the device it was stored
                throw ApiException.badRequest(result.field(), result.message());
            }
            outcomes.get(result.status()).increment();
            Map<String, Object> response = result.toJson();
            response.put("request_id", RequestIds.of(ctx));
            // The line is in the log before the device sees its 200 (as for batches).
            logLine(ctx, started, caller, body, 200);
            logged = true;
            JsonBodies.writeJson(ctx, 200, response);
        } catch (RuntimeException e) {
            if (!logged) {
                refused(ctx, started, caller, body, e);
            }
            throw e;
        }
    }

    /** Counts and logs a request that was refused or failed, with the status its answer will have. */
    private void refused(Context ctx, long started, String caller, Object body, RuntimeException failure) {
        int status = failure instanceof ApiException api ? api.status()
                : failure instanceof ProtocolException ? 400
                : DatabaseErrors.isUnavailable(failure) ? 503 : 500;
        outcomes.get(ScanResult.Status.REJECTED).increment();
        logLine(ctx, started, caller, body, status);
    }

    private void batch(Context ctx) {
        long started = System.nanoTime();
        String caller = null;
        List<Object> items;
        try {
            caller = guard.requireDevice(ctx);
            Object body = JsonBodies.read(ctx, JsonBodies.BATCH_LIMIT);
            JsonFields envelope = JsonFields.of(body, "").allowOnly(java.util.Set.of("scans"));
            items = envelope.requiredArray("scans", MAX_BATCH);
        } catch (RuntimeException e) {
            refused(ctx, started, caller, null, e);
            throw e;
        }

        ScanResult[] results = new ScanResult[items.size()];
        List<ScanRequest> valid = new ArrayList<>(items.size());
        List<Integer> validIndexes = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String path = "scans[" + i + "]";
            try {
                ScanRequest scan = ScanRequest.fromJson(items.get(i), path);
                AccessGuard.requireOwnId(caller, scan.deviceId(), path + ".device_id");
                checkClock(scan, path + ".scanned_at");
                valid.add(scan);
                validIndexes.add(i);
            } catch (ProtocolException e) {
                results[i] = ScanResult.rejected(scanIdOf(items.get(i)), e.error(), e.field(), e.getMessage());
            } catch (ApiException e) {
                // only the device-id and clock checks throw this here; both name their field
                results[i] = ScanResult.rejected(scanIdOf(items.get(i)), e.error(), e.field(), e.getMessage());
            }
        }
        if (!valid.isEmpty()) {
            List<ScanResult> stored;
            try {
                stored = await(batcher.submit(valid));
            } catch (ApiException e) {
                String device = caller;
                requestLog.record(valid.stream().map(scan -> line(ctx, started, device, scan.toJson(), e.status())).toList());
                throw e;
            }
            for (int j = 0; j < stored.size(); j++) {
                results[validIndexes.get(j)] = stored.get(j);
            }
        }

        int[] counts = new int[ScanResult.Status.values().length];
        List<Map<String, Object>> resultJson = new ArrayList<>(results.length);
        List<RequestLog.Line> lines = new ArrayList<>(results.length);
        for (int i = 0; i < results.length; i++) {
            ScanResult result = results[i];
            counts[result.status().ordinal()]++;
            outcomes.get(result.status()).increment();
            resultJson.add(result.toJson());
            lines.add(line(ctx, started, caller, items.get(i),
                    result.accepted() ? 200 : result.error().equals("forbidden") ? 403 : 400));
        }
        requestLog.record(lines);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("results", resultJson);
        response.put("stored", counts[ScanResult.Status.STORED.ordinal()]);
        response.put("duplicates", counts[ScanResult.Status.DUPLICATE.ordinal()]);
        response.put("rejected", counts[ScanResult.Status.REJECTED.ordinal()]);
        response.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, response);
    }

    /** A device clock a day ahead would pin a part's location for a day; refuse it. */
    private void checkClock(ScanRequest scan, String field) {
        Instant now = clock.instant();
        if (scan.scannedAt().isAfter(now.plus(MAX_CLOCK_AHEAD))) {
            throw ApiException.badRequest(field, field + " is " + scan.scannedAt()
                    + ", more than a day ahead of the server's clock (" + now + "); check the device's clock");
        }
        if (scan.scannedAt().isBefore(EARLIEST)) {
            throw ApiException.badRequest(field, field + " is before the year 2000; check the device's clock");
        }
    }

    private List<ScanResult> await(java.util.concurrent.CompletableFuture<List<ScanResult>> stored) {
        try {
            return stored.get(COMMIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ApiException.unavailable("the database did not confirm the write within "
                    + COMMIT_WAIT.toSeconds() + " s; retry (a repeat is recognised as a duplicate)");
        } catch (ExecutionException e) {
            throw ApiException.unavailable("the database is not available; the scan was not stored, retry later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("server is shutting down; retry shortly");
        }
    }

    private void logLine(Context ctx, long started, String caller, Object scan, int status) {
        requestLog.record(List.of(line(ctx, started, caller, scan, status)));
    }

    private RequestLog.Line line(Context ctx, long started, String caller, Object scan, int status) {
        Object payload = null;
        String deviceId = caller;
        String scanId = null;
        if (scan instanceof Map<?, ?> map) {
            payload = map.get("payload");
            if (map.get("device_id") instanceof String claimed) {
                deviceId = claimed;
            }
            if (map.get("scan_id") instanceof String id) {
                scanId = id;
            }
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        return new RequestLog.Line(clock.instant(), deviceId, payload, elapsedMs, status, scanId, RequestIds.of(ctx));
    }

    private static java.util.UUID scanIdOf(Object item) {
        if (item instanceof Map<?, ?> map && map.get("scan_id") instanceof String text) {
            try {
                return java.util.UUID.fromString(text);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }
}
