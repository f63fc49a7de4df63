package dev.genba.agent.delivery;

/**
 * Latencies in a fixed log-scale histogram: memory and storage stay bounded however many requests
 * are made, and percentiles are accurate to one bucket.
 */
final class LatencyHistogram {
    private static final long[] BUCKET_UPPER_MS = {1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500,
        700, 1_000, 1_500, 2_000, 3_000, 5_000, 7_000, 10_000, 15_000, 20_000, 30_000, 60_000, 3_600_000};

    private final long[] counts = new long[BUCKET_UPPER_MS.length];
    private long samples;
    private long totalMs;
    private long maxMs;

    void add(long elapsedMs) {
        long millis = Math.max(0, Math.min(elapsedMs, BUCKET_UPPER_MS[BUCKET_UPPER_MS.length - 1]));
        counts[bucket(millis)]++;
        samples++;
        totalMs += millis;
        maxMs = Math.max(maxMs, millis);
    }

    /** Adds another histogram stored as {@code "c0,c1,..."} with its total and max. */
    void add(String storedCounts, long otherTotalMs, long otherMaxMs) {
        String[] fields = storedCounts.split(",");
        for (int i = 0; i < Math.min(fields.length, counts.length); i++) {
            long count = Long.parseLong(fields[i]);
            counts[i] += count;
            samples += count;
        }
        totalMs += otherTotalMs;
        maxMs = Math.max(maxMs, otherMaxMs);
    }

    String countsText() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < counts.length; i++) {
            text.append(i == 0 ? "" : ",").append(counts[i]);
        }
        return text.toString();
    }

    long samples() {
        return samples;
    }

    long totalMs() {
        return totalMs;
    }

    long maxMs() {
        return maxMs;
    }

    /** Null when empty. */
    LatencyTracker.Summary summary() {
        if (samples == 0) {
            return null;
        }
        return new LatencyTracker.Summary(Math.round(10.0 * totalMs / samples) / 10.0, percentile(0.50),
                percentile(0.95), percentile(0.99), maxMs, samples);
    }

    private double percentile(double fraction) {
        long rank = (long) Math.ceil(fraction * samples);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(BUCKET_UPPER_MS[i], maxMs);
            }
        }
        return maxMs;
    }

    private static int bucket(long millis) {
        for (int i = 0; i < BUCKET_UPPER_MS.length; i++) {
            if (millis <= BUCKET_UPPER_MS[i]) {
                return i;
            }
        }
        return BUCKET_UPPER_MS.length - 1;
    }
}
