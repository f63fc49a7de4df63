package dev.genba.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerClockTest {
    @Test
    void the_offset_allows_for_the_header_s_whole_seconds_and_half_the_round_trip() {
        // the server said 12:00:10 (it was 12:00:10.0–10.999); we sent at 12:00:09.800, got it at 12:00:10.200
        long date = 1_000_000_010_000L;
        assertThat(ServerClock.aheadMs(date, 1_000_000_010_200L, 400)).isEqualTo(500);
        assertThat(ServerClock.aheadMs(0, 1_000_000_010_200L, 400)).as("no Date header").isNull();
    }

    @Test
    void a_minute_apart_agrees_more_does_not() {
        assertThat(ServerClock.agrees(60_000)).isTrue();
        assertThat(ServerClock.agrees(-60_000)).isTrue();
        assertThat(ServerClock.agrees(60_001)).isFalse();
        assertThat(ServerClock.agrees(-3_600_000)).isFalse();
    }

    @Test
    void the_difference_is_said_in_units_a_person_reads_at_a_glance() {
        assertThat(ServerClock.describe(-90_000)).isEqualTo("this Pi's clock is 90 s ahead of the server's");
        assertThat(ServerClock.describe(45 * 60_000)).isEqualTo("this Pi's clock is 45 min behind the server's");
        assertThat(ServerClock.describe(3 * 86_400_000L + 7_200_000)).isEqualTo("this Pi's clock is 3 days 2 h behind the server's");
        assertThat(ServerClock.describe(3 * 3_600_000L - 400)).as("rounded").isEqualTo("this Pi's clock is 3 h 0 min behind the server's");
    }
}
