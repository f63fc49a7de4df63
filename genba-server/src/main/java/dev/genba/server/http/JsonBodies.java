package dev.genba.server.http;

import dev.genba.protocol.Json;
import dev.genba.protocol.JsonFields;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;

/** Reads a request's JSON body within a size limit, checking its content type first. */
public final class JsonBodies {
    public static final int SINGLE_LIMIT = 64 * 1024;
    public static final int BATCH_LIMIT = 4 * 1024 * 1024;
    /**
     * A body refused for its size but no bigger than this is read and thrown away before the 413,
     * so the client, still sending it, reliably gets the answer instead of a reset connection.
     */
    private static final int DISCARD_LIMIT = 1024 * 1024;

    private JsonBodies() {
    }

    /** The parsed body: maps, lists and scalars as {@link Json} produces them. */
    public static Object read(Context ctx, int limit) {
        checkContentType(ctx.header("Content-Type"));
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            if (declared <= DISCARD_LIMIT) {
                discard(ctx, declared);
            }
            throw tooLarge(limit, declared);
        }
        byte[] body = readAtMost(ctx, declared >= 0 ? (int) declared : -1, limit);
        return Json.parse(body);
    }

    /** The body as a JSON object ({@code JsonFields}), rejecting arrays and scalars. */
    public static JsonFields readObject(Context ctx, int limit) {
        return JsonFields.of(read(ctx, limit), "");
    }

    public static void writeJson(Context ctx, int status, Map<String, ?> body) {
        byte[] bytes = Json.writeBytes(body);
        ctx.status(status);
        ctx.contentType("application/json; charset=utf-8");
        // A length instead of chunked encoding: simpler for small HTTP clients such as the agent.
        ctx.res().setContentLength(bytes.length);
        // Written straight to the response: a result handed to Javalin is copied through a new buffer per request.
        try {
            ctx.res().getOutputStream().write(bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write the response (client gone?)", e);
        }
    }

    private static void checkContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new ApiException(415, "unsupported_media_type", null,
                    "Content-Type header is missing; send Content-Type: application/json");
        }
        String[] parts = contentType.split(";");
        String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw new ApiException(415, "unsupported_media_type", null,
                    "Content-Type must be application/json, got " + abbreviate(contentType));
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim().toLowerCase(Locale.ROOT);
            if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")
                    && !parameter.equals("charset=\"utf-8\"")) {
                throw new ApiException(415, "unsupported_media_type", null,
                        "JSON bodies must be UTF-8, got " + abbreviate(parameter));
            }
        }
    }

    private static void discard(Context ctx, long length) {
        try {
            ctx.req().getInputStream().skipNBytes(length);
        } catch (IOException e) {
            // the client gave up sending; the 413 goes out anyway
        }
    }

    /** Reads exactly the declared length when there is one (no growing buffers), else up to the limit. */
    private static byte[] readAtMost(Context ctx, int declared, int limit) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes(declared >= 0 ? declared : limit + 1);
            if (body.length > limit) {
                throw tooLarge(limit, -1);
            }
            return body;
        } catch (IOException e) {
            throw new ApiException(400, "unreadable_body", null, "request body could not be read: " + e.getMessage());
        }
    }

    private static ApiException tooLarge(int limit, long declared) {
        String size = declared > 0 ? declared + " bytes" : "more than " + limit + " bytes";
        return new ApiException(413, "payload_too_large", null,
                "request body is " + size + "; at most " + limit / 1024 + " KiB allowed here");
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
