package dev.genba.agent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LatencyTrackerTest {
    @Test
    void summarises_the_last_24_hours_only() {
        Instant start = Instant.parse("2026-11-23T00:00:00Z");
        LatencyTracker early = new LatencyTracker(Clock.fixed(start, ZoneOffset.UTC));
        assertThat(early.summary()).isNull();
        for (int i = 1; i <= 100; i++) {
            early.record(i);
        }

        LatencyTracker.Summary summary = early.summary();

        assertThat(summary.samples()).isEqualTo(100);
        assertThat(summary.avg()).isEqualTo(50.5);
        assertThat(summary.p50()).isEqualTo(50);
        assertThat(summary.p99()).isEqualTo(100);
        assertThat(summary.max()).isEqualTo(100);
    }

    @Test
    void forgets_samples_older_than_a_day() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T00:00:00Z"));
        LatencyTracker tracker = new LatencyTracker(clock);
        tracker.record(40);
        clock.advance(Duration.ofHours(25));
        tracker.record(10);

        assertThat(tracker.summary().samples()).isEqualTo(1);
        assertThat(tracker.summary().max()).isEqualTo(10);
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
