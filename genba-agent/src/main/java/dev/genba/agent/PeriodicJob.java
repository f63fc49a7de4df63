package dev.genba.agent;

import dev.genba.agent.logs.AgentLog;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A job run again and again with the interval read anew each time, so an interval changed by
 * the server applies without a restart: from the next run, or at once when {@link #intervalChanged}
 * finds the run already waiting due later than the new interval allows. A failing run is logged,
 * never fatal.
 */
final class PeriodicJob {
    private static final AgentLog LOG = AgentLog.of(PeriodicJob.class);

    interface Work {
        void run() throws Exception;
    }

    private final String name;
    private final Work work;
    private final LongSupplier intervalMs;
    private final ScheduledExecutorService scheduler;
    private ScheduledFuture<?> next;
    /** Counts the runs scheduled: a run that is no longer the latest one was replaced and does nothing. */
    private long scheduled;
    private boolean running;
    /** When the last run ended and when the next one is due (System.nanoTime, immune to clock steps). */
    private Long lastEndedNanos;
    private long nextDueNanos;

    PeriodicJob(String name, Work work, LongSupplier intervalMs, ScheduledExecutorService scheduler) {
        this.name = name;
        this.work = work;
        this.intervalMs = intervalMs;
        this.scheduler = scheduler;
    }

    void start(long firstDelayMs) {
        schedule(firstDelayMs);
    }

    /**
     * Called when the settings change: a run waiting longer than the interval now in force allows
     * (status_interval_s lowered from 3600 to 60) is brought forward to the last run's end plus that
     * interval, instead of keeping the whole longer wait already begun.
     */
    synchronized void intervalChanged() {
        if (running || lastEndedNanos == null || next == null) {
            return; // a run under way schedules the next one with the new interval itself
        }
        long dueNanos = lastEndedNanos + TimeUnit.MILLISECONDS.toNanos(intervalMs.getAsLong());
        if (dueNanos < nextDueNanos) {
            next.cancel(false);
            schedule(Math.max(0, TimeUnit.NANOSECONDS.toMillis(dueNanos - System.nanoTime())));
        }
    }

    private synchronized void schedule(long delayMs) {
        long run = ++scheduled;
        nextDueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
        try {
            next = scheduler.schedule(() -> runAndReschedule(run), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the agent is stopping
        }
    }

    private void runAndReschedule(long run) {
        synchronized (this) {
            if (run != scheduled) {
                return;
            }
            running = true;
        }
        try {
            work.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception | Error e) {
            // an Error too (a StackOverflowError, a LinkageError after the jar was replaced under the
            // running agent): thrown out of here it would end this job silently, for good. Running out
            // of memory ends the agent instead (-XX:+ExitOnOutOfMemoryError), and systemd starts it again.
            LOG.warn(name + " failed and runs again later: " + (e.getMessage() == null ? e : e.getMessage()), e);
        }
        synchronized (this) {
            running = false;
            lastEndedNanos = System.nanoTime();
            schedule(intervalMs.getAsLong());
        }
    }
}
