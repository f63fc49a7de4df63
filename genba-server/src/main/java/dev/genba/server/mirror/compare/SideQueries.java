package dev.genba.server.mirror.compare;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** The queries of a comparison against one database (the primary or the mirror). */
final class SideQueries {
    private final Jdbi jdbi;
    private final TableShape shape;
    private final RowSql sql;
    private final int timeoutSeconds;

    SideQueries(Jdbi jdbi, TableShape shape, Normalisation normalisation, CompareOptions options) {
        this.jdbi = jdbi;
        this.shape = shape;
        this.sql = new RowSql(shape, normalisation);
        this.timeoutSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, options.queryTimeout().toSeconds()));
    }

    String side() {
        return shape.side();
    }

    /** About how many rows the table holds: the planner's statistics, or a count if there are none. */
    long estimatedRows() {
        return jdbi.withHandle(handle -> {
            long estimate = query(handle, sql.estimatedRows()).bind("table", sql.quotedTable()).mapTo(Long.class).one();
            return estimate > 0 ? estimate : query(handle, sql.count()).mapTo(Long.class).one();
        });
    }

    /**
     * Count and checksum of every range {@code depth} bits deep inside the given parent ranges
     * (all of them at depth {@code parentDepth}), or inside the whole table when {@code parents} is null.
     */
    Map<Long, Checksum> checksums(int depth, int parentDepth, long[] parents) {
        return jdbi.withHandle(handle -> {
            Map<Long, Checksum> sums = new HashMap<>();
            query(handle, sql.checksums())
                    .bind("shift", 64 - depth)
                    .bind("all", parents == null)
                    .bind("parentShift", 64 - parentDepth)
                    .bind("parents", boxed(parents == null ? new long[0] : parents))
                    .map((rs, ctx) -> Map.entry(rs.getLong("bucket"),
                            new Checksum(rs.getLong("row_count"), rs.getBigDecimal("checksum"))))
                    .forEach(entry -> sums.put(entry.getKey(), entry.getValue()));
            return sums;
        });
    }

    /** The rows of the given ranges, all {@code depth} bits deep. */
    List<Row> rowsInRanges(int depth, long[] prefixes) {
        return jdbi.withHandle(handle -> query(handle, sql.rowsInRanges())
                .bind("shift", 64 - depth)
                .bind("buckets", boxed(prefixes))
                .map((rs, ctx) -> row(rs))
                .list());
    }

    List<Row> rowsSince(Instant from) {
        return jdbi.withHandle(handle -> query(handle, sql.rowsSince())
                .bind("from", from.toString())
                .map((rs, ctx) -> row(rs))
                .list());
    }

    List<Row> rowsWithKeys(List<List<String>> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        return jdbi.withHandle(handle -> {
            Query query = query(handle, sql.rowsWithKeys());
            for (int column = 0; column < shape.keys().size(); column++) {
                String[] values = new String[keys.size()];
                for (int i = 0; i < keys.size(); i++) {
                    values[i] = keys.get(i).get(column);
                }
                query.bind("key" + column, values);
            }
            return query.map((rs, ctx) -> row(rs)).list();
        });
    }

    private Query query(Handle handle, String text) {
        Query query = handle.createQuery(text);
        query.setQueryTimeout(timeoutSeconds);
        return query;
    }

    private Row row(ResultSet rs) throws SQLException {
        int keyCount = shape.keys().size();
        int valueCount = shape.compared().size();
        String[] key = new String[keyCount];
        String[] values = new String[valueCount];
        for (int i = 0; i < keyCount; i++) {
            key[i] = rs.getString(1 + i);
        }
        for (int i = 0; i < valueCount; i++) {
            values[i] = rs.getString(1 + keyCount + i);
        }
        return new Row(Collections.unmodifiableList(Arrays.asList(key)), Collections.unmodifiableList(Arrays.asList(values)),
                rs.getObject(1 + keyCount + valueCount, Long.class));
    }

    private static Long[] boxed(long[] values) {
        return Arrays.stream(values).boxed().toArray(Long[]::new);
    }
}
