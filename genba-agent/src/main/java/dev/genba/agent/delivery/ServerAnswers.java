package dev.genba.agent.delivery;

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
}
