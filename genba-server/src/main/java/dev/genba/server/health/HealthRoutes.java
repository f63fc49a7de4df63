package dev.genba.server.health;

import dev.genba.server.db.Database;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /healthz} (200 after a database round trip, else 503) and {@code GET /metrics}. */
public final class HealthRoutes implements RouteGroup {
    private final Database database;
    private final PrometheusMeterRegistry registry;
    private final String version;

    public HealthRoutes(Database database, PrometheusMeterRegistry registry, String version) {
        this.database = database;
        this.registry = registry;
        this.version = version;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/healthz", this::health);
        routes.get("/metrics", this::metrics);
    }

    private void health(Context ctx) {
        long started = System.nanoTime();
        boolean databaseUp = database.ping();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", databaseUp ? "ok" : "unavailable");
        body.put("database", databaseUp ? "ok" : "unreachable");
        body.put("database_ms", Math.round((System.nanoTime() - started) / 100_000.0) / 10.0);
        body.put("version", version);
        JsonBodies.writeJson(ctx, databaseUp ? 200 : 503, body);
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(registry.scrape());
    }
}
