package dev.genba.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private Instant now = Instant.parse("2026-11-23T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void locks_a_name_after_five_failures_for_a_doubling_time_and_a_good_login_clears_it() {
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int i = 0; i < 4; i++) {
            throttle.failed("Alice", "10.0.0.5");
        }
        assertThat(throttle.wait("alice", "10.0.0.5")).isEmpty();
        throttle.failed("alice", "10.0.0.5");
        assertThat(throttle.wait("ALICE", "10.0.0.9")).hasValue(Duration.ofSeconds(30));

        now = now.plusSeconds(31);
        assertThat(throttle.wait("alice", "10.0.0.5")).isEmpty();
        throttle.failed("alice", "10.0.0.5");
        assertThat(throttle.wait("alice", "10.0.0.5")).hasValue(Duration.ofSeconds(60));

        throttle.succeeded("alice", "10.0.0.5");
        assertThat(throttle.wait("alice", "10.0.0.5")).isEmpty();
    }

    @Test
    void one_address_trying_many_names_is_locked_too_but_never_longer_than_fifteen_minutes() {
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int i = 0; i < 40; i++) {
            throttle.failed("user" + i, "10.0.0.66");
        }
        assertThat(throttle.wait("someone-else", "10.0.0.66")).hasValue(Duration.ofMinutes(15));
        assertThat(throttle.wait("someone-else", "10.0.0.67")).isEmpty();
    }
}
