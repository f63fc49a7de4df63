package dev.genba.server.mirror.compare;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** The queries of a comparison against one database (the primary or the mirror). */
final class SideQueries {
    private static final HexFormat HEX = HexFormat.of();

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

    long count() {
        return jdbi.withHandle(handle -> query(handle, sql.count()).mapTo(Long.class).one());
    }

    /** Sorted boundaries cutting the keys into about {@code chunks} ranges, from a sample of {@code fraction}. */
    List<byte[]> sampleBoundaries(int chunks, double fraction) {
        return jdbi.withHandle(handle -> query(handle, sql.sampleBoundaries())
                .bind("chunks", chunks)
                .bind("fraction", fraction)
                .map((rs, ctx) -> rs.getBytes(1))
                .list());
    }

    Map<Integer, Checksum> checksums(List<byte[]> bounds, int[] wanted) {
        return jdbi.withHandle(handle -> {
            Map<Integer, Checksum> sums = new HashMap<>();
            query(handle, sql.checksums())
                    .bind("bounds", hex(bounds))
                    .bind("all", wanted == null)
                    .bind("wanted", boxed(wanted == null ? new int[0] : wanted))
                    .map((rs, ctx) -> {
                        BigDecimal sum = rs.getBigDecimal("checksum");
                        return Map.entry(rs.getInt("bucket"), new Checksum(rs.getLong("row_count"), sum));
                    })
                    .forEach(entry -> sums.put(entry.getKey(), entry.getValue()));
            return sums;
        });
    }

    /** For each wanted range, the points that split it into about {@code parts} equal ranges. */
    Map<Integer, List<byte[]>> splitPoints(List<byte[]> bounds, int[] wanted, int parts) {
        return jdbi.withHandle(handle -> {
            Map<Integer, List<byte[]>> points = new HashMap<>();
            query(handle, sql.splitPoints())
                    .bind("bounds", hex(bounds))
                    .bind("wanted", boxed(wanted))
                    .bind("parts", parts)
                    .map((rs, ctx) -> Map.entry(rs.getInt("bucket"), rs.getBytes("boundary")))
                    .forEach(entry -> points.computeIfAbsent(entry.getKey(), bucket -> new ArrayList<>()).add(entry.getValue()));
            return points;
        });
    }

    List<Row> rowsInRanges(List<byte[]> bounds, int[] wanted) {
        return jdbi.withHandle(handle -> query(handle, sql.rowsInRanges())
                .bind("bounds", hex(bounds))
                .bind("wanted", boxed(wanted))
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
                rs.getString(1 + keyCount + valueCount));
    }

    private static String[] hex(List<byte[]> bounds) {
        return bounds.stream().map(HEX::formatHex).toArray(String[]::new);
    }

    private static Integer[] boxed(int[] values) {
        return Arrays.stream(values).boxed().toArray(Integer[]::new);
    }
}
