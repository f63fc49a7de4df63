package dev.genba.server.mirror.compare;

import java.util.List;

/** One row as canonical text: key values, compared values and the timestamp, in configured order. */
record Row(List<String> key, List<String> values, String timestamp) {
}
