package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which table to compare and how: the key columns that identify a row, the columns whose values
 * must agree, and the column that says when a row last changed (for window mode).
 *
 * <p>The names come from operator configuration; they are checked against each database's
 * catalog before any query uses them. {@code table} may be schema-qualified ({@code schema.table});
 * an unqualified name is looked up along the connection's search path.
 */
public record TableSpec(String table, List<String> keyColumns, List<String> compareColumns, String timestampColumn) {

    public TableSpec {
        List<String> problems = new ArrayList<>();
        if (table == null || table.isBlank()) {
            problems.add("table must be named");
        }
        if (keyColumns == null || keyColumns.isEmpty()) {
            problems.add("at least one key column is required");
        }
        if (compareColumns == null) {
            compareColumns = List.of();
        }
        if (timestampColumn == null || timestampColumn.isBlank()) {
            problems.add("a timestamp column is required");
        }
        if (keyColumns != null) {
            Set<String> seen = new HashSet<>();
            for (String column : keyColumns) {
                if (column == null || column.isBlank()) {
                    problems.add("key column names must not be empty");
                } else if (!seen.add(column)) {
                    problems.add("key column " + column + " is listed twice");
                }
            }
            for (String column : compareColumns) {
                if (column == null || column.isBlank()) {
                    problems.add("compared column names must not be empty");
                } else if (!seen.add(column)) {
                    problems.add("column " + column + " is listed twice (a key column is never also compared)");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("mirror compare table " + table + ": " + String.join("; ", problems));
        }
        keyColumns = List.copyOf(keyColumns);
        compareColumns = List.copyOf(compareColumns);
    }

    /** The defaults: Window A's and Genba's {@code part_locations}. */
    public static TableSpec partLocations() {
        return new TableSpec("part_locations", List.of("tag_id", "order_id"),
                List.of("station", "location", "lot"), "updated_at");
    }

    /** The schema part of a qualified name, or null when the name is unqualified. */
    String schemaName() {
        int dot = table.indexOf('.');
        return dot < 0 ? null : table.substring(0, dot);
    }

    String tableName() {
        int dot = table.indexOf('.');
        return dot < 0 ? table : table.substring(dot + 1);
    }
}
