package dev.genba.server.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The pages' stylesheet and script, served from the jar (there is no internet, so never from a
 * CDN), with an ETag so a browser asks again only when they changed.
 */
final class StaticAssets {
    private record Asset(byte[] bytes, String type, String etag) {
    }

    private final Map<String, Asset> assets = Map.of(
            "genba.css", load("genba.css", "text/css; charset=utf-8"),
            "genba.js", load("genba.js", "text/javascript; charset=utf-8"));

    boolean serve(Context ctx, String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            return false;
        }
        ctx.header("ETag", asset.etag());
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (asset.etag().equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return true;
        }
        ctx.contentType(asset.type());
        ctx.result(asset.bytes());
        return true;
    }

    private static Asset load(String name, String type) {
        try (InputStream in = StaticAssets.class.getResourceAsStream("/web/static/" + name)) {
            if (in == null) {
                throw new IllegalStateException("/web/static/" + name + " is missing from the jar");
            }
            byte[] bytes = in.readAllBytes();
            String etag = "\"" + HexFormat.of().formatHex(dev.genba.server.auth.Secrets.hash(new String(bytes,
                    java.nio.charset.StandardCharsets.ISO_8859_1))).substring(0, 16) + "\"";
            return new Asset(bytes, type, etag);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
