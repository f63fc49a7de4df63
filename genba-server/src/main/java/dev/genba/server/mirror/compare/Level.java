package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * Disjoint key ranges as the sorted boundaries PostgreSQL's {@code width_bucket} takes: range
 * {@code [b(i-1), b(i))} is bucket i, keys below the first boundary are bucket 0. One query then
 * sorts every row into its range with a binary search.
 */
record Level(List<KeyRange> ranges, List<byte[]> bounds, int[] buckets) {

    static Level of(List<KeyRange> ranges) {
        TreeSet<byte[]> endpoints = new TreeSet<>(KeyOrder.BYTES);
        for (KeyRange range : ranges) {
            if (range.lower() != null) {
                endpoints.add(range.lower());
            }
            if (range.upper() != null) {
                endpoints.add(range.upper());
            }
        }
        List<byte[]> bounds = Collections.unmodifiableList(new ArrayList<>(endpoints));
        int[] buckets = new int[ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            byte[] lower = ranges.get(i).lower();
            buckets[i] = lower == null ? 0 : Collections.binarySearch(bounds, lower, KeyOrder.BYTES) + 1;
        }
        return new Level(List.copyOf(ranges), bounds, buckets);
    }
}
