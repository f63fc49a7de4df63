package dev.genba.server.mirror.compare;

import java.math.BigDecimal;

/** A key range's row count and sum of row hashes in one database. */
record Checksum(long rows, BigDecimal sum) {
    static final Checksum EMPTY = new Checksum(0, BigDecimal.ZERO);
}
