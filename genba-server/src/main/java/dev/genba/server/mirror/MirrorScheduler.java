package dev.genba.server.mirror;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly comparison: while mirror mode is enabled, once per day at {@code mirror.compare_at}
 * (factory time). A slot missed because the server was down is run at the next start; slots
 * from before mirror mode was enabled are not.
 */
public final class MirrorScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MirrorScheduler.class);

    private final MirrorService service;
    private final Clock clock;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "mirror-schedule");
        thread.setDaemon(true);
        return thread;
    });

    public MirrorScheduler(MirrorService service, Clock clock) {
        this.service = service;
        this.clock = clock;
    }

    public MirrorScheduler start() {
        executor.scheduleWithFixedDelay(this::tick, 5, 30, TimeUnit.SECONDS);
        return this;
    }

    /** Runs the comparison if a slot is due; returns the outcome when it ran. */
    Optional<MirrorService.Outcome> runIfDue() {
        MirrorStore.State state = service.store().state();
        if (!state.enabled()) {
            return Optional.empty();
        }
        Instant slot = service.lastSlot(clock.instant());
        if (slot.isBefore(state.changedAt())) {
            return Optional.empty();
        }
        Optional<Instant> lastRun = service.store().lastScheduledStart();
        if (lastRun.isPresent() && !lastRun.get().isBefore(slot)) {
            return Optional.empty();
        }
        log.info("mirror: running the scheduled comparison for {}", slot);
        MirrorService.Outcome outcome = service.compare(false, true, false);
        log.info("mirror: scheduled comparison {} ({} differences), OK streak {}", outcome.status(),
                outcome.summary().get("diffs"), outcome.summary().get("ok_streak"));
        return Optional.of(outcome);
    }

    private void tick() {
        try {
            runIfDue();
        } catch (RuntimeException e) {
            log.warn("mirror: scheduled comparison could not run ({}); trying again shortly", e.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
