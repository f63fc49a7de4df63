package dev.genba.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogTextTest {
    /** The message as the server reads it from a batch; throws as the server refuses it. */
    private static String asTheServerReadsIt(String message) {
        LogBatch.Entry entry = new LogBatch.Entry("warn", message, null, Instant.parse("2026-01-01T00:00:00Z"), null);
        byte[] body = Json.writeBytes(new LogBatch("HANDHELD-01", List.of(entry)).toJson());
        return LogBatch.fromJson(Json.parse(body)).logs().get(0).message();
    }

    @Test
    void a_long_message_is_cut_without_splitting_a_character_and_the_server_takes_it() {
        String message = "x".repeat(LogBatch.MAX_MESSAGE - 2) + "\uD83D\uDE00 and more";

        String clipped = LogText.clip(message);

        assertThat(clipped).isEqualTo("x".repeat(LogBatch.MAX_MESSAGE - 2) + "…");
        assertThat(asTheServerReadsIt(clipped)).isEqualTo(clipped);
    }

    @Test
    void blank_messages_nul_and_half_characters_become_text_the_server_takes() {
        assertThat(LogText.clip(null)).isEqualTo("(empty message)");
        assertThat(LogText.clip("\0\0")).isEqualTo("(empty message)");
        assertThat(LogText.clip("a\0b")).isEqualTo("a b");
        String repaired = LogText.clip("lone \uD83D and \uDE00, pair \uD83D\uDE00");

        assertThat(repaired).isEqualTo("lone \uFFFD and \uFFFD, pair \uD83D\uDE00");
        assertThat(asTheServerReadsIt(repaired)).isEqualTo(repaired);
    }
}
