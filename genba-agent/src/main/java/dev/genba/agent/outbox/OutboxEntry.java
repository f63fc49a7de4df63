package dev.genba.agent.outbox;

/** One pending delivery of one scan to one destination. */
public record OutboxEntry(long id, String scanId, String body, long enqueuedAtMs) {
}
