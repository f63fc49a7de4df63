package dev.genba.server.mirror.compare;

/**
 * A column as found in one database's catalog.
 *
 * @param quoted   the name as a quoted SQL identifier
 * @param castType the column's type as a quoted SQL type name, to turn canonical text back into it
 */
record Column(String name, String quoted, String castType, String dataType, ColumnType type) {

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
