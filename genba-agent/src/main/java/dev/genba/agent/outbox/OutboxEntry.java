package dev.genba.agent.outbox;

import java.nio.charset.StandardCharsets;

/**
 * One pending delivery of one scan to one destination. The body is kept as the UTF-8 bytes
 * stored in the outbox, so a batch is spliced together from them without decoding and re-encoding.
 */
public record OutboxEntry(long id, String scanId, byte[] bodyUtf8, long enqueuedAtMs) {

    public String body() {
        return new String(bodyUtf8, StandardCharsets.UTF_8);
    }
}
