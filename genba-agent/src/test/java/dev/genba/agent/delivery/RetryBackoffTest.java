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

    @Test
    void max_attempts_counts_the_first_attempt_as_the_seed_s_key_name_says() {
        // seed 000 §2.1 "retry": {"max_attempts": 3, "backoff_ms": 500}: three attempts 500 ms apart,
        // so with 1 the first failure already waits longer than backoff_ms
        RetryBackoff once = new RetryBackoff();
        RetryBackoff three = new RetryBackoff();

        assertThat(once.nextDelayMs(1, 500, 8_000)).isEqualTo(1_000);
        assertThat(List.of(three.nextDelayMs(3, 500, 8_000), three.nextDelayMs(3, 500, 8_000)))
                .as("two waits of backoff_ms between the three attempts").containsOnly(500L);
        assertThat(three.nextDelayMs(3, 500, 8_000)).as("after the third attempt").isGreaterThan(500);
    }
}
