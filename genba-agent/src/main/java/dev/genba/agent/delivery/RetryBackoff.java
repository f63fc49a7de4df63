package dev.genba.agent.delivery;

/**
 * The wait before the next attempt after consecutive failures: {@code max_attempts} quick tries
 * {@code backoff_ms} apart (seed §2.1), then doubling up to a cap, forever.
 */
final class RetryBackoff {
    private static final long MIN_SLOW_STEP_MS = 100;

    private int failures;

    void reset() {
        failures = 0;
    }

    int failures() {
        return failures;
    }

    long nextDelayMs(int maxAttempts, long backoffMs, long capMs) {
        failures++;
        if (failures < maxAttempts) {
            return Math.min(backoffMs, capMs);
        }
        long delay = Math.max(backoffMs, MIN_SLOW_STEP_MS);
        for (int doubling = maxAttempts; doubling <= failures && delay < capMs; doubling++) {
            delay *= 2;
        }
        return Math.min(delay, capMs);
    }
}
