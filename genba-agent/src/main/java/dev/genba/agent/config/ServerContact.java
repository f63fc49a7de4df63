package dev.genba.agent.config;

import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.ServerClock;
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
    private static final long CLOCK_REPEAT_LOG_MS = 3_600_000;

    private final Clock clock;
    private final AtomicReference<State> state;
    /** While this Pi's clock is off: when that was last logged (monotonic ms); null while it agrees. */
    private Long clockWrongLoggedAtMs;

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

    /**
     * Compares this Pi's clock with the server's {@code Date} in {@code answer}: logs a warning (shipped
     * to the server, so the fleet page shows it) when they come apart, again every hour while they
     * stay apart, and once when they agree again.
     */
    public synchronized void compareClock(HttpAnswer answer) {
        Long aheadMs = answer.serverAheadMs();
        if (aheadMs == null) {
            return;
        }
        long nowMs = System.nanoTime() / 1_000_000;
        if (!ServerClock.agrees(aheadMs)) {
            if (clockWrongLoggedAtMs == null || nowMs - clockWrongLoggedAtMs >= CLOCK_REPEAT_LOG_MS) {
                clockWrongLoggedAtMs = nowMs;
                LOG.warn(ServerClock.describe(aheadMs) + ": scans stamped here get this wrong time as scanned_at,"
                        + " and a part they move may stay at its old place; set the clock (RUNBOOK 11.1 step 8)");
            }
        } else if (clockWrongLoggedAtMs != null) {
            clockWrongLoggedAtMs = null;
            LOG.info("this Pi's clock agrees with the server's again");
        }
    }

    public State state() {
        return state.get();
    }
}
