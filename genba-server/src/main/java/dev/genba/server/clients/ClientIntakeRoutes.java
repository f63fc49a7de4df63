package dev.genba.server.clients;

import dev.genba.protocol.ClientStatusReport;
import dev.genba.protocol.LogBatch;
import dev.genba.server.auth.AccessGuard;
import dev.genba.server.http.ApiException;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.RequestIds;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The device side of fleet monitoring: {@code POST /api/clients/status} (one health sample,
 * possibly back-filled with its {@code sampled_at}) and {@code POST /api/clients/logs}.
 */
public final class ClientIntakeRoutes implements RouteGroup {
    private static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(10);

    private final AccessGuard guard;
    private final ClientStatusStore statusStore;
    private final ClientLogStore logStore;
    private final Clock clock;
    private final Duration retention;

    public ClientIntakeRoutes(AccessGuard guard, ClientStatusStore statusStore, ClientLogStore logStore,
                              Clock clock, Duration retention) {
        this.guard = guard;
        this.statusStore = statusStore;
        this.logStore = logStore;
        this.clock = clock;
        this.retention = retention;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/clients/status", this::status);
        routes.post("/api/clients/logs", this::logs);
    }

    private void status(Context ctx) {
        String caller = guard.requireDevice(ctx);
        ClientStatusReport report = ClientStatusReport.fromJson(JsonBodies.read(ctx, JsonBodies.SINGLE_LIMIT));
        AccessGuard.requireOwnId(caller, report.clientId(), "client_id");
        Instant now = clock.instant();
        // PostgreSQL keeps microseconds: answer with the time as stored.
        Instant sampledAt = (report.sampledAt() == null ? now : report.sampledAt()).truncatedTo(ChronoUnit.MICROS);
        if (sampledAt.isAfter(now.plus(MAX_CLOCK_AHEAD))) {
            throw ApiException.badRequest("sampled_at", "sampled_at is " + sampledAt
                    + ", ahead of the server's clock (" + now + "); check the client's clock");
        }
        if (sampledAt.isBefore(now.minus(retention))) {
            throw ApiException.badRequest("sampled_at", "sampled_at is " + sampledAt
                    + ", older than the " + retention.toDays() + " days of history kept");
        }
        boolean recorded = statusStore.record(report, sampledAt, now);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("status", recorded ? "recorded" : "duplicate");
        response.put("sampled_at", sampledAt.toString());
        response.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, response);
    }

    private void logs(Context ctx) {
        String caller = guard.requireDevice(ctx);
        LogBatch batch = LogBatch.fromJson(JsonBodies.read(ctx, JsonBodies.BATCH_LIMIT));
        AccessGuard.requireOwnId(caller, batch.clientId(), "client_id");
        int stored = logStore.record(batch);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", stored);
        response.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, response);
    }
}
