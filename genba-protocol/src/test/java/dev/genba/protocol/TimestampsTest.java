package dev.genba.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-20T10:15:03Z", "2025-02-20T10:15:03.1Z", "2025-02-20T10:15:03.123456789Z",
            "2025-02-20T19:15:03+09:00", "2025-02-20T01:15:03-09:30", "2024-02-29T23:59:59.999+18:00",
            "1970-01-01T00:00:00Z", "0001-01-01T00:00:00-18:00", "9999-12-31T23:59:59.5Z"})
    void the_shapes_agents_send_are_read_as_the_jdk_reads_them(String text) {
        assertThat(Timestamps.fastPath(text)).as("read without the JDK's parser").isNotNull();
        assertThat(Timestamps.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-29T10:15:03Z", "2025-13-01T10:15:03Z", "2025-04-31T10:15:03Z", "2025-02-20T24:00:00Z",
            "2025-02-20T10:60:00Z", "2025-02-20T10:15:60Z", "2025-02-20T10:15:03.1234567890Z",
            "2025-02-20T10:15:03+18:01", "2025-02-20T10:15:03+09:60", "2025-02-20T10:15:03", "2025-02-20 10:15:03Z",
            "2025-02-20T10:15:03ZZ", "2025-02-20T10:15:03+0900", "+2025-02-20T10:15:03Z", "2025-02-2OT10:15:03Z", "yesterday"})
    void what_the_jdk_refuses_is_refused_with_the_jdks_error(String text) {
        assertThat(Timestamps.fastPath(text)).isNull();
        assertThatThrownBy(() -> Timestamps.parse(text)).isInstanceOf(DateTimeParseException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-20t10:15:03z", "2025-02-20T10:15Z", "2025-02-20T10:15:03+09", "2025-02-20T10:15:03+09:00:30", "2025-02-20T10:15:03.Z",
            "+12025-02-20T10:15:03Z"})
    void other_forms_the_jdk_accepts_are_still_accepted(String text) {
        assertThat(Timestamps.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @Test
    void random_timestamps_and_near_misses_agree_with_the_jdk() {
        SplittableRandom random = new SplittableRandom(20261124);
        String alphabet = "0123456789-:T.Z+";
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L), random.nextInt(1_000_000_000));
            int offsetMinutes = random.nextInt(-18 * 60, 18 * 60 + 1);
            String text = OffsetDateTime.ofInstant(instant, java.time.ZoneOffset.ofTotalSeconds(offsetMinutes * 60)).toString();
            if (random.nextInt(3) == 0) {
                char[] chars = text.toCharArray();
                chars[random.nextInt(chars.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
                text = new String(chars);
            }
            Instant expected;
            try {
                expected = OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                expected = null;
            }
            Instant fast = Timestamps.fastPath(text);
            if (fast != null) {
                assertThat(fast).as(text).isEqualTo(expected);
            }
            if (expected == null) {
                String refused = text;
                assertThatThrownBy(() -> Timestamps.parse(refused)).as(text).isInstanceOf(DateTimeParseException.class);
            } else {
                assertThat(Timestamps.parse(text)).as(text).isEqualTo(expected);
            }
        }
    }
}
