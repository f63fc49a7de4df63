package dev.genba.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.LogBatch;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogBufferTest {
    private static LogBatch.Entry line(String message) {
        return new LogBatch.Entry("warn", message, Map.of(), Instant.parse("2026-11-23T00:00:00Z"), null);
    }

    @Test
    void drops_the_oldest_lines_past_its_cap_and_counts_them() {
        LogBuffer buffer = new LogBuffer(3);
        for (int i = 1; i <= 5; i++) {
            buffer.add(line("line " + i));
        }

        assertThat(buffer.dropped()).isEqualTo(2);
        assertThat(buffer.take(10).entries()).extracting(LogBatch.Entry::message)
                .containsExactly("line 3", "line 4", "line 5");
    }

    @Test
    void removing_shipped_lines_keeps_lines_added_meanwhile() {
        LogBuffer buffer = new LogBuffer(10);
        buffer.add(line("a"));
        buffer.add(line("b"));
        LogBuffer.Taken taken = buffer.take(10);
        buffer.add(line("c"));

        buffer.removeThrough(taken.lastSequence());

        assertThat(buffer.take(10).entries()).extracting(LogBatch.Entry::message).containsExactly("c");
    }

    @Test
    void reads_a_journalctl_json_line() {
        LogBatch.Entry entry = JournalTail.toEntry("""
                {"MESSAGE":"scanner disconnected","PRIORITY":"3","_SYSTEMD_UNIT":"scanner-app.service",\
                "__REALTIME_TIMESTAMP":"1795461618000000","_PID":"42"}""");

        assertThat(entry.level()).isEqualTo("error");
        assertThat(entry.message()).isEqualTo("scanner disconnected");
        assertThat(entry.timestamp()).isEqualTo(Instant.ofEpochSecond(1795461618));
        assertThat(entry.context()).containsEntry("unit", "scanner-app.service").containsEntry("pid", "42");
        assertThat(JournalTail.toEntry("{\"MESSAGE\":[104,105],\"PRIORITY\":\"4\"}").message()).isEqualTo("hi");
        assertThat(JournalTail.toEntry("not json")).isNull();
    }
}
