package dev.genba.agent.config;

import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.ServerClock;
import dev.genba.agent.logs.AgentLog;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Whether the Genba server answered the last call, and what is wrong with each kind of call. A
 * change is logged once, not once per retry, so an outage of a night is a few log lines.
 *
 * <p>The problems are kept per {@link Call}: the config poll (every 30 s) and the status report
 * (every 60 s) fail with different messages (their URLs differ), and a server may refuse one and
 * take the other. Kept as one, each call replaced the other's problem and every call of a night's
 * outage was logged again, crowding the log buffer with one repeated warning.
 */
public final class ServerContact {
    public record State(boolean reachable, Instant since, String problem) {
    }

    /** The agent's calls to the Genba server that say whether it answers. */
    public enum Call { CONFIG, STATUS }

    private static final AgentLog LOG = AgentLog.of(ServerContact.class);
    private static final String NOT_CONTACTED = "not contacted yet";
    private static final long CLOCK_REPEAT_LOG_MS = 3_600_000;

    private final Clock clock;
    private final Map<Call, String> problems = new EnumMap<>(Call.class);
    private volatile State state;
    /** While this Pi's clock is off: when that was last logged (monotonic ms); null while it agrees. */
    private Long clockWrongLoggedAtMs;

    public ServerContact(Clock clock) {
        this.clock = clock;
        this.state = new State(false, clock.instant(), NOT_CONTACTED);
    }

    /** The server answered {@code call}; {@code problem} is null when it also accepted it. */
    public void answered(Call call, String problem) {
        update(call, true, problem);
    }

    public void unreachable(Call call, String problem) {
        update(call, false, problem);
    }

    private synchronized void update(Call call, boolean reachable, String problem) {
        String previous = problem == null ? problems.remove(call) : problems.put(call, problem);
        if (problem != null && !problem.equals(previous)) {
            LOG.warn("server problem: " + problem);
        } else if (problem == null && previous != null && problems.isEmpty()) {
            LOG.info("the server answers again");
        }
        String outstanding = problems.isEmpty() ? null : problems.values().iterator().next();
        if (state.reachable() != reachable || !Objects.equals(state.problem(), outstanding)) {
            state = new State(reachable, clock.instant(), outstanding);
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

    /** Reachable as of the last call; the problem of a call that still has one, null when none has. */
    public State state() {
        return state;
    }
}
