package dev.genba.agent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
    @Test
    void makes_max_attempts_quick_tries_then_doubles_up_to_the_cap_forever() {
        RetryBackoff backoff = new RetryBackoff();
        List<Long> delays = new ArrayList<>();
        for (int failure = 0; failure < 10; failure++) {
            delays.add(backoff.nextDelayMs(3, 500, 8_000));
        }

        assertThat(delays).containsExactly(500L, 500L, 1_000L, 2_000L, 4_000L, 8_000L, 8_000L, 8_000L, 8_000L, 8_000L);
        backoff.reset();
        assertThat(backoff.nextDelayMs(3, 500, 8_000)).isEqualTo(500);
    }
}
