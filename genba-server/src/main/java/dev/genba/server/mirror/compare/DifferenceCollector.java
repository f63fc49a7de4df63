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

    DifferenceCollector(RowComparer comparer, int limit) {
        this.comparer = comparer;
        this.limit = limit;
    }

    static Map<List<String>, Row> byKey(List<Row> rows) {
        Map<List<String>, Row> byKey = new HashMap<>(rows.size() * 2);
        rows.forEach(row -> byKey.put(row.key(), row));
        return byKey;
    }

    /** Compares every key found on either side. */
    void compareAll(List<Row> primaryRows, List<Row> mirrorRows) {
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
    }

    void add(List<String> key, Difference difference) {
        if (difference != null && !full()) {
            differences.put(key, difference);
        }
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
