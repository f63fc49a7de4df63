package dev.genba.agent.outbox;

import dev.genba.agent.AgentException;

/** The outbox reached its configured cap; the scan was not accepted and must be sent again later. */
public class OutboxFullException extends AgentException {
    private static final long serialVersionUID = 1L;

    public OutboxFullException(long pending, long cap) {
        super("the outbox is full (" + pending + " deliveries waiting, outbox_max_rows is " + cap
                + "): this scan was NOT accepted, send it again later; check `genba-agent status` for why"
                + " the server is not taking scans");
    }
}
