package dev.genba.agent.outbox;

import java.time.Instant;

/** What {@code status} and the status report show for one destination; instants are null when unknown. */
public record DestinationStats(Destination destination, long pending, Instant oldestPending, long deadLetters,
                               String endpoint, Instant lastSuccess, String lastError, Instant lastErrorAt) {
}
