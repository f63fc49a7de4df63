package dev.genba.agent.delivery;

/** How the agent reads a destination's HTTP status codes and error bodies. */
final class ServerAnswers {
    private ServerAnswers() {
    }

    /** The server is away or overloaded (408, 429, 5xx), or did not answer in HTTP: try again later. */
    static boolean retryable(int status) {
        return status == 408 || status == 429 || status >= 500 || status < 200;
    }

    /**
     * The device is not allowed in (401, 403), the URL is wrong (404, 405) or moved (redirects are
     * not followed): a configuration problem an operator fixes, after which the same scans must
     * still arrive — unless the same endpoint takes the scan after it, when the refusal was about
     * this one scan (an old server's "no such tag" as a 404).
     */
    static boolean refusedAsConfigured(int status) {
        return status == 401 || status == 403 || status == 404 || status == 405 || status >= 300 && status < 400;
    }

    /** For a request that carries a whole batch: the destination keeps every scan of it and tries again. */
    static boolean transientStatus(int status) {
        return retryable(status) || refusedAsConfigured(status);
    }
}
