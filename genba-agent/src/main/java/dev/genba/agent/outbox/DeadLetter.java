package dev.genba.agent.outbox;

import java.time.Instant;

/** A scan a destination refused for good, kept with the reason so an operator can act on it. */
public record DeadLetter(String scanId, Instant failedAt, Integer httpStatus, String reason) {
}
