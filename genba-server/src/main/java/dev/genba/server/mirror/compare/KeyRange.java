package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.List;

/**
 * Keys from {@code lower} (inclusive) to {@code upper} (exclusive), as canonical key bytes; null
 * means unbounded.
 */
record KeyRange(byte[] lower, byte[] upper) {

    /** Ranges covering every key, cut at the given sorted boundaries. */
    static List<KeyRange> cover(List<byte[]> boundaries) {
        return cut(null, null, boundaries);
    }

    /** This range cut at the given points; points outside it are ignored. */
    List<KeyRange> split(List<byte[]> points) {
        List<byte[]> inside = points.stream()
                .filter(point -> lower == null || KeyOrder.BYTES.compare(point, lower) > 0)
                .filter(point -> upper == null || KeyOrder.BYTES.compare(point, upper) < 0)
                .sorted(KeyOrder.BYTES)
                .toList();
        return cut(lower, upper, inside);
    }

    private static List<KeyRange> cut(byte[] lower, byte[] upper, List<byte[]> sortedPoints) {
        List<KeyRange> ranges = new ArrayList<>();
        byte[] start = lower;
        for (byte[] point : sortedPoints) {
            if (start != null && KeyOrder.BYTES.compare(point, start) == 0) {
                continue;
            }
            ranges.add(new KeyRange(start, point));
            start = point;
        }
        ranges.add(new KeyRange(start, upper));
        return ranges;
    }
}
