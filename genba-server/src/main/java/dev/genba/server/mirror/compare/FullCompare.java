package dev.genba.server.mirror.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole table, by bisection: checksum key ranges inside both databases, split the ranges
 * whose checksums differ, and fetch only ranges small enough to compare row by row.
 */
final class FullCompare {
    private static final int MAX_DEPTH = 12;
    /** Keeps a single row fetch (both sides) to a bounded amount of memory. */
    private static final long ROWS_PER_FETCH = 50_000;
    /** Sampled keys per first-pass range: enough for ranges of roughly even size. */
    private static final int SAMPLES_PER_RANGE = 8;

    private final Sides sides;
    private final CompareOptions options;
    private final DifferenceCollector collector;
    private final List<String> errors = new ArrayList<>();
    private int chunks;
    private int skipped;
    private long rowsFetched;

    FullCompare(Sides sides, RowComparer comparer, CompareOptions options) {
        this.sides = sides;
        this.options = options;
        this.collector = new DifferenceCollector(comparer, options.maxDifferences());
    }

    CompareResult run() {
        long started = System.nanoTime();
        Pair<Long> counts = sides.run(SideQueries::count);
        long rows = Math.max(counts.primary(), counts.mirror());
        List<KeyRange> ranges = KeyRange.cover(firstBoundaries(counts, rows));
        boolean firstPass = true;
        for (int depth = 0; !ranges.isEmpty(); depth++) {
            if (depth == MAX_DEPTH || collector.full()) {
                skip(ranges.size(), collector.full()
                        ? "stopped after " + options.maxDifferences() + " differences; " + ranges.size() + " key ranges were not compared"
                        : ranges.size() + " key ranges could not be narrowed down in " + MAX_DEPTH + " splits");
                break;
            }
            ranges = compareLevel(Level.of(ranges), firstPass);
            firstPass = false;
        }
        return new CompareResult("full", rows, collector.differences(), chunks, skipped, errors, rowsFetched,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private List<byte[]> firstBoundaries(Pair<Long> counts, long rows) {
        int ranges = (int) Math.min(1_000_000, (rows + options.chunkRows() - 1) / options.chunkRows());
        if (ranges <= 1) {
            return List.of();
        }
        double fraction = Math.min(1.0, (double) ranges * SAMPLES_PER_RANGE / rows);
        try {
            // the larger side's keys, so that a side that lost most of its rows is still cut finely
            return sides.onlyOn(counts.primary() >= counts.mirror(), side -> side.sampleBoundaries(ranges, fraction));
        } catch (SideFailure e) {
            errors.add(e.sentence("sampling the keys"));
            return List.of();
        }
    }

    /** Checksums one level of ranges; fetches the small differing ones; returns the split large ones. */
    private List<KeyRange> compareLevel(Level level, boolean firstPass) {
        Pair<Map<Integer, Checksum>> sums;
        try {
            sums = sides.run(side -> side.checksums(level.bounds(), firstPass ? null : level.buckets()));
        } catch (SideFailure e) {
            skip(level.ranges().size(), e.sentence("computing range checksums"));
            return List.of();
        }
        chunks += level.ranges().size();
        List<KeyRange> toFetch = new ArrayList<>();
        List<Long> fetchSizes = new ArrayList<>();
        List<KeyRange> toSplit = new ArrayList<>();
        for (int i = 0; i < level.ranges().size(); i++) {
            Checksum primary = sums.primary().getOrDefault(level.buckets()[i], Checksum.EMPTY);
            Checksum mirror = sums.mirror().getOrDefault(level.buckets()[i], Checksum.EMPTY);
            if (primary.rows() == mirror.rows() && primary.sum().compareTo(mirror.sum()) == 0) {
                continue;
            }
            if (Math.max(primary.rows(), mirror.rows()) <= options.fetchRows()) {
                toFetch.add(level.ranges().get(i));
                fetchSizes.add(primary.rows() + mirror.rows());
            } else {
                toSplit.add(level.ranges().get(i));
            }
        }
        fetchAndCompare(toFetch, fetchSizes);
        return toSplit.isEmpty() ? List.of() : split(Level.of(toSplit));
    }

    private void fetchAndCompare(List<KeyRange> ranges, List<Long> sizes) {
        List<KeyRange> batch = new ArrayList<>();
        long batchRows = 0;
        for (int i = 0; i < ranges.size(); i++) {
            batch.add(ranges.get(i));
            batchRows += sizes.get(i);
            if (batchRows >= ROWS_PER_FETCH || i == ranges.size() - 1) {
                fetchAndCompare(Level.of(batch));
                batch = new ArrayList<>();
                batchRows = 0;
            }
        }
    }

    private void fetchAndCompare(Level level) {
        if (collector.full()) {
            skip(level.ranges().size(), "stopped after " + options.maxDifferences() + " differences; "
                    + level.ranges().size() + " key ranges were not compared");
            return;
        }
        try {
            Pair<List<Row>> rows = sides.run(side -> side.rowsInRanges(level.bounds(), level.buckets()));
            rowsFetched += rows.primary().size() + rows.mirror().size();
            collector.compareAll(rows.primary(), rows.mirror());
        } catch (SideFailure e) {
            skip(level.ranges().size(), e.sentence("fetching rows"));
        }
    }

    private List<KeyRange> split(Level level) {
        Pair<Map<Integer, List<byte[]>>> points;
        try {
            points = sides.run(side -> side.splitPoints(level.bounds(), level.buckets(), options.splitParts()));
        } catch (SideFailure e) {
            skip(level.ranges().size(), e.sentence("splitting key ranges"));
            return List.of();
        }
        List<KeyRange> next = new ArrayList<>();
        for (int i = 0; i < level.ranges().size(); i++) {
            List<byte[]> cuts = new ArrayList<>(points.primary().getOrDefault(level.buckets()[i], List.of()));
            cuts.addAll(points.mirror().getOrDefault(level.buckets()[i], List.of()));
            next.addAll(level.ranges().get(i).split(cuts));
        }
        return next;
    }

    private void skip(int ranges, String error) {
        skipped += ranges;
        errors.add(error);
    }
}
