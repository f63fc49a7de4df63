package dev.genba.agent.http;

import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP answer, body read fully; {@code etag} is null when the server sent none, {@code serverAheadMs}
 * (the server's clock minus this Pi's, see {@link ServerClock}) when it sent no {@code Date}.
 */
public record HttpAnswer(int status, byte[] body, String etag, long elapsedMs, Long serverAheadMs) {

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The server's own words when it sent a Genba error body, else the start of the body. */
    public String errorSummary() {
        String text = bodyText().strip();
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }

    /**
     * "HTTP 400 from URL: payload.tag_id is required": the message of a Genba error body, or the
     * start of another body; for 401 and 403 what the operator checks, since the server says no more.
     */
    public String describe(String url) {
        String prefix = "HTTP " + status + " from " + url;
        if (status == 401 || status == 403) {
            return prefix + ": the server refused this device's key; check client_id and client_key in the agent config"
                    + " against `genba clients list` on the server";
        }
        String detail = errorSummary();
        try {
            if (Json.parse(body) instanceof Map<?, ?> json && json.get("message") instanceof String message) {
                detail = message;
            }
        } catch (ProtocolException e) {
            // not a Genba error body: keep the raw start of it
        }
        return detail.isEmpty() ? prefix + " (no explanation in the answer)" : prefix + ": " + detail;
    }
}
