package dev.genba.agent.delivery;

import dev.genba.agent.config.AgentSettings;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxEntry;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.Rejection;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Delivers one destination's outbox in FIFO order, forever: one batch in flight at a time, retried
 * with {@link RetryBackoff} while the destination fails, so a scan behind a failing one never overtakes it.
 */
final class DeliveryWorker implements Runnable {
    private static final AgentLog LOG = AgentLog.of(DeliveryWorker.class);
    static final String NO_ENDPOINT_REASON = "no endpoint is configured for this destination any more (mirror mode was"
            + " turned off before the scan reached it): `genba-agent dead-letters retry` sends it again once mirror mode"
            + " is on, `genba-agent dead-letters discard` removes it";
    static final int MAX_BATCH = 1000;
    /**
     * Scans per step for an endpoint that takes one POST per scan: they are settled after each
     * such batch, so a restart sends again at most this many scans it may already have.
     */
    static final int ONE_BY_ONE_BATCH = 20;
    static final long MAX_BATCH_BYTES = 3L * 1024 * 1024;
    /** Scans the `scan` command writes from another process are picked up within this time. */
    static final long IDLE_POLL_MS = 2_000;
    /** How often a destination without an endpoint looks for entries left waiting when none were. */
    static final long STRANDED_RECHECK_MS = 30_000;
    static final long ERROR_REFRESH_MS = 60_000;

    private final Destination destination;
    private final OutboxStore outbox;
    private final LiveSettings settings;
    private final ScanSender sender;
    private final LatencyTracker latency;
    private final BooleanSupplier primaryFailing;
    private final long maxBackoffMs;
    private final Clock clock;
    private final RetryBackoff backoff = new RetryBackoff();
    /** Backs off while the outbox cannot be written or read (disk full or failing); apart from the server's. */
    private final RetryBackoff outboxBackoff = new RetryBackoff();
    /** The outbox problem last logged in full, and when it was last logged. */
    private String outboxProblem;
    private long outboxProblemLoggedAtMs;
    private final Object signal = new Object();
    private boolean signalled;
    private boolean idle;
    /** The last step found nothing to send (as opposed to backing off, which may last as long). */
    private boolean nothingToSend;
    private boolean newScansWaiting;
    private Runnable afterPrimaryAttempt = () -> { };
    private volatile boolean running = true;
    private volatile boolean failing;
    private String lastError;
    /** The failure last logged, with the primary's state for the mirror: logged again only when it changes. */
    private String lastFailureLogged;
    /**
     * The outbox may hold an error for this destination that a success must clear: at start, one
     * left by an earlier run (restarted while the server was away), and after every failure.
     */
    private boolean errorMayBeRecorded = true;
    /** The settings under which the last step found no endpoint (mirror off), and the newest entry waiting then. */
    private AgentSettings strandedUnder;
    private long strandedUpToId = -1;
    private long strandedCheckedAtMs;
    private long errorRecordedAtMs;
    /**
     * The newest scan held as refused with nothing after it to tell whether only it is refused, and
     * the settings then: it is not sent again until a scan after it is waiting. -1 when none is.
     */
    private long undecidedThroughId = -1;
    private AgentSettings undecidedUnder;

    /**
     * @param primaryFailing for the mirror: true while the primary fails, so the mirror does not
     *                       wait for primary attempts that are not happening (seed §2.2)
     */
    DeliveryWorker(Destination destination, OutboxStore outbox, LiveSettings settings, ScanSender sender,
                          LatencyTracker latency, BooleanSupplier primaryFailing, long maxBackoffMs, Clock clock) {
        this.destination = destination;
        this.outbox = outbox;
        this.settings = settings;
        this.sender = sender;
        this.latency = latency;
        this.primaryFailing = primaryFailing;
        this.maxBackoffMs = maxBackoffMs;
        this.clock = clock;
    }

    boolean failing() {
        return failing;
    }

    LatencyTracker latency() {
        return latency;
    }

    /** Called after this (primary) worker marked scans attempted: the mirror may go on. */
    void afterPrimaryAttempt(Runnable action) {
        this.afterPrimaryAttempt = action;
    }

    /** The configuration changed: look again now, even in the middle of a backoff. */
    void wake() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    /**
     * New scans are waiting: look now if idle. A worker backing off keeps waiting, so a busy
     * scanner does not turn the retry schedule into a retry per scan against a server that is away.
     */
    void newScans() {
        synchronized (signal) {
            newScansWaiting = true;
            if (idle) {
                signal.notifyAll();
            }
        }
    }

    void stop() {
        running = false;
        wake();
    }

    @Override
    public void run() {
        while (running) {
            try {
                long waitMs = deliverOnce();
                outboxBackoff.reset();
                if (nothingToSend) {
                    pause(waitMs, true);
                } else if (waitMs > 0) {
                    pause(waitMs, false);
                }
            } catch (RuntimeException e) {
                // the database is unusable for a moment (disk full, locked too long): retry later, never exit
                outboxFails(e);
                pause(outboxBackoff.nextDelayMs(1, 1_000, maxBackoffMs), false);
            } catch (Error e) {
                // Out of memory in the middle of a step, say: the intake goes on acknowledging scans,
                // so this thread must go on delivering them. What was sent is settled or sent again.
                LOG.error(destination.key() + " delivery: " + e, e);
                pause(outboxBackoff.nextDelayMs(1, 1_000, maxBackoffMs), false);
            }
        }
    }

    /**
     * One step: delivers batch after batch while the outbox has some and the destination takes
     * them; returns how long to wait before the next step (0 = go on at once).
     *
     * <p>One request is in flight at a time, so a batch never overtakes the one before it. While
     * the server works on it, the previous batch is settled and the next one read, so the server
     * is not kept waiting for the outbox. An entry is deleted only after the server's answer
     * names it stored or duplicate.
     */
    long deliverOnce() {
        synchronized (signal) {
            newScansWaiting = false;
        }
        nothingToSend = true;
        AgentSettings current = settings.current();
        String endpoint = destination.endpoint(current);
        if (endpoint == null) {
            handOverStranded(current);
            return IDLE_POLL_MS;
        }
        strandedUnder = null;
        latency.endpoint(endpoint);
        List<OutboxEntry> batch = outbox.nextBatch(destination, batchLimit(endpoint), MAX_BATCH_BYTES, waitForPrimary());
        if (batch.isEmpty()
                || undecidedUnder == current && batch.get(batch.size() - 1).id() <= undecidedThroughId) {
            return IDLE_POLL_MS;
        }
        undecidedThroughId = -1;
        undecidedUnder = null;
        nothingToSend = false;
        DeliveryOutcome settling = null;
        while (true) {
            ScanSender.InFlight inFlight = sender.send(endpoint, batch, current.timeoutMs(), latency, this::attempting);
            settle(endpoint, settling);
            // Read while `batch` is still in the outbox: rows written meanwhile get higher ids.
            List<OutboxEntry> next = running && settings.current() == current
                    ? outbox.nextBatch(destination, batch.get(batch.size() - 1).id(), batchLimit(endpoint),
                            MAX_BATCH_BYTES, waitForPrimary())
                    : List.of();
            DeliveryOutcome outcome = inFlight.outcome();
            if (outcome.failed()) {
                settle(endpoint, outcome);
                if (!outcome.delivered().isEmpty()) {
                    // it took scans before this failure: a first failure, tried again soon, not a
                    // streak that would slow a server busy now and then to one attempt per backoff cap
                    backoff.reset();
                }
                noteFailure(endpoint, outcome.failure());
                return backoff.nextDelayMs(current.maxAttempts(), current.backoffMs(), maxBackoffMs);
            }
            if (!outcome.undecided().isEmpty()) {
                settle(endpoint, outcome);
                noteUndecided(endpoint, outcome);
                if (next.isEmpty()) {
                    // nothing after them yet: wait for the next scan (new scans end the wait)
                    undecidedThroughId = outcome.undecided().get(outcome.undecided().size() - 1);
                    undecidedUnder = current;
                    nothingToSend = true;
                    return IDLE_POLL_MS;
                }
                return 0; // again from the first of them, now with the scans after them
            }
            noteSuccess(endpoint);
            if (next.isEmpty()) {
                settle(endpoint, outcome);
                return 0;
            }
            if (sender.oneByOne(endpoint)) {
                // its scans were answered before send() returned: nothing to overlap with
                settle(endpoint, outcome);
                settling = null;
            } else {
                settling = outcome;
            }
            batch = next;
        }
    }

    /**
     * For the mirror: whether to stop at the first scan the primary has not tried. Asked at each
     * read, so a mirror that went ahead while the primary failed waits again once it works.
     */
    private boolean waitForPrimary() {
        return destination == Destination.MIRROR && !primaryFailing.getAsBoolean();
    }

    private int batchLimit(String endpoint) {
        return sender.oneByOne(endpoint) ? ONE_BY_ONE_BATCH : MAX_BATCH;
    }

    /** Just before scans go to the primary: counted as attempted, and the mirror may take them now. */
    private void attempting(List<OutboxEntry> entries) {
        if (destination == Destination.PRIMARY) {
            markAttempted(entries);
            afterPrimaryAttempt.run();
        }
    }

    /**
     * Scans still waiting for a destination that has no endpoint any more go to the dead letters,
     * where `status` shows them and an operator retries or discards them; left in the outbox they
     * would wait forever. Only when the server's configuration turned mirror mode off (not the
     * file's settings before the first answer, nor mirror mode on with its endpoint missing for a
     * moment), and only entries already waiting one step earlier under the same settings, so a
     * scan queued while mirror mode is being switched on (here or by `genba-agent scan`) stays.
     */
    private void handOverStranded(AgentSettings current) {
        if (current.mirrorMode() || settings.serverConfig().isEmpty()) {
            strandedUnder = null;
            return;
        }
        latency.endpoint(null);
        if (errorMayBeRecorded) {
            outbox.clearError(destination, null);
            errorMayBeRecorded = false;
        }
        boolean unchanged = current.equals(strandedUnder);
        if (unchanged && strandedUpToId < 0 && monotonicMs() - strandedCheckedAtMs < STRANDED_RECHECK_MS) {
            // nothing was waiting: the intake queues no copies for a destination without an endpoint,
            // so only `genba-agent scan` or `dead-letters retry` can add some; no need to look at every wake-up
            return;
        }
        if (unchanged && strandedUpToId >= 0) {
            int moved = outbox.deadLetterPending(destination, strandedUpToId, NO_ENDPOINT_REASON, clock.instant(),
                    () -> current.equals(settings.current()));
            if (moved > 0) {
                LOG.warn(moved + " scans waiting for the " + destination.key() + " were moved to the dead letters:"
                        + " mirror mode is off and no " + destination.key() + " endpoint is configured any more"
                        + " (see `genba-agent dead-letters`)");
            }
        }
        strandedUnder = current;
        strandedUpToId = outbox.newestPendingId(destination);
        strandedCheckedAtMs = monotonicMs();
    }

    /**
     * Counts the attempt, for the mirror's "primary first" (seed §2.1). When the disk is full or
     * failing, the batch is still sent: the scans reach the server while the disk cannot take
     * writes, and stay in the outbox until it can (sent again then, answered "duplicate").
     */
    private void markAttempted(List<OutboxEntry> batch) {
        try {
            outbox.markAttempted(batch);
        } catch (DatabaseException e) {
            outboxFails(e);
        }
    }

    /** Logs an outbox problem in full when it is new, then at most once a minute while it lasts. */
    private void outboxFails(RuntimeException e) {
        long now = monotonicMs();
        if (!Objects.equals(e.getMessage(), outboxProblem)) {
            outboxProblem = e.getMessage();
            outboxProblemLoggedAtMs = now;
            if (e instanceof DatabaseException known && known.diskProblem()) {
                LOG.error(destination.key() + " delivery: " + e.getMessage()); // the message says it all
            } else {
                LOG.error(destination.key() + " delivery: " + e.getMessage(), e);
            }
        } else if (now - outboxProblemLoggedAtMs >= ERROR_REFRESH_MS) {
            outboxProblemLoggedAtMs = now;
            LOG.error(destination.key() + " delivery: still " + e.getMessage());
        }
    }

    /**
     * After delivered scans were removed from the outbox. (Not after any write: on a nearly full
     * disk a small write may fit between failing ones, and each would be logged as a recovery.)
     */
    private void outboxWorks() {
        if (outboxProblem != null) {
            LOG.info(destination.key() + " delivery: the outbox can be written again");
            outboxProblem = null;
        }
    }

    private void settle(String endpoint, DeliveryOutcome outcome) {
        if (outcome == null) {
            return;
        }
        outbox.settle(destination, endpoint, outcome.delivered(), outcome.rejected(), clock.instant());
        if (!outcome.delivered().isEmpty() || !outcome.rejected().isEmpty()) {
            outboxWorks();
        }
        for (Rejection rejection : outcome.rejected()) {
            LOG.warn(destination.key() + " refused a scan for good; it is kept in the dead letters"
                    + " (see `genba-agent status`): " + rejection.reason());
        }
    }

    private void noteFailure(String endpoint, String error) {
        failing = true;
        boolean changed = !Objects.equals(error, lastError);
        if (changed) {
            lastError = error;
        }
        String warning = failureWarning(error);
        if (!warning.equals(lastFailureLogged)) {
            lastFailureLogged = warning;
            LOG.warn(warning);
        }
        // `status` shows when it last failed: the same error is written again at most once a minute
        long now = monotonicMs();
        if (changed || now - errorRecordedAtMs >= ERROR_REFRESH_MS) {
            outbox.recordError(destination, endpoint, error, clock.instant());
            errorRecordedAtMs = now;
            errorMayBeRecorded = true;
        }
    }

    /**
     * Seed §2.2: in mirror mode the case "primary OK / mirror failed" is logged as such, so the
     * journal and the fleet's log search tell it from both servers being away.
     */
    private String failureWarning(String error) {
        String primaryOk = destination == Destination.MIRROR && !primaryFailing.getAsBoolean()
                ? " (primary OK / mirror failed)" : "";
        return destination.key() + " delivery failed" + primaryOk + ", scans stay in the outbox and are retried: " + error;
    }

    /**
     * Scans refused as if the endpoint were misconfigured, with no later scan accepted yet: not a
     * failure (no backoff, and the mirror still waits for the primary), but `status` says why they wait.
     */
    private void noteUndecided(String endpoint, DeliveryOutcome outcome) {
        if (failing || !outcome.delivered().isEmpty()) {
            // it answered: no longer failing (else the mirror stops waiting for it), backoff starts over
            noteSuccess(endpoint);
        }
        String reason = outcome.undecided().size() + " scan(s) refused, kept until a later scan shows whether the"
                + " endpoint refuses only them: " + outcome.undecidedReason();
        if (!reason.equals(lastError)) {
            lastError = reason;
            LOG.info(destination.key() + " delivery: " + reason);
            outbox.recordError(destination, endpoint, reason, clock.instant());
            errorRecordedAtMs = monotonicMs();
            errorMayBeRecorded = true;
        }
    }

    private void noteSuccess(String endpoint) {
        if (failing) {
            LOG.info(destination.key() + " delivery works again after " + backoff.failures() + " failed attempts");
        }
        failing = false;
        lastError = null;
        lastFailureLogged = null;
        backoff.reset();
        if (errorMayBeRecorded) {
            outbox.clearError(destination, endpoint);
            errorMayBeRecorded = false;
        }
    }

    /** Waits, but returns early when woken (new configuration, stop, and new scans when idle). */
    private void pause(long millis, boolean idleWait) {
        synchronized (signal) {
            idle = idleWait;
            long deadline = monotonicMs() + millis;
            long remaining = millis;
            while (!signalled && !(idleWait && newScansWaiting) && running && remaining > 0) {
                try {
                    signal.wait(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                    return;
                }
                remaining = deadline - monotonicMs();
            }
            signalled = false;
            idle = false;
        }
    }

    /**
     * For waits and intervals: unlike the wall clock, it does not jump when NTP sets the clock of a
     * Pi that started with the wrong time (a wait computed from the wall clock would last as long as
     * the jump back: days, with the server waiting for the scans).
     */
    private static long monotonicMs() {
        return System.nanoTime() / 1_000_000;
    }
}
