package dev.genba.server.mirror;

import dev.genba.server.auth.AccessGuard;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.RequestIds;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.ZoneId;
import java.util.Map;

/** {@code GET /api/v1/mirror/status} (admin): the facts {@code mirrorctl status} shows. */
public final class MirrorRoutes implements RouteGroup {
    private final AccessGuard guard;
    private final MirrorService service;
    private final ZoneId zone;

    public MirrorRoutes(AccessGuard guard, MirrorService service, ZoneId zone) {
        this.guard = guard;
        this.service = service;
        this.zone = zone;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/mirror/status", this::status);
    }

    private void status(Context ctx) {
        guard.requireAdmin(ctx);
        MirrorStatus status = service.status();
        Map<String, Object> body = status.toJson();
        body.put("lines", status.lines(zone));
        body.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, body);
    }
}
