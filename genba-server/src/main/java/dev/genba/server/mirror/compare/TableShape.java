package dev.genba.server.mirror.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The configured table as it really is in one database: every name checked against
 * {@code information_schema} and quoted, every column's type known.
 */
record TableShape(String side, String quotedTable, List<Column> keys, List<Column> compared, Column timestamp) {

    private static final String FIND_TABLE = """
            SELECT table_schema
              FROM information_schema.tables
             WHERE table_name = :table
               AND (CAST(:schema AS text) IS NULL AND table_schema = ANY (current_schemas(false))
                    OR table_schema = :schema)
             ORDER BY array_position(current_schemas(false), table_schema::name) NULLS LAST
             LIMIT 1
            """;

    private static final String COLUMNS = """
            SELECT column_name, data_type, udt_schema, udt_name
              FROM information_schema.columns
             WHERE table_schema = :schema AND table_name = :table
            """;

    /** Checks {@code spec} against the database behind {@code jdbi}; {@code side} names it in messages. */
    static TableShape resolve(Jdbi jdbi, TableSpec spec, String side) {
        try (Handle handle = jdbi.open()) {
            int version = Integer.parseInt(handle.createQuery("SHOW server_version_num").mapTo(String.class).one());
            if (version < 110000) {
                throw new CompareException(side + " database: PostgreSQL 11 or newer is needed (hashtextextended), found version " + version);
            }
            Optional<String> schema = handle.createQuery(FIND_TABLE)
                    .bind("table", spec.tableName())
                    .bind("schema", spec.schemaName())
                    .mapTo(String.class)
                    .findOne();
            if (schema.isEmpty()) {
                throw new CompareException(side + " database: table " + spec.table() + " does not exist");
            }
            Map<String, Column> columns = handle.createQuery(COLUMNS)
                    .bind("schema", schema.get())
                    .bind("table", spec.tableName())
                    .map((rs, ctx) -> new Column(rs.getString("column_name"), Column.quote(rs.getString("column_name")),
                            Column.quote(rs.getString("udt_schema")) + "." + Column.quote(rs.getString("udt_name")),
                            rs.getString("data_type"), ColumnType.of(rs.getString("data_type"))))
                    .stream()
                    .collect(Collectors.toMap(Column::name, Function.identity()));
            List<String> missing = new ArrayList<>();
            List<Column> keys = pick(spec.keyColumns(), columns, missing);
            List<Column> compared = pick(spec.compareColumns(), columns, missing);
            List<Column> timestamp = pick(List.of(spec.timestampColumn()), columns, missing);
            if (!missing.isEmpty()) {
                throw new CompareException(side + " database: table " + spec.table() + " has no column "
                        + String.join(", ", missing));
            }
            if (timestamp.get(0).type() != ColumnType.TIMESTAMP) {
                throw new CompareException(side + " database: column " + spec.timestampColumn() + " of " + spec.table()
                        + " is " + timestamp.get(0).dataType() + ", not a timestamp");
            }
            String quotedTable = Column.quote(schema.get()) + "." + Column.quote(spec.tableName());
            return new TableShape(side, quotedTable, keys, compared, timestamp.get(0));
        } catch (CompareException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Failures.describe(side, "cannot read the table definition", e);
        }
    }

    private static List<Column> pick(List<String> names, Map<String, Column> columns, List<String> missing) {
        List<Column> picked = new ArrayList<>();
        for (String name : names) {
            Column column = columns.get(name);
            if (column == null) {
                missing.add(name);
            } else {
                picked.add(column);
            }
        }
        return picked;
    }

    /**
     * Key columns must be of the same type family on both sides: the engine orders and matches
     * keys by their canonical text.
     */
    static void checkKeysAgree(TableShape primary, TableShape mirror) {
        for (int i = 0; i < primary.keys().size(); i++) {
            Column left = primary.keys().get(i);
            Column right = mirror.keys().get(i);
            if (left.type() != right.type()) {
                throw new CompareException("key column " + left.name() + " is " + left.dataType() + " in the primary database but "
                        + right.dataType() + " in the mirror database; key columns must have the same kind of type on both sides");
            }
        }
    }
}
