package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
}
