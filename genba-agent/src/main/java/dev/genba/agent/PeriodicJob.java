package dev.genba.agent;

import dev.genba.agent.logs.AgentLog;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A job run again and again with the interval read anew each time, so an interval changed by
 * the server applies from the next run without a restart. A failing run is logged, never fatal.
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

    PeriodicJob(String name, Work work, LongSupplier intervalMs, ScheduledExecutorService scheduler) {
        this.name = name;
        this.work = work;
        this.intervalMs = intervalMs;
        this.scheduler = scheduler;
    }

    void start(long firstDelayMs) {
        scheduler.schedule(this::runAndReschedule, firstDelayMs, TimeUnit.MILLISECONDS);
    }

    private void runAndReschedule() {
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
        try {
            scheduler.schedule(this::runAndReschedule, intervalMs.getAsLong(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the agent is stopping
        }
    }
}
