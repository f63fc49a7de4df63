package dev.genba.agent.outbox;

import java.time.Instant;

/**
 * A scan a destination refused for good, kept with the reason so an operator can act on it.
 * {@code tagId} is read from the stored body (null if the body has none).
 */
public record DeadLetter(Destination destination, String scanId, String tagId, Instant failedAt, Integer httpStatus,
                         String reason) {
}
