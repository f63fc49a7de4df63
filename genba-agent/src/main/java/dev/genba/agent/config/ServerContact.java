package dev.genba.agent.config;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the Genba server answered the last call, and the last problem if any (shown by
 * {@code status} and logged once per change rather than once per retry).
 */
public final class ServerContact {
    public record State(boolean reachable, Instant since, String problem) {
    }

    private final Clock clock;
    private final AtomicReference<State> state;

    public ServerContact(Clock clock) {
        this.clock = clock;
        this.state = new AtomicReference<>(new State(false, clock.instant(), "not contacted yet"));
    }

    /** The server answered; {@code problem} is null when it also accepted the call. */
    public void answered(String problem) {
        update(true, problem);
    }

    public void unreachable(String problem) {
        update(false, problem);
    }

    private void update(boolean reachable, String problem) {
        state.updateAndGet(previous -> previous.reachable() == reachable && Objects.equals(previous.problem(), problem)
                ? previous : new State(reachable, clock.instant(), problem));
    }

    public State state() {
        return state.get();
    }
}
