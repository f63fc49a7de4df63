package dev.genba.agent.delivery;

import dev.genba.agent.outbox.Rejection;
import java.util.List;

/**
 * What became of one batch: entries the destination took (stored or duplicate), entries it
 * refused for good, and — when the rest could not be delivered — why, so it is retried later.
 */
record DeliveryOutcome(List<Long> delivered, List<Rejection> rejected, String failure) {

    boolean failed() {
        return failure != null;
    }
}
