package dev.genba.server.agentconfig;

import dev.genba.protocol.AgentConfig;
import dev.genba.protocol.Json;
import dev.genba.server.auth.AccessGuard;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * {@code GET /api/v1/agent/config}: the calling device's desired configuration with an
 * {@code ETag}; an agent polling with {@code If-None-Match} gets a bodiless 304 until it changes.
 */
public final class AgentConfigRoutes implements RouteGroup {
    private final AccessGuard guard;
    private final AgentConfigStore store;

    public AgentConfigRoutes(AccessGuard guard, AgentConfigStore store) {
        this.guard = guard;
        this.store = store;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/agent/config", this::config);
    }

    private void config(Context ctx) {
        String device = guard.requireDevice(ctx);
        AgentConfig config = store.effective(device);
        byte[] body = Json.writeBytes(config.toJson());
        String etag = etag(config.version(), body);
        ctx.header("ETag", etag);
        ctx.header("Cache-Control", "no-cache");
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null && ifNoneMatch.trim().equals(etag)) {
            ctx.status(304);
            ctx.res().setContentType(null);
            return;
        }
        JsonBodies.writeJson(ctx, 200, config.toJson());
    }

    static String etag(long version, byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return "\"v" + version + "-" + HexFormat.of().toHexDigits((int) crc.getValue()) + "\"";
    }
}
