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

    private record Request(List<QueuedScan> scans, CompletableFuture<Void> committed) {
    }

    private final OutboxStore outbox;
    private final Supplier<List<Destination>> destinations;
    private final Runnable afterCommit;
    private final Clock clock;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(4096);
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
    public CompletableFuture<Void> submit(List<QueuedScan> scans) {
        Request request = new Request(scans, new CompletableFuture<>());
        if (!running || !queue.offer(request)) {
            request.committed().completeExceptionally(new DatabaseException(
                    "the agent is shutting down or overloaded", null));
        }
        return request.committed();
    }

    private void commitLoop() {
        List<Request> group = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Request first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                commit(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Request> group) {
        List<List<QueuedScan>> scans = group.stream().map(Request::scans).toList();
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
        for (int i = 0; i < group.size(); i++) {
            if (accepted.get(i)) {
                group.get(i).committed().complete(null);
            } else {
                OutboxFullException full = new OutboxFullException(outbox.pendingTotal(), outbox.maxRows());
                group.get(i).committed().completeExceptionally(full);
            }
        }
        afterCommit.run();
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
            LOG.error("could not write " + requests + " intake requests to the outbox: " + message);
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
