package dev.genba.server.mirror.compare;

import java.util.List;

/**
 * One row: key values and compared values as canonical text in configured order, and its
 * timestamp column in microseconds since 1970 (null if the column is NULL).
 */
record Row(List<String> key, List<String> values, Long changedMicros) {
}
