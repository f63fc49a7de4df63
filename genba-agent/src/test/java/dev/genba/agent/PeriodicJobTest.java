package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeriodicJobTest {

    @Test
    void a_run_that_throws_an_error_or_an_exception_is_logged_and_the_job_keeps_running() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch fourRuns = new CountDownLatch(4);
        try {
            new PeriodicJob("test job", () -> {
                int run = runs.incrementAndGet();
                fourRuns.countDown();
                if (run == 1) {
                    throw new StackOverflowError();
                }
                if (run == 2) {
                    throw new NoClassDefFoundError("dev/genba/agent/Replaced");
                }
                if (run == 3) {
                    throw new IllegalStateException("a bug");
                }
            }, () -> 10, scheduler).start(0);

            assertThat(fourRuns.await(10, TimeUnit.SECONDS)).as("runs after the failing ones").isTrue();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void a_shorter_interval_brings_the_waiting_run_forward_and_an_unchanged_one_leaves_it_waiting() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicLong intervalMs = new AtomicLong(3_600_000);
        AtomicInteger runs = new AtomicInteger();
        try {
            PeriodicJob job = new PeriodicJob("test job", runs::incrementAndGet, intervalMs::get, scheduler);
            job.start(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 1);

            job.intervalChanged();
            Thread.sleep(300);
            assertThat(runs).as("still an hour away").hasValue(1);

            intervalMs.set(10);
            job.intervalChanged();
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
