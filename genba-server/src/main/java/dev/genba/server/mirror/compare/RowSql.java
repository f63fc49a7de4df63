package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL run on one database, built from its checked {@link TableShape}: only quoted catalog
 * names and fixed text go into it; every value is a bind parameter.
 *
 * <p>Ranges are ranges of a 64-bit hash of the key's canonical text, not of the key itself:
 * both databases put a key in the same range whatever their collation, a range is found by
 * arithmetic instead of a search, and ranges are evenly filled without sampling. A range's
 * checksum is {@code count(*)} plus the exact sum of a 64-bit hash of every row's normalised text
 * ({@code hashtextextended}, several times cheaper than md5); a changed row goes unnoticed only
 * if its hash changed by a multiple of 2^64, a chance of about 1 in 10^19.
 */
final class RowSql {
    private static final String ALIAS = "source";

    private final TableShape shape;
    private final Normalisation normalisation;

    RowSql(TableShape shape, Normalisation normalisation) {
        this.shape = shape;
        this.normalisation = normalisation;
    }

    /** The planner's row count (PostgreSQL 14+: -1 if never analysed; 0 or less also for a view). */
    String estimatedRows() {
        return "SELECT coalesce((SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:table)), -1)";
    }

    String count() {
        return "SELECT count(*) FROM " + from();
    }

    String quotedTable() {
        return shape.quotedTable();
    }

    /**
     * Row count and checksum of every range {@code :shift} bits into the key hash, among the
     * rows of the wanted parent ranges ({@code :parentShift}, {@code :parents}), or of all rows
     * when {@code :all}. A row's hash is that of its values seeded with its key's hash; OFFSET 0
     * keeps the key hash computed once per row instead of once per use.
     */
    String checksums() {
        return """
                SELECT genba_key_hash >> CAST(:shift AS int) AS bucket, count(*) AS row_count,
                       sum(hashtextextended(%s, genba_key_hash)) AS checksum
                  FROM (SELECT %s AS genba_key_hash, * FROM %s OFFSET 0) AS source
                 WHERE :all OR genba_key_hash >> CAST(:parentShift AS int) = ANY (CAST(:parents AS bigint[]))
                 GROUP BY 1
                """.formatted(valuesText(), keyHash(), from());
    }

    /** The rows of the wanted ranges, {@code :shift} bits into the key hash. */
    String rowsInRanges() {
        return "SELECT " + rowColumns() + " FROM " + from()
                + "\n WHERE " + keyHash() + " >> CAST(:shift AS int) = ANY (CAST(:buckets AS bigint[]))";
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

    /** Canonical text of every key column and of every compared column, then the timestamp in microseconds. */
    private String rowColumns() {
        List<String> columns = new ArrayList<>();
        shape.keys().forEach(column -> columns.add(column.type().canonical(ref(column))));
        shape.compared().forEach(column -> columns.add(column.type().canonical(ref(column))));
        columns.add("floor(extract(epoch FROM " + ref(shape.timestamp()) + "::timestamptz) * 1000000)::bigint");
        return String.join(",\n       ", columns);
    }

    private String keyText() {
        return shape.keys().stream()
                .map(column -> "coalesce(" + column.type().canonical(ref(column)) + ", '')")
                .collect(Collectors.joining(" || E'\\x01' || "));
    }

    private String keyHash() {
        return "hashtextextended(" + keyText() + ", 0)";
    }

    /** The normalised compared values, each closed by \x1f; NULL is the mark \x1e. */
    private String valuesText() {
        if (shape.compared().isEmpty()) {
            return "''";
        }
        return shape.compared().stream()
                .map(column -> "coalesce(" + normalised(column) + " || E'\\x1f', E'\\x1e')")
                .collect(Collectors.joining("\n       || "));
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
