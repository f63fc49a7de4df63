package dev.genba.agent.outbox;

/** A validated scan ready for the outbox: its id and its JSON body exactly as it will be sent. */
public record QueuedScan(String scanId, String body) {
}
