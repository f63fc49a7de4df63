package dev.genba.agent.delivery;

import dev.genba.agent.http.HttpAnswer;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.util.Map;

/** How the agent reads a destination's HTTP status codes and error bodies. */
final class ServerAnswers {
    private ServerAnswers() {
    }

    /**
     * Worth retrying: the server is away or overloaded (408, 429, 5xx), or the device is not
     * allowed in (401, 403) or the URL is wrong (404, 405) — configuration problems an operator
     * fixes, after which the same scan must still arrive. Redirects are not followed, so retried too.
     */
    static boolean transientStatus(int status) {
        return status == 401 || status == 403 || status == 404 || status == 405 || status == 408 || status == 429
                || status >= 500 || status < 200 || status >= 300 && status < 400;
    }

    /** "HTTP 400: payload.tag_id is required" from a Genba error body, or the body's start. */
    static String describe(String url, HttpAnswer answer) {
        String detail = answer.errorSummary();
        try {
            if (Json.parse(answer.body()) instanceof Map<?, ?> body && body.get("message") instanceof String message) {
                detail = message;
            }
        } catch (ProtocolException e) {
            // not a Genba error body: keep the raw start of it
        }
        String prefix = "HTTP " + answer.status() + " from " + url;
        if (answer.status() == 401 || answer.status() == 403) {
            return prefix + ": the server refused this device's key; check client_id and client_key in the agent config";
        }
        return detail.isEmpty() ? prefix : prefix + ": " + detail;
    }
}
