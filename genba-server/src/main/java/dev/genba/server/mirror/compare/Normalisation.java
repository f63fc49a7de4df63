package dev.genba.server.mirror.compare;

import java.time.Duration;

/**
 * How two values are made comparable before they are compared; applied identically to both
 * databases (in SQL for checksums, in Java for rows).
 *
 * @param trim               text is compared without leading and trailing spaces (U+0020, as
 *                           PostgreSQL's {@code btrim} does)
 * @param nullEqualsEmpty    an empty text (after trimming) equals NULL
 * @param timestampTolerance timestamps this close count as equal ({@link Duration#ZERO}: exact
 *                           to the microsecond)
 */
public record Normalisation(boolean trim, boolean nullEqualsEmpty, Duration timestampTolerance) {

    public Normalisation {
        if (timestampTolerance == null) {
            timestampTolerance = Duration.ZERO;
        }
        if (timestampTolerance.isNegative()) {
            throw new IllegalArgumentException("timestamp tolerance must not be negative, got " + timestampTolerance);
        }
    }

    /** Values must be exactly equal. */
    public static Normalisation exact() {
        return new Normalisation(false, false, Duration.ZERO);
    }

    long toleranceMicros() {
        return timestampTolerance.toNanos() / 1000;
    }
}
