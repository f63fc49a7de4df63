package dev.genba.agent.outbox;

/** A destination refused a scan for good: the entry moves to the dead-letter table with the reason. */
public record Rejection(long entryId, Integer httpStatus, String reason) {
}
