package dev.genba.server.mirror.compare;

import java.util.List;
import java.util.Map;

/**
 * One row that does not agree between the two databases.
 *
 * <p>Values are PostgreSQL's canonical text of each value (numbers as written by
 * {@code numeric}, timestamps as UTC ISO-8601 instants such as {@code 2025-02-20T02:00:00.000000Z}),
 * or null; the maps keep the configured column order. A side where the row is missing has an
 * empty value map.
 *
 * @param columns the compared columns that differ (all of them when the row is missing on a side)
 */
public record Difference(Map<String, Object> key, Kind kind, Map<String, Object> primaryValues,
                         Map<String, Object> mirrorValues, List<String> columns) {

    public enum Kind { MISSING_IN_MIRROR, MISSING_IN_PRIMARY, VALUE_MISMATCH }

    public Difference {
        columns = List.copyOf(columns);
    }
}
