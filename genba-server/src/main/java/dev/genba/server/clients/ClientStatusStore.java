package dev.genba.server.clients;

import dev.genba.protocol.ClientStatusReport;
import dev.genba.protocol.Json;
import dev.genba.server.db.DatabaseErrors;
import dev.genba.server.http.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health reports: every sample in {@code client_status_history}, the newest in {@code client_status}.
 *
 * <p>A fleet reports all the time but never in a hurry, so reports are written in groups: one
 * thread gathers whatever has queued, and a group is stored in one statement (one round trip, one
 * commit). When reports arrive faster than {@link #BUSY_RATE} a second the gatherer waits
 * {@link #LINGER} after the first one for others to join; 10,000 agents then cost the server a few
 * commits a second instead of 167. Two threads write the groups, so one slow commit (a stalled
 * fsync) does not hold up the groups behind it. Rows of {@code client_status} are written in
 * {@code client_id} order, so two groups in flight cannot deadlock on them. A report is answered
 * only after the statement that stored it committed.
 */
public final class ClientStatusStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientStatusStore.class);
    static final int MAX_GROUP = 500;
    static final Duration LINGER = Duration.ofMillis(50);
    /** Reports a second above which the gatherer lingers; below it each report is written at once. */
    static final int BUSY_RATE = 20;
    private static final Duration COMMIT_WAIT = Duration.ofSeconds(30);

    private static final String WRITE = """
            with input as (
                select * from unnest(cast(:clients as text[]), cast(:sampled as timestamptz[]),
                                     cast(:received as timestamptz[]), cast(:cpu as real[]), cast(:memory as real[]),
                                     cast(:disk as real[]), cast(:temperature as real[]), cast(:uptime as bigint[]),
                                     cast(:reports as jsonb[]))
                       as t(client_id, sampled_at, received_at, cpu, memory, disk, temperature, uptime, report)
            ), history as (
                insert into client_status_history
                    (client_id, sampled_at, received_at, cpu_usage, memory_usage, disk_usage, temperature,
                     uptime_seconds, report)
                select client_id, sampled_at, received_at, cpu, memory, disk, temperature, uptime, report from input
                on conflict (client_id, sampled_at) do nothing
                returning client_id, sampled_at
            ), latest as (
                insert into client_status (client_id, sampled_at, received_at, report)
                select distinct on (client_id) client_id, sampled_at, received_at, report
                from input order by client_id, sampled_at desc
                on conflict (client_id) do update
                    set sampled_at = excluded.sampled_at, received_at = excluded.received_at, report = excluded.report
                    where excluded.sampled_at >= client_status.sampled_at
            )
            select client_id, sampled_at from history
            """;

    private record Pending(ClientStatusReport report, Instant sampledAt, Instant receivedAt, CompletableFuture<Boolean> done) {
        String key() {
            return report.clientId() + '\n' + sampledAt;
        }
    }

    private final Jdbi jdbi;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread gatherer;
    /** Two, so a commit that stalls (a slow fsync) holds up only its own group. */
    private final ExecutorService writers = Executors.newFixedThreadPool(2, new ThreadFactory() {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "status-writer-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        }
    });
    private volatile boolean closing;
    private long rateWindowStart = System.nanoTime();
    private int arrivalsInWindow;
    private volatile boolean busy;

    public ClientStatusStore(Jdbi jdbi) {
        this.jdbi = jdbi;
        this.gatherer = new Thread(this::gatherLoop, "status-gatherer");
        gatherer.setDaemon(true);
        gatherer.start();
    }

    /**
     * Records one sample and returns once it is committed: true if stored, false when a sample with
     * the same {@code sampled_at} was already recorded (an agent retrying a back-fill). A back-filled
     * sample never replaces a newer "latest" state.
     */
    public boolean record(ClientStatusReport report, Instant sampledAt, Instant receivedAt) {
        if (closing) {
            throw ApiException.unavailable("server is shutting down; retry shortly");
        }
        // PostgreSQL keeps microseconds: the key matched after the write must be the one stored.
        Pending pending = new Pending(report, sampledAt.truncatedTo(ChronoUnit.MICROS), receivedAt, new CompletableFuture<>());
        queue.add(pending);
        try {
            return pending.done().get(COMMIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ApiException.unavailable("the database did not confirm the report within "
                    + COMMIT_WAIT.toSeconds() + " s; send it again (a repeat is recognised)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("server is shutting down; retry shortly");
        }
    }

    private void gatherLoop() {
        while (true) {
            List<Pending> group = new ArrayList<>();
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                group.add(first);
                gather(group);
                writers.execute(() -> write(group));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException unexpected) {
                // The gatherer must never die: its callers would wait for an answer that never comes.
                log.error("status gatherer failed unexpectedly", unexpected);
                group.forEach(pending -> pending.done().completeExceptionally(unexpected));
            }
        }
    }

    /**
     * Adds what is queued; while the fleet is busy, sleeps out the linger time first (one wake-up
     * for the whole group, not one per report) unless the group is already full.
     */
    private void gather(List<Pending> group) throws InterruptedException {
        queue.drainTo(group, MAX_GROUP - group.size());
        countArrivals(group.size());
        if (!busy || closing || group.size() >= MAX_GROUP) {
            return;
        }
        Thread.sleep(LINGER.toMillis());
        int before = group.size();
        queue.drainTo(group, MAX_GROUP - group.size());
        countArrivals(group.size() - before);
    }

    private void countArrivals(int count) {
        arrivalsInWindow += count;
        long now = System.nanoTime();
        long elapsed = now - rateWindowStart;
        if (elapsed >= TimeUnit.SECONDS.toNanos(1)) {
            busy = arrivalsInWindow * 1e9 / elapsed >= BUSY_RATE;
            arrivalsInWindow = 0;
            rateWindowStart = now;
        }
    }

    private void write(List<Pending> group) {
        try {
            writeGroup(group);
        } catch (RuntimeException unexpected) {
            log.error("status writer failed unexpectedly", unexpected);
            group.forEach(pending -> pending.done().completeExceptionally(unexpected));
        }
    }

    private void writeGroup(List<Pending> group) {
        try {
            Set<String> stored = store(group);
            for (Pending pending : group) {
                // Of two identical samples in one group, the first is the one recorded.
                pending.done().complete(stored.remove(pending.key()));
            }
        } catch (RuntimeException groupFailure) {
            if (group.size() == 1 || DatabaseErrors.isUnavailable(groupFailure)) {
                group.forEach(pending -> pending.done().completeExceptionally(groupFailure));
                return;
            }
            // One report the database refuses must not fail the others that shared its statement.
            log.warn("a group of {} status reports failed to store ({}); storing them one at a time",
                    group.size(), groupFailure.getMessage());
            for (Pending pending : group) {
                try {
                    pending.done().complete(store(List.of(pending)).contains(pending.key()));
                } catch (RuntimeException alone) {
                    pending.done().completeExceptionally(alone);
                }
            }
        }
    }

    /** Writes the group in one statement; returns the keys of the samples newly stored. */
    private Set<String> store(List<Pending> group) {
        int size = group.size();
        String[] clients = new String[size];
        String[] sampled = new String[size];
        String[] received = new String[size];
        Double[] cpu = new Double[size];
        Double[] memory = new Double[size];
        Double[] disk = new Double[size];
        Double[] temperature = new Double[size];
        Long[] uptime = new Long[size];
        String[] reports = new String[size];
        for (int i = 0; i < size; i++) {
            Pending pending = group.get(i);
            ClientStatusReport report = pending.report();
            clients[i] = report.clientId();
            sampled[i] = pending.sampledAt().toString();
            received[i] = pending.receivedAt().toString();
            cpu[i] = report.cpuUsage();
            memory[i] = report.memoryUsage();
            disk[i] = report.diskUsage();
            temperature[i] = report.temperature();
            uptime[i] = report.uptimeSeconds();
            reports[i] = Json.write(report.toJson());
        }
        return jdbi.withHandle(handle -> new HashSet<>(handle.createQuery(WRITE)
                .bindArray("clients", String.class, (Object[]) clients)
                .bindArray("sampled", String.class, (Object[]) sampled)
                .bindArray("received", String.class, (Object[]) received)
                .bindArray("cpu", Double.class, (Object[]) cpu)
                .bindArray("memory", Double.class, (Object[]) memory)
                .bindArray("disk", Double.class, (Object[]) disk)
                .bindArray("temperature", Double.class, (Object[]) temperature)
                .bindArray("uptime", Long.class, (Object[]) uptime)
                .bindArray("reports", String.class, (Object[]) reports)
                .map((rs, ctx) -> rs.getString(1) + '\n' + rs.getObject(2, OffsetDateTime.class).toInstant())
                .list()));
    }

    /** Stores what is already queued, then stops the writers. */
    @Override
    public void close() {
        closing = true;
        try {
            gatherer.join(30_000);
            writers.shutdown();
            writers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
