package dev.genba.server.mirror.compare;

/**
 * The family of a column's SQL type, which decides its canonical text: the same value gives the
 * same text on any server, whatever its TimeZone, DateStyle or declared type within the family.
 */
enum ColumnType {
    TEXT, NUMBER, TIMESTAMP, DATE, OTHER;

    static ColumnType of(String informationSchemaDataType) {
        return switch (informationSchemaDataType) {
            case "text", "character varying", "character", "\"char\"", "name" -> TEXT;
            case "smallint", "integer", "bigint", "numeric", "real", "double precision" -> NUMBER;
            case "timestamp with time zone", "timestamp without time zone" -> TIMESTAMP;
            case "date" -> DATE;
            default -> OTHER;
        };
    }

    /** The canonical text of {@code column} (already quoted); NULL stays NULL. */
    String canonical(String column) {
        return switch (this) {
            case TEXT, OTHER -> column + "::text";
            // numeric's output never depends on settings; trailing fractional zeros are dropped
            // so that numeric(10,2) and integer columns agree
            case NUMBER -> "(CASE WHEN " + column + "::numeric::text LIKE '%.%' THEN rtrim(rtrim("
                    + column + "::numeric::text, '0'), '.') ELSE " + column + "::numeric::text END)";
            // a timestamp without time zone is read in the server's TimeZone, like now() wrote it
            case TIMESTAMP -> "to_char(" + column + "::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
            case DATE -> "to_char(" + column + ", 'YYYY-MM-DD')";
        };
    }

    boolean textLike() {
        return this == TEXT || this == OTHER;
    }
}
