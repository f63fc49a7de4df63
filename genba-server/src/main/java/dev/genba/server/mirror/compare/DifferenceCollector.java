package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Matches rows of both sides by key and keeps the differences, in key order, up to a limit. */
final class DifferenceCollector {
    private final RowComparer comparer;
    private final int limit;
    private final TreeMap<List<String>, Difference> differences = new TreeMap<>(KeyOrder.KEYS);
    private long dropped;

    DifferenceCollector(RowComparer comparer, int limit) {
        this.comparer = comparer;
        this.limit = limit;
    }

    static Map<List<String>, Row> byKey(List<Row> rows) {
        Map<List<String>, Row> byKey = new HashMap<>(rows.size() * 2);
        rows.forEach(row -> byKey.put(row.key(), row));
        return byKey;
    }

    /**
     * Compares every key found on either side; returns how many rows on each side repeat a key
     * (a table without a unique key: the comparison cannot tell such rows apart).
     */
    Pair<Integer> compareAll(List<Row> primaryRows, List<Row> mirrorRows) {
        Map<List<String>, Row> primary = byKey(primaryRows);
        Map<List<String>, Row> mirror = byKey(mirrorRows);
        for (Row row : primaryRows) {
            add(row.key(), comparer.compare(row, mirror.get(row.key())));
        }
        for (Row row : mirrorRows) {
            if (!primary.containsKey(row.key())) {
                add(row.key(), comparer.compare(null, row));
            }
        }
        return new Pair<>(primaryRows.size() - primary.size(), mirrorRows.size() - mirror.size());
    }

    void add(List<String> key, Difference difference) {
        if (difference == null) {
            return;
        }
        if (full()) {
            dropped++;
        } else {
            differences.put(key, difference);
        }
    }

    /** A sentence for the result's errors if differences beyond the limit were left out, else null. */
    String overflow() {
        return dropped == 0 ? null : "more than " + limit + " differences; " + dropped + " more found were not kept";
    }

    boolean full() {
        return differences.size() >= limit;
    }

    List<List<String>> keys() {
        return new ArrayList<>(differences.keySet());
    }

    List<Difference> differences() {
        return new ArrayList<>(differences.values());
    }
}
