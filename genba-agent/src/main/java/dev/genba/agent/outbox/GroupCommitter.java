package dev.genba.agent.outbox;

import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.logs.AgentLog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Group commit for intake: requests that arrive while a commit is running are written together
 * in the next transaction, so many concurrent scans share one fsync. Each request's future
 * completes only after its transaction is committed.
 */
public final class GroupCommitter implements AutoCloseable {
    private static final AgentLog LOG = AgentLog.of(GroupCommitter.class);
    private static final int MAX_GROUP = 512;
    private static final long REPEAT_LOG_MS = 60_000;

    /** Scans handed to the commit thread: {@link #committed} completes once they are on disk. */
    public static final class Submission {
        private static final int WAITING = 0;
        private static final int TAKEN = 1;
        private static final int WITHDRAWN = 2;

        private final List<QueuedScan> scans;
        private final CompletableFuture<Void> committed = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(WAITING);

        private Submission(List<QueuedScan> scans) {
            this.scans = scans;
        }

        public CompletableFuture<Void> committed() {
            return committed;
        }

        /**
         * Takes the scans back if the commit thread has not begun writing them: true means they will
         * never be written; false means a commit holding them is under way and may yet succeed.
         */
        public boolean withdraw() {
            return state.compareAndSet(WAITING, WITHDRAWN);
        }

        private boolean take() {
            return state.compareAndSet(WAITING, TAKEN);
        }
    }

    private final OutboxStore outbox;
    private final Supplier<List<Destination>> destinations;
    private final Runnable afterCommit;
    private final Clock clock;
    private final BlockingQueue<Submission> queue = new ArrayBlockingQueue<>(4096);
    private final Thread thread;
    private volatile boolean running = true;
    /** While writes fail: the problem last logged, when, and the requests refused since the first failure. */
    private String problem;
    private long problemLoggedAtMs;
    private long refused;

    public GroupCommitter(OutboxStore outbox, Supplier<List<Destination>> destinations, Runnable afterCommit,
                          Clock clock) {
        this.outbox = outbox;
        this.destinations = destinations;
        this.afterCommit = afterCommit;
        this.clock = clock;
        this.thread = new Thread(this::commitLoop, "outbox-commit");
        this.thread.start();
    }

    /**
     * Completes when the scans are on disk; fails with {@link OutboxFullException} or {@link DatabaseException}
     * (whose message says why; the intake adds that the scan was not accepted).
     */
    public Submission submit(List<QueuedScan> scans) {
        Submission submission = new Submission(scans);
        if (!running || !queue.offer(submission)) {
            submission.withdraw();
            submission.committed().completeExceptionally(new DatabaseException(
                    "the agent is shutting down or overloaded", null));
        }
        return submission;
    }

    private void commitLoop() {
        List<Submission> group = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Submission first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                // an intake that stopped waiting has answered "not accepted": those scans must not be written
                group.removeIf(submission -> !submission.take());
                if (!group.isEmpty()) {
                    commitAnswering(group);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                group.clear();
            }
        }
    }

    /**
     * Commits the group; whatever goes wrong, every submission is answered and this thread lives on
     * (a dead commit thread would leave each later scan waiting 30 s for nothing).
     */
    private void commitAnswering(List<Submission> group) {
        try {
            commit(group);
        } catch (RuntimeException | Error e) {
            LOG.error("the outbox commit failed unexpectedly: " + e);
            DatabaseException unknown = DatabaseException.outcomeUnknown(
                    "the outbox could not confirm the write (" + e + ")", e);
            group.forEach(submission -> submission.committed().completeExceptionally(unknown));
        }
    }

    private void commit(List<Submission> group) {
        List<List<QueuedScan>> scans = group.stream().map(submission -> submission.scans).toList();
        List<Boolean> accepted;
        try {
            accepted = outbox.enqueueGroup(scans, destinations.get(), clock.instant());
        } catch (RuntimeException e) {
            refusedAll(group.size(), e);
            group.forEach(request -> request.committed().completeExceptionally(e));
            return;
        }
        if (problem != null) {
            LOG.info("the outbox takes scans again, after refusing " + refused + " intake requests");
            problem = null;
            refused = 0;
        }
        // the stored scans are answered first: nothing after this may turn one of them into a refusal
        List<Submission> left = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            if (accepted.get(i)) {
                group.get(i).committed().complete(null);
            } else {
                left.add(group.get(i));
            }
        }
        if (!left.isEmpty()) {
            OutboxFullException full = outboxFull();
            left.forEach(submission -> submission.committed().completeExceptionally(full));
        }
        afterCommit.run();
    }

    private OutboxFullException outboxFull() {
        long pending;
        try {
            pending = outbox.pendingTotal();
        } catch (RuntimeException e) {
            pending = outbox.maxRows(); // at least that many, or the request would have fitted
        }
        return new OutboxFullException(pending, outbox.maxRows());
    }

    /**
     * Logs a failed write: a new problem at once, the same one at most once a minute (a full disk
     * refuses every scan, and each scanner sends its scans again).
     */
    private void refusedAll(int requests, RuntimeException e) {
        refused += requests;
        long now = clock.millis();
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        if (!message.equals(problem)) {
            problem = message;
            problemLoggedAtMs = now;
            LOG.error((e instanceof DatabaseException failure && failure.mayHaveBeenWritten()
                    ? "could not confirm the write of " + requests + " intake requests (they may be in the outbox all"
                            + " the same; the apps were told to send them again with their scan_id): "
                    : "could not write " + requests + " intake requests to the outbox: ") + message);
        } else if (now - problemLoggedAtMs >= REPEAT_LOG_MS) {
            problemLoggedAtMs = now;
            LOG.error("still refusing scans, " + refused + " intake requests so far: " + message);
        }
    }

    /** Stops taking requests and commits the ones already queued before returning. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
