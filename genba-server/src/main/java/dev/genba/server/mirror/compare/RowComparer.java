package dev.genba.server.mirror.compare;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Compares rows of the two databases column by column, with the normalisation applied to both. */
final class RowComparer {
    private final TableShape primary;
    private final TableShape mirror;
    private final Normalisation normalisation;

    RowComparer(TableShape primary, TableShape mirror, Normalisation normalisation) {
        this.primary = primary;
        this.mirror = mirror;
        this.normalisation = normalisation;
    }

    /** The difference between two versions of one key (either may be null: missing), or null if they agree. */
    Difference compare(Row primaryRow, Row mirrorRow) {
        if (primaryRow == null && mirrorRow == null) {
            return null;
        }
        if (mirrorRow == null) {
            return difference(primaryRow.key(), Difference.Kind.MISSING_IN_MIRROR, primaryRow, null, allColumns());
        }
        if (primaryRow == null) {
            return difference(mirrorRow.key(), Difference.Kind.MISSING_IN_PRIMARY, null, mirrorRow, allColumns());
        }
        List<String> differing = new ArrayList<>();
        for (int i = 0; i < primary.compared().size(); i++) {
            if (!same(i, primaryRow.values().get(i), mirrorRow.values().get(i))) {
                differing.add(primary.compared().get(i).name());
            }
        }
        return differing.isEmpty() ? null
                : difference(primaryRow.key(), Difference.Kind.VALUE_MISMATCH, primaryRow, mirrorRow, differing);
    }

    private boolean same(int column, String primaryValue, String mirrorValue) {
        ColumnType primaryType = primary.compared().get(column).type();
        ColumnType mirrorType = mirror.compared().get(column).type();
        ColumnType type = primaryType == mirrorType ? primaryType : ColumnType.OTHER;
        if (type.textLike()) {
            return Objects.equals(text(primaryValue), text(mirrorValue));
        }
        if (primaryValue == null || mirrorValue == null) {
            return primaryValue == null && mirrorValue == null;
        }
        return switch (type) {
            case NUMBER -> sameNumber(primaryValue, mirrorValue);
            case TIMESTAMP -> sameInstant(primaryValue, mirrorValue);
            default -> primaryValue.equals(mirrorValue);
        };
    }

    private String text(String value) {
        String result = value;
        if (result != null && normalisation.trim()) {
            result = trimSpaces(result);
        }
        if (result != null && normalisation.nullEqualsEmpty() && result.isEmpty()) {
            result = null;
        }
        return result;
    }

    /** Strips U+0020 only, exactly like PostgreSQL's btrim(text). */
    private static String trimSpaces(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && value.charAt(start) == ' ') {
            start++;
        }
        while (end > start && value.charAt(end - 1) == ' ') {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean sameNumber(String left, String right) {
        try {
            return new BigDecimal(left).compareTo(new BigDecimal(right)) == 0;
        } catch (NumberFormatException e) {
            return left.equals(right);  // NaN, Infinity
        }
    }

    private boolean sameInstant(String left, String right) {
        try {
            return Math.abs(micros(left) - micros(right)) <= normalisation.toleranceMicros();
        } catch (DateTimeParseException e) {
            return left.equals(right);  // infinity
        }
    }

    static long micros(String canonicalTimestamp) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(canonicalTimestamp));
    }

    private List<String> allColumns() {
        return primary.compared().stream().map(Column::name).toList();
    }

    private Difference difference(List<String> key, Difference.Kind kind, Row primaryRow, Row mirrorRow, List<String> columns) {
        return new Difference(named(primary.keys(), key), kind, values(primaryRow), values(mirrorRow), columns);
    }

    private Map<String, Object> values(Row row) {
        return row == null ? Map.of() : named(primary.compared(), row.values());
    }

    private static Map<String, Object> named(List<Column> columns, List<String> values) {
        Map<String, Object> named = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            named.put(columns.get(i).name(), values.get(i));
        }
        return Collections.unmodifiableMap(named);
    }
}
