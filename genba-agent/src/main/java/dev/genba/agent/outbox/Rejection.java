package dev.genba.agent.outbox;

/**
 * A destination refused a scan for good: the entry moves to the dead-letter table with the reason.
 * {@code scanId} is the entry's, so that a row that left the outbox meanwhile is not mistaken for another.
 */
public record Rejection(long entryId, String scanId, Integer httpStatus, String reason) {
}
