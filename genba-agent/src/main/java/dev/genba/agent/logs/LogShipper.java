package dev.genba.agent.logs;

import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * Ships log lines to {@code POST /api/clients/logs} in batches of up to 1000 lines and
 * {@link BatchSize#MAX_BYTES}: first the lines other commands left in the {@link LogInbox}, then the
 * {@link LogBuffer}. Lines the server refuses for good are counted as dropped. Once the server has
 * taken (or refused) the journal lines of a batch, their cursor is saved. Its own failures go to
 * stderr only: logging them through the buffer would feed the buffer with lines about failing to
 * empty it.
 */
public final class LogShipper {
    private static final AgentLog LOG = AgentLog.of(LogShipper.class);
    /**
     * How long a stopping agent tries to ship what is left: short, as systemd allows the whole
     * stop 30 s and the scans' own stop comes first.
     */
    public static final Duration STOP_BUDGET = Duration.ofSeconds(2);
    private enum Sent { TAKEN, REFUSED, PAUSED }

    /** How many leading lines of a batch are done with, and how many of those the server refused. */
    private record Delivered(int handled, int refused) {
    }

    private final LogBuffer buffer;
    private final LogInbox inbox;
    private final JournalCursor journalCursor;
    private final AgentHttp http;
    private final String url;
    private final String clientId;
    private final IntSupplier timeoutMs;
    // The periodic flush and the one of a stopping agent must not send the same lines twice.
    private final ReentrantLock flushing = new ReentrantLock();
    private String lastProblem;
    private int refusedThisFlush;
    private String lastRefusal;

    public LogShipper(LogBuffer buffer, LogInbox inbox, JournalCursor journalCursor, AgentHttp http, String serverUrl,
                      String clientId, IntSupplier timeoutMs) {
        this.buffer = buffer;
        this.inbox = inbox;
        this.journalCursor = journalCursor;
        this.http = http;
        this.url = serverUrl + "/api/clients/logs";
        this.clientId = clientId;
        this.timeoutMs = timeoutMs;
    }

    /** Sends what is waiting, until both are empty or the server does not take a batch. */
    public void flush() {
        flushing.lock();
        try {
            flush(timeoutMs);
        } finally {
            flushing.unlock();
        }
    }

    /**
     * As {@link #flush()}, for a stopping agent: gives up once {@code budget} has passed (a request
     * under way may take up to twice its timeout: to connect, then to be answered), and does
     * nothing when a flush already running does not end within it.
     */
    public void flushWithin(Duration budget) throws InterruptedException {
        long deadline = System.nanoTime() + budget.toNanos();
        if (!flushing.tryLock(budget.toNanos(), TimeUnit.NANOSECONDS)) {
            return;
        }
        try {
            flush(() -> (int) Math.min(timeoutMs.getAsInt(),
                    TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } finally {
            flushing.unlock();
        }
    }

    private void flush(IntSupplier requestTimeoutMs) {
        refusedThisFlush = 0;
        try {
            if (flushInbox(requestTimeoutMs)) {
                flushBuffer(requestTimeoutMs);
            }
        } finally {
            if (refusedThisFlush > 0) {
                // Printed, not shipped: the next batch would carry it, and if the server refuses
                // every batch, each refusal would add a line to refuse.
                LOG.warnUnshipped("dropped " + (refusedThisFlush == 1 ? "1 log line" : refusedThisFlush + " log lines")
                        + " the server refused for good (last: " + lastRefusal + "); counted in logs_dropped");
            }
        }
    }

    /** False when the server did not take a batch: shipping pauses until the next flush. */
    private boolean flushInbox(IntSupplier requestTimeoutMs) {
        for (List<LogInbox.Stored> stored = inbox.oldest(LogBatch.MAX_LINES, BatchSize.MAX_BYTES); !stored.isEmpty();
             stored = inbox.oldest(LogBatch.MAX_LINES, BatchSize.MAX_BYTES)) {
            List<LogBatch.Entry> entries = stored.stream().map(LogInbox.Stored::entry).toList();
            int batch = BatchSize.fitting(clientId, entries);
            Delivered delivered = deliver(entries.subList(0, batch), requestTimeoutMs);
            if (delivered.handled() > 0) {
                try {
                    inbox.removeThrough(stored.get(delivered.handled() - 1).id());
                } catch (DatabaseException e) {
                    // A full disk: these lines go again at a later flush (the server stores each line once),
                    // and the lines in memory, this agent's own report of the full disk among them, go now.
                    // Their refusals are counted at the flush that removes them, once.
                    refusedThisFlush -= delivered.refused();
                    return true;
                }
                buffer.countRefused(delivered.refused());
            }
            if (delivered.handled() < batch) {
                return false;
            }
        }
        return true;
    }

    /**
     * Ships the lines waiting when the flush began, not those added meanwhile: the periodic jobs
     * share one thread, and a unit logging faster than a batch takes would otherwise keep the flush
     * going, and the status reports and config polls waiting, for as long as it logs.
     */
    private void flushBuffer(IntSupplier requestTimeoutMs) {
        long end = buffer.mark();
        for (LogBuffer.Taken taken = buffer.take(LogBatch.MAX_LINES, end); !taken.entries().isEmpty();
             taken = buffer.take(LogBatch.MAX_LINES, end)) {
            List<LogBatch.Entry> entries = taken.entries();
            int batch = BatchSize.fitting(clientId, entries);
            Delivered delivered = deliver(entries.subList(0, batch), requestTimeoutMs);
            buffer.settle(taken, delivered.handled(), delivered.refused());
            String cursor = taken.journalCursorOfFirst(delivered.handled());
            if (cursor != null) {
                try {
                    journalCursor.save(cursor);
                } catch (DatabaseException e) {
                    // A full disk: the next batch saves a later cursor; a restart before then ships some
                    // lines again, which the server stores once.
                }
            }
            if (delivered.handled() < batch) {
                return;
            }
        }
    }

    /**
     * Sends {@code entries}; a batch the server refuses for good is sent again in halves until the
     * refused lines are found, so one bad line does not take the others with it. The server stores
     * nothing of a batch it refuses, so no line is stored twice.
     */
    private Delivered deliver(List<LogBatch.Entry> entries, IntSupplier requestTimeoutMs) {
        Sent sent = send(entries, requestTimeoutMs.getAsInt());
        if (sent == Sent.TAKEN) {
            return new Delivered(entries.size(), 0);
        }
        if (sent == Sent.PAUSED) {
            return new Delivered(0, 0);
        }
        if (entries.size() == 1) {
            refusedThisFlush++;
            return new Delivered(1, 1);
        }
        int half = entries.size() / 2;
        Delivered first = deliver(entries.subList(0, half), requestTimeoutMs);
        if (first.handled() < half) {
            return first;
        }
        Delivered second = deliver(entries.subList(half, entries.size()), requestTimeoutMs);
        return new Delivered(half + second.handled(), first.refused() + second.refused());
    }

    private Sent send(List<LogBatch.Entry> entries, int requestTimeoutMs) {
        if (requestTimeoutMs <= 0) {
            return Sent.PAUSED;
        }
        Map<String, Object> batch = new LogBatch(clientId, entries).toJson();
        try {
            // Written straight to the connection: a batch is never held encoded in memory.
            HttpAnswer answer = http.startPost(url, BatchSize.of(batch), requestTimeoutMs, out -> {
                try {
                    Json.writeTo(out, batch);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }).answer();
            if (answer.ok()) {
                if (lastProblem != null) {
                    lastProblem = null;
                    LOG.info("log shipping resumed");
                }
                return Sent.TAKEN;
            }
            if (answer.status() == 400 || answer.status() == 413 || answer.status() == 422) {
                lastRefusal = "HTTP " + answer.status() + ": " + answer.errorSummary();
                return Sent.REFUSED;
            }
            complain("log shipping paused, " + answer.describe(url));
        } catch (IOException e) {
            complain("log shipping paused, " + NoAnswer.describe(url, e));
        }
        return Sent.PAUSED;
    }

    /** To the console only, at INFO: a warning would be shipped, and shipping is what fails. */
    private void complain(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            LOG.info(problem);
        }
    }
}
