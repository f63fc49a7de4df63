package dev.genba.server.http;

import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Typed query parameters with field-named 400s. */
public final class QueryParams {
    private QueryParams() {
    }

    public static int integer(Context ctx, String name, int fallback, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                throw ApiException.badRequest(name, name + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, name + " must be a whole number, got \"" + abbreviate(text) + "\"");
        }
    }

    public static String text(Context ctx, String name, int maxLength) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.length() > maxLength) {
            throw ApiException.badRequest(name, name + " is longer than " + maxLength + " characters");
        }
        if (text.indexOf('\0') >= 0) {
            throw ApiException.badRequest(name, name + " must not contain the NUL character");
        }
        return text;
    }

    public static Instant instant(Context ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name, name
                    + " must be an ISO-8601 timestamp with a time zone, like 2025-02-20T10:15:03Z");
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
