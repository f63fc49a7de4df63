package dev.genba.agent.config;

import dev.genba.agent.logs.AgentLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the Genba server answered the last call, and the last problem if any; a change is
 * logged once, not once per retry, so an outage of a night is two log lines.
 */
public final class ServerContact {
    public record State(boolean reachable, Instant since, String problem) {
    }

    private static final AgentLog LOG = AgentLog.of(ServerContact.class);
    private static final String NOT_CONTACTED = "not contacted yet";

    private final Clock clock;
    private final AtomicReference<State> state;

    public ServerContact(Clock clock) {
        this.clock = clock;
        this.state = new AtomicReference<>(new State(false, clock.instant(), NOT_CONTACTED));
    }

    /** The server answered; {@code problem} is null when it also accepted the call. */
    public void answered(String problem) {
        update(true, problem);
    }

    public void unreachable(String problem) {
        update(false, problem);
    }

    private void update(boolean reachable, String problem) {
        State previous = state.get();
        if (previous.reachable() == reachable && Objects.equals(previous.problem(), problem)) {
            return;
        }
        state.set(new State(reachable, clock.instant(), problem));
        if (problem != null) {
            LOG.warn("server problem: " + problem);
        } else if (previous.problem() != null && !previous.problem().equals(NOT_CONTACTED)) {
            LOG.info("the server answers again");
        }
    }

    public State state() {
        return state.get();
    }
}
