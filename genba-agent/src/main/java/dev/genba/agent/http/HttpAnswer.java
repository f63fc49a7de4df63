package dev.genba.agent.http;

import java.nio.charset.StandardCharsets;

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
}
