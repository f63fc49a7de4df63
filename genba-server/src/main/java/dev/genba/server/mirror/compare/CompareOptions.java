package dev.genba.server.mirror.compare;

import java.time.Duration;

/**
 * Tuning of the comparison; {@link #defaults()} suits tables of a few million rows.
 *
 * @param chunkRows      rows per key range in the first pass of full mode
 * @param fetchRows      a differing range with at most this many rows on each side is fetched and
 *                       compared row by row; a larger one is split
 * @param splitParts     how many sub-ranges a differing range is split into (rounded up to a power of two)
 * @param keyBatch       keys per query when rows are fetched by key
 * @param recheckPause   window mode: wait this long before re-checking a difference
 * @param queryTimeout   a query running longer is cancelled and its ranges are counted as skipped
 * @param maxDifferences stop collecting differences after this many (the run is NG anyway)
 */
public record CompareOptions(int chunkRows, int fetchRows, int splitParts, int keyBatch, Duration recheckPause,
                             Duration queryTimeout, int maxDifferences) {

    public CompareOptions {
        if (chunkRows < 1 || fetchRows < 1 || splitParts < 2 || keyBatch < 1 || maxDifferences < 1) {
            throw new IllegalArgumentException("chunkRows, fetchRows, keyBatch and maxDifferences must be >= 1 and splitParts >= 2");
        }
        if (recheckPause == null || recheckPause.isNegative() || queryTimeout == null || queryTimeout.isNegative()) {
            throw new IllegalArgumentException("recheckPause and queryTimeout must be set and not negative");
        }
    }

    public static CompareOptions defaults() {
        return new CompareOptions(250, 1000, 16, 5000, Duration.ofSeconds(2), Duration.ofMinutes(10), 100_000);
    }

    public CompareOptions withRecheckPause(Duration pause) {
        return new CompareOptions(chunkRows, fetchRows, splitParts, keyBatch, pause, queryTimeout, maxDifferences);
    }

    public CompareOptions withQueryTimeout(Duration timeout) {
        return new CompareOptions(chunkRows, fetchRows, splitParts, keyBatch, recheckPause, timeout, maxDifferences);
    }

    public CompareOptions withChunks(int chunkRows, int fetchRows) {
        return new CompareOptions(chunkRows, fetchRows, splitParts, keyBatch, recheckPause, queryTimeout, maxDifferences);
    }
}
