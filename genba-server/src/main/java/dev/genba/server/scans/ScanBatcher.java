package dev.genba.server.scans;

import dev.genba.protocol.ScanRequest;
import dev.genba.protocol.ScanResult;
import dev.genba.server.db.DatabaseErrors;
import dev.genba.server.http.ApiException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for scans. Requests queue here; each writer thread takes everything waiting
 * (until {@link #MAX_ROWS_PER_TRANSACTION} is reached) and stores it in one transaction, so concurrent
 * single-scan requests share one commit (one WAL flush) instead of paying one each. Nothing
 * waits on purpose: while a commit is in flight the next requests gather, which is what sizes
 * the groups. A request is answered only after its transaction committed.
 */
public final class ScanBatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScanBatcher.class);
    static final int MAX_ROWS_PER_TRANSACTION = 2000;

    private record Pending(List<ScanRequest> scans, CompletableFuture<List<ScanResult>> done) {
    }

    private final Jdbi jdbi;
    private final ScanStore store = new ScanStore();
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedScans = new AtomicInteger();
    private final int maxQueuedScans;
    private final List<Thread> writers = new ArrayList<>();
    private final DistributionSummary groupSize;
    private volatile boolean closing;

    public ScanBatcher(Jdbi jdbi, int writerThreads, int maxQueuedScans, MeterRegistry registry) {
        this.jdbi = jdbi;
        this.maxQueuedScans = maxQueuedScans;
        this.groupSize = DistributionSummary.builder("genba.scans.commit.group.size")
                .description("scans stored per database transaction").register(registry);
        for (int i = 0; i < writerThreads; i++) {
            Thread writer = new Thread(this::writeLoop, "scan-writer-" + i);
            writer.setDaemon(true);
            writer.start();
            writers.add(writer);
        }
    }

    /** Queues scans to be stored together; 503 when the server is already too far behind. */
    public CompletableFuture<List<ScanResult>> submit(List<ScanRequest> scans) {
        if (closing) {
            throw ApiException.unavailable("server is shutting down; retry shortly");
        }
        if (queuedScans.addAndGet(scans.size()) > maxQueuedScans) {
            queuedScans.addAndGet(-scans.size());
            throw ApiException.unavailable("server is busy (" + maxQueuedScans + " scans waiting to be stored); retry shortly");
        }
        CompletableFuture<List<ScanResult>> done = new CompletableFuture<>();
        queue.add(new Pending(scans, done));
        return done;
    }

    private void writeLoop() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                group.add(first);
                int rows = first.scans().size();
                Pending next;
                // poll, never peek-then-poll: the other writer may take the peeked request first.
                while (rows < MAX_ROWS_PER_TRANSACTION && (next = queue.poll()) != null) {
                    group.add(next);
                    rows += next.scans().size();
                }
                commit(group, rows);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException unexpected) {
                // A writer must never die: its requests would wait for an answer that never comes.
                log.error("scan writer failed unexpectedly", unexpected);
                group.forEach(pending -> complete(pending, null, unexpected));
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Pending> group, int rows) {
        List<ScanRequest> all = new ArrayList<>(rows);
        group.forEach(pending -> all.addAll(pending.scans()));
        try {
            List<ScanResult> results = jdbi.withHandle(handle -> store.write(handle, all));
            groupSize.record(rows);
            int offset = 0;
            for (Pending pending : group) {
                int size = pending.scans().size();
                complete(pending, results.subList(offset, offset + size), null);
                offset += size;
            }
        } catch (RuntimeException groupFailure) {
            if (group.size() == 1) {
                settleAlone(group.get(0), groupFailure);
                return;
            }
            // Do not let one request's failure fail the others that shared its transaction.
            log.warn("a group of {} scan requests failed to commit ({}); storing them one request at a time",
                    group.size(), groupFailure.getMessage());
            for (Pending pending : group) {
                try {
                    complete(pending, jdbi.withHandle(handle -> store.write(handle, pending.scans())), null);
                } catch (RuntimeException alone) {
                    settleAlone(pending, alone);
                }
            }
        }
    }

    /**
     * A request whose own transaction failed. When PostgreSQL refused a value (a data exception, which
     * the request checks should have caught), its scans are stored one by one and only those the
     * database cannot hold are answered "rejected": a 503 for the whole request would have the device
     * send it again for ever, holding up every scan queued behind it. Any other failure fails the
     * request (503: the database is away).
     */
    private void settleAlone(Pending pending, RuntimeException failure) {
        if (!DatabaseErrors.isDataException(failure)) {
            complete(pending, null, failure);
            return;
        }
        List<ScanResult> results = new ArrayList<>(pending.scans().size());
        for (ScanRequest scan : pending.scans()) {
            try {
                results.addAll(jdbi.withHandle(handle -> store.write(handle, List.of(scan))));
            } catch (RuntimeException one) {
                if (!DatabaseErrors.isDataException(one)) {
                    complete(pending, null, one);
                    return;
                }
                String reason = DatabaseErrors.dataExceptionMessage(one);
                log.warn("scan {} from {} refused by the database: {}", scan.scanId(), scan.deviceId(), reason);
                results.add(ScanResult.rejected(scan.scanId(), "invalid_field", "payload",
                        "the database cannot store this scan's payload (" + reason + "); it was not stored"));
            }
        }
        complete(pending, results, null);
    }

    private void complete(Pending pending, List<ScanResult> results, RuntimeException failure) {
        if (pending.done().isDone()) {
            return;
        }
        queuedScans.addAndGet(-pending.scans().size());
        if (failure == null) {
            pending.done().complete(List.copyOf(results));
        } else {
            pending.done().completeExceptionally(failure);
        }
    }

    /** Stores what is already queued, then stops the writers. */
    @Override
    public void close() {
        closing = true;
        for (Thread writer : writers) {
            try {
                writer.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
