package dev.genba.server.mirror.compare;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rows that changed recently on either side: every key whose timestamp lies in
 * [now − lookback, now − in-flight] on the primary or on the mirror, compared with its version on
 * the other side. Keys changed within the in-flight margin on either side are left for the next
 * run, and each difference found is fetched again after a pause and kept only if it persists.
 */
final class WindowCompare {
    private final Sides sides;
    private final RowComparer comparer;
    private final CompareOptions options;
    private final Clock clock;
    private long rowsFetched;
    private int batches;

    WindowCompare(Sides sides, RowComparer comparer, CompareOptions options, Clock clock) {
        this.sides = sides;
        this.comparer = comparer;
        this.options = options;
        this.clock = clock;
    }

    CompareResult run(Duration lookback, Duration inFlight) {
        long started = System.nanoTime();
        Instant now = clock.instant();
        Instant from = now.minus(lookback);
        Instant settled = now.minus(inFlight);

        Pair<List<Row>> recent = sides.run(side -> side.rowsSince(from));
        batches++;
        rowsFetched += recent.primary().size() + recent.mirror().size();
        Map<List<String>, Row> primary = DifferenceCollector.byKey(recent.primary());
        Map<List<String>, Row> mirror = DifferenceCollector.byKey(recent.mirror());
        List<String> errors = new ArrayList<>();
        repeatedKeys(TableComparator.PRIMARY, recent.primary().size() - primary.size(), errors);
        repeatedKeys(TableComparator.MIRROR, recent.mirror().size() - mirror.size(), errors);

        Set<List<String>> inFlightKeys = new HashSet<>();
        Set<List<String>> keys = new HashSet<>();
        sortKeys(recent.primary(), settled, keys, inFlightKeys);
        sortKeys(recent.mirror(), settled, keys, inFlightKeys);

        // a key that changed in the window on one side only: its other version is older or missing
        Pair<List<Row>> older = fetch(absent(keys, primary), absent(keys, mirror));
        older.primary().forEach(row -> primary.put(row.key(), row));
        older.mirror().forEach(row -> mirror.put(row.key(), row));
        sortKeys(older.primary(), settled, new HashSet<>(), inFlightKeys);
        sortKeys(older.mirror(), settled, new HashSet<>(), inFlightKeys);
        keys.removeAll(inFlightKeys);

        List<List<String>> suspects = new ArrayList<>();
        for (List<String> key : keys) {
            if (comparer.compare(primary.get(key), mirror.get(key)) != null) {
                suspects.add(key);
            }
        }
        DifferenceCollector collector = recheck(suspects);
        if (collector.overflow() != null) {
            errors.add(collector.overflow());
        }
        return new CompareResult("window", keys.size(), collector.differences(), batches, 0, errors, rowsFetched,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private static void repeatedKeys(String side, int rows, List<String> errors) {
        if (rows > 0) {
            errors.add(side + " database: " + rows + " rows repeat the key of another row; the key columns must identify a row");
        }
    }

    /** Keys with a timestamp up to {@code settled} go to {@code keys}, later ones to {@code inFlight}. */
    private static void sortKeys(List<Row> rows, Instant settled, Set<List<String>> keys, Set<List<String>> inFlight) {
        long settledMicros = ChronoUnit.MICROS.between(Instant.EPOCH, settled);
        for (Row row : rows) {
            if (row.changedMicros() == null) {
                continue;
            }
            if (row.changedMicros() > settledMicros) {
                inFlight.add(row.key());
            } else {
                keys.add(row.key());
            }
        }
    }

    /** The keys that {@code side} has not returned yet. */
    private static List<List<String>> absent(Set<List<String>> keys, Map<List<String>, Row> side) {
        return keys.stream().filter(key -> !side.containsKey(key)).toList();
    }

    /** A difference counts only if the rows still differ after a pause: replication may have been mid-way. */
    private DifferenceCollector recheck(List<List<String>> suspects) {
        DifferenceCollector collector = new DifferenceCollector(comparer, options.maxDifferences());
        if (suspects.isEmpty()) {
            return collector;
        }
        pause(options.recheckPause());
        Pair<List<Row>> again = fetch(suspects, suspects);
        Map<List<String>, Row> primary = DifferenceCollector.byKey(again.primary());
        Map<List<String>, Row> mirror = DifferenceCollector.byKey(again.mirror());
        for (List<String> key : suspects) {
            collector.add(key, comparer.compare(primary.get(key), mirror.get(key)));
        }
        return collector;
    }

    /** Rows by key, in batches: {@code primaryKeys} from the primary, {@code mirrorKeys} from the mirror. */
    private Pair<List<Row>> fetch(List<List<String>> primaryKeys, List<List<String>> mirrorKeys) {
        List<Row> primaryRows = new ArrayList<>();
        List<Row> mirrorRows = new ArrayList<>();
        int batchSize = options.keyBatch();
        for (int start = 0; start < Math.max(primaryKeys.size(), mirrorKeys.size()); start += batchSize) {
            List<List<String>> primaryBatch = slice(primaryKeys, start, batchSize);
            List<List<String>> mirrorBatch = slice(mirrorKeys, start, batchSize);
            Pair<List<Row>> rows = sides.run(side -> side.rowsWithKeys(primaryBatch), side -> side.rowsWithKeys(mirrorBatch));
            primaryRows.addAll(rows.primary());
            mirrorRows.addAll(rows.mirror());
            batches++;
        }
        rowsFetched += primaryRows.size() + mirrorRows.size();
        return new Pair<>(primaryRows, mirrorRows);
    }

    private static List<List<String>> slice(List<List<String>> keys, int start, int size) {
        return start >= keys.size() ? List.of() : keys.subList(start, Math.min(keys.size(), start + size));
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompareException("the comparison was interrupted");
        }
    }
}
