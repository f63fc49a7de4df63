package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL run on one database, built from its checked {@link TableShape}: only quoted catalog
 * names and fixed text go into it; every value is a bind parameter.
 *
 * <p>Key ranges are ranges of the key's canonical text as UTF-8 bytes ({@code bytea} compares
 * with memcmp), so both databases order keys identically whatever their collation or encoding.
 * A range's checksum is {@code count(*)} plus the exact sum of a 64-bit hash of every row's
 * normalised text ({@code hashtextextended}, several times cheaper than md5); a changed row goes
 * unnoticed only if its hash changed by a multiple of 2^64, a chance of about 1 in 10^19.
 */
final class RowSql {
    private static final String ALIAS = "source";
    private static final String THRESHOLDS = """
            (SELECT coalesce(array_agg(decode(boundary, 'hex') ORDER BY position), '{}'::bytea[])
               FROM unnest(CAST(:bounds AS text[])) WITH ORDINALITY AS given(boundary, position))""";

    private final TableShape shape;
    private final Normalisation normalisation;

    RowSql(TableShape shape, Normalisation normalisation) {
        this.shape = shape;
        this.normalisation = normalisation;
    }

    String count() {
        return "SELECT count(*) FROM " + from();
    }

    /** Boundaries splitting a random sample of the keys into {@code :chunks} equal parts. */
    String sampleBoundaries() {
        return """
                SELECT DISTINCT ON (tile) key_bytes
                  FROM (SELECT key_bytes, ntile(:chunks) OVER (ORDER BY key_bytes) AS tile
                          FROM (SELECT %s AS key_bytes FROM %s WHERE random() < :fraction) AS sampled) AS tiled
                 WHERE tile > 1
                 ORDER BY tile, key_bytes
                """.formatted(keyBytes(), from());
    }

    /** Row count and checksum of every range (bucket) wanted, or of all ranges when {@code :all}. */
    String checksums() {
        return """
                SELECT bucket, count(*) AS row_count, sum(hashtextextended(row_text, 0)) AS checksum
                  FROM (SELECT width_bucket(%s, %s) AS bucket, %s AS row_text FROM %s) AS ranged
                 WHERE :all OR bucket = ANY (CAST(:wanted AS int[]))
                 GROUP BY bucket
                """.formatted(keyBytes(), THRESHOLDS, rowText(), from());
    }

    /** Points splitting each wanted range into {@code :parts} ranges of equal row counts. */
    String splitPoints() {
        return """
                SELECT DISTINCT ON (bucket, tile) bucket, key_bytes AS boundary
                  FROM (SELECT bucket, key_bytes, ntile(:parts) OVER (PARTITION BY bucket ORDER BY key_bytes) AS tile
                          FROM (SELECT width_bucket(%s, %s) AS bucket, %s AS key_bytes FROM %s) AS ranged
                         WHERE bucket = ANY (CAST(:wanted AS int[]))) AS tiled
                 WHERE tile > 1
                 ORDER BY bucket, tile, key_bytes
                """.formatted(keyBytes(), THRESHOLDS, keyBytes(), from());
    }

    String rowsInRanges() {
        return "SELECT " + rowColumns() + " FROM " + from()
                + "\n WHERE width_bucket(" + keyBytes() + ", " + THRESHOLDS + ") = ANY (CAST(:wanted AS int[]))";
    }

    /** Rows whose timestamp is at or after {@code :from}, in-flight ones included. */
    String rowsSince() {
        return "SELECT " + rowColumns() + " FROM " + from()
                + "\n WHERE " + ref(shape.timestamp()) + " >= CAST(:from AS timestamptz)";
    }

    /** Rows with the keys given as one text array per key column ({@code :key0}, {@code :key1}, ...). */
    String rowsWithKeys() {
        List<String> arrays = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> matches = new ArrayList<>();
        for (int i = 0; i < shape.keys().size(); i++) {
            Column key = shape.keys().get(i);
            arrays.add("CAST(:key" + i + " AS text[])");
            names.add("key_" + i);
            String given = "wanted.key_" + i;
            String cast = key.type() == ColumnType.TIMESTAMP
                    ? "CAST(CAST(" + given + " AS timestamptz) AS " + key.castType() + ")"
                    : "CAST(" + given + " AS " + key.castType() + ")";
            matches.add(ref(key) + " = " + cast);
        }
        return "SELECT " + rowColumns() + " FROM " + from()
                + "\n JOIN unnest(" + String.join(", ", arrays) + ") AS wanted(" + String.join(", ", names) + ")"
                + "\n   ON " + String.join(" AND ", matches);
    }

    private String from() {
        return shape.quotedTable() + " AS " + ALIAS;
    }

    private static String ref(Column column) {
        return ALIAS + "." + column.quoted();
    }

    /** Canonical text of every key column, of every compared column, then of the timestamp. */
    private String rowColumns() {
        List<String> columns = new ArrayList<>();
        shape.keys().forEach(column -> columns.add(column.type().canonical(ref(column))));
        shape.compared().forEach(column -> columns.add(column.type().canonical(ref(column))));
        columns.add(shape.timestamp().type().canonical(ref(shape.timestamp())));
        return String.join(",\n       ", columns);
    }

    private String keyText() {
        return shape.keys().stream()
                .map(column -> "coalesce(" + column.type().canonical(ref(column)) + ", '')")
                .collect(Collectors.joining(" || E'\\x01' || "));
    }

    private String keyBytes() {
        return "convert_to(" + keyText() + ", 'UTF8')";
    }

    /** The key and the normalised compared values, each closed by \x1f; NULL is the mark \x1e. */
    private String rowText() {
        StringBuilder text = new StringBuilder(keyText()).append(" || E'\\x02'");
        for (Column column : shape.compared()) {
            text.append("\n       || coalesce(").append(normalised(column)).append(" || E'\\x1f', E'\\x1e')");
        }
        return text.toString();
    }

    private String normalised(Column column) {
        String value = column.type().canonical(ref(column));
        if (column.type().textLike()) {
            if (normalisation.trim()) {
                value = "btrim(" + value + ")";
            }
            if (normalisation.nullEqualsEmpty()) {
                value = "nullif(" + value + ", '')";
            }
            return value;
        }
        long tolerance = normalisation.toleranceMicros();
        if (column.type() == ColumnType.TIMESTAMP && tolerance > 0) {
            // equal within the tolerance is decided row by row; here values farther apart than
            // the tolerance always land in different buckets, so such a change is never hidden
            return "floor(extract(epoch FROM " + ref(column) + "::timestamptz)::numeric * 1000000 / " + tolerance + ")::text";
        }
        return value;
    }
}
