package dev.genba.server.clients;

import dev.genba.server.config.GenbaConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Once an hour, removes client status history and client log lines older than their retention. */
public final class RetentionJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);

    private final Jdbi jdbi;
    private final GenbaConfig.Retention retention;
    private final Clock clock;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "retention");
        thread.setDaemon(true);
        return thread;
    });

    public RetentionJob(Jdbi jdbi, GenbaConfig.Retention retention, Clock clock) {
        this.jdbi = jdbi;
        this.retention = retention;
        this.clock = clock;
    }

    public RetentionJob start() {
        executor.scheduleWithFixedDelay(this::runQuietly, 1, 60, TimeUnit.MINUTES);
        return this;
    }

    /** Deletes what is past retention; returns {history rows, log lines} removed. */
    public long[] run() {
        OffsetDateTime metricsCutoff = cutoff(retention.metricsDays());
        OffsetDateTime logsCutoff = cutoff(retention.logsDays());
        long history = jdbi.withHandle(handle -> handle.createUpdate(
                "delete from client_status_history where sampled_at < :cutoff").bind("cutoff", metricsCutoff).execute());
        long logs = jdbi.withHandle(handle -> handle.createUpdate(
                "delete from client_logs where logged_at < :cutoff").bind("cutoff", logsCutoff).execute());
        return new long[] {history, logs};
    }

    private void runQuietly() {
        try {
            long[] removed = run();
            if (removed[0] + removed[1] > 0) {
                log.info("retention: removed {} status samples and {} log lines past retention", removed[0], removed[1]);
            }
        } catch (RuntimeException e) {
            log.warn("retention job failed: {}", e.getMessage());
        }
    }

    private OffsetDateTime cutoff(int days) {
        return OffsetDateTime.ofInstant(clock.instant().minus(Duration.ofDays(days)), ZoneOffset.UTC);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
