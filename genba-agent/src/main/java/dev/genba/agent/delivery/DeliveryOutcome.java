package dev.genba.agent.delivery;

import dev.genba.agent.outbox.OutboxEntry;
import dev.genba.agent.outbox.Rejection;
import java.util.List;

/**
 * What became of one batch: entries the destination took (stored or duplicate), entries it
 * refused for good, and — when the rest could not be delivered — why, so it is retried later.
 * {@code undecided} are entries refused as if the endpoint were misconfigured (401, 403, 404, 405)
 * with no later scan accepted yet to show that only they are refused: they stay in the outbox.
 */
record DeliveryOutcome(List<OutboxEntry> delivered, List<Rejection> rejected, String failure, List<Long> undecided,
                       String undecidedReason) {

    DeliveryOutcome(List<OutboxEntry> delivered, List<Rejection> rejected, String failure) {
        this(delivered, rejected, failure, List.of(), null);
    }

    boolean failed() {
        return failure != null;
    }
}
