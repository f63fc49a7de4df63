package dev.genba.server.mirror.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole table, by bisection: checksum ranges of keys inside both databases, split the
 * ranges whose checksums differ, and fetch only ranges small enough to compare row by row.
 * Each level is one query per database, run on both at once.
 *
 * <p>A range is the keys whose 64-bit key hash starts with the same {@code depth} bits: in SQL
 * {@code key_hash >> (64 - depth) = prefix} (an arithmetic shift, so prefixes may be negative).
 * Splitting appends bits: the children of prefix p, k bits deeper, are p·2^k to p·2^k + 2^k − 1,
 * so one query checksums all children of all differing ranges at once.
 */
final class FullCompare {
    /** Shifting by 64 is undefined in C, so a range never covers the whole table and never goes below 1 bit. */
    private static final int MAX_DEPTH = 63;
    /** Keeps a single row fetch (both sides) to a bounded amount of memory. */
    private static final long ROWS_PER_FETCH = 50_000;

    private final Sides sides;
    private final CompareOptions options;
    private final DifferenceCollector collector;
    private final int splitBits;
    private final List<String> errors = new ArrayList<>();
    private int chunks;
    private int skipped;
    private long rowsFetched;

    FullCompare(Sides sides, RowComparer comparer, CompareOptions options) {
        this.sides = sides;
        this.options = options;
        this.collector = new DifferenceCollector(comparer, options.maxDifferences());
        this.splitBits = 32 - Integer.numberOfLeadingZeros(options.splitParts() - 1);
    }

    CompareResult run() {
        long started = System.nanoTime();
        int depth;
        Pair<Map<Long, Checksum>> sums;
        try {
            Pair<Long> estimates = sides.run(SideQueries::estimatedRows);
            depth = firstDepth(Math.max(estimates.primary(), estimates.mirror()));
            sums = sides.run(side -> side.checksums(depth, 0, null));
        } catch (SideFailure e) {
            skip(1, e.sentence("reading the table"));  // the whole table is one range not compared
            return new CompareResult("full", 0, List.of(), 0, skipped, errors, 0, Duration.ofNanos(System.nanoTime() - started));
        }
        long rows = Math.max(total(sums.primary()), total(sums.mirror()));
        List<Long> differing = compareLevel(depth, sums);
        for (int level = depth; !differing.isEmpty(); level += splitBits) {
            int parentDepth = level;
            int childDepth = Math.min(MAX_DEPTH, level + splitBits);
            long[] parents = differing.stream().mapToLong(Long::longValue).toArray();
            if (collector.full()) {
                skip(parents.length, "stopped after " + options.maxDifferences() + " differences; "
                        + parents.length + " key ranges were not compared");
                break;
            }
            try {
                sums = sides.run(side -> side.checksums(childDepth, parentDepth, parents));
            } catch (SideFailure e) {
                skip(parents.length, e.sentence("computing range checksums"));
                break;
            }
            differing = compareLevel(childDepth, sums);
        }
        if (collector.overflow() != null) {
            errors.add(collector.overflow());
        }
        return new CompareResult("full", rows, collector.differences(), chunks, skipped, errors, rowsFetched,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** Deep enough that a first-pass range holds about {@link CompareOptions#chunkRows()} rows. */
    private int firstDepth(long rows) {
        long ranges = Math.max(2, rows / options.chunkRows());
        return Math.min(24, 64 - Long.numberOfLeadingZeros(ranges - 1));
    }

    private static long total(Map<Long, Checksum> sums) {
        return sums.values().stream().mapToLong(Checksum::rows).sum();
    }

    /**
     * Compares the checksums of one level; fetches and compares the small differing ranges and
     * returns the prefixes of the large ones, to be split.
     */
    private List<Long> compareLevel(int depth, Pair<Map<Long, Checksum>> sums) {
        List<Long> buckets = new ArrayList<>(sums.primary().keySet());
        sums.mirror().keySet().stream().filter(bucket -> !sums.primary().containsKey(bucket)).forEach(buckets::add);
        chunks += buckets.size();
        List<Long> toFetch = new ArrayList<>();
        List<Long> toSplit = new ArrayList<>();
        long batchRows = 0;
        for (long bucket : buckets) {
            Checksum primary = sums.primary().getOrDefault(bucket, Checksum.EMPTY);
            Checksum mirror = sums.mirror().getOrDefault(bucket, Checksum.EMPTY);
            if (primary.rows() == mirror.rows() && primary.sum().compareTo(mirror.sum()) == 0) {
                continue;
            }
            if (Math.max(primary.rows(), mirror.rows()) > options.fetchRows() && depth < MAX_DEPTH) {
                toSplit.add(bucket);
                continue;
            }
            toFetch.add(bucket);
            batchRows += primary.rows() + mirror.rows();
            if (batchRows >= ROWS_PER_FETCH) {
                fetchAndCompare(depth, toFetch);
                toFetch = new ArrayList<>();
                batchRows = 0;
            }
        }
        fetchAndCompare(depth, toFetch);
        return toSplit;
    }

    private void fetchAndCompare(int depth, List<Long> buckets) {
        if (buckets.isEmpty()) {
            return;
        }
        if (collector.full()) {
            skip(buckets.size(), "stopped after " + options.maxDifferences() + " differences; "
                    + buckets.size() + " key ranges were not compared");
            return;
        }
        long[] prefixes = buckets.stream().mapToLong(Long::longValue).toArray();
        try {
            Pair<List<Row>> rows = sides.run(side -> side.rowsInRanges(depth, prefixes));
            rowsFetched += rows.primary().size() + rows.mirror().size();
            Pair<Integer> repeated = collector.compareAll(rows.primary(), rows.mirror());
            reportRepeatedKeys(TableComparator.PRIMARY, repeated.primary());
            reportRepeatedKeys(TableComparator.MIRROR, repeated.mirror());
        } catch (SideFailure e) {
            skip(buckets.size(), e.sentence("fetching rows"));
        }
    }

    private void reportRepeatedKeys(String side, int rows) {
        if (rows > 0) {
            errors.add(side + " database: " + rows + " rows repeat the key of another row; the key columns must identify a row");
        }
    }

    private void skip(int ranges, String error) {
        skipped += ranges;
        errors.add(error);
    }
}
