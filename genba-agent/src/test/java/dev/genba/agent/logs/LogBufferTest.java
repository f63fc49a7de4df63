package dev.genba.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.LogBatch;
import java.time.Instant;
import java.util.List;
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

        buffer.settle(taken, 2, 0);

        assertThat(buffer.take(10).entries()).extracting(LogBatch.Entry::message).containsExactly("c");
    }

    @Test
    void a_buffer_full_of_the_longest_lines_stays_within_its_heap_budget_and_counts_what_it_drops() {
        LogBuffer buffer = new LogBuffer(5_000);
        Map<String, Object> context = Map.of("source", "journal", "unit", "scanner-app.service", "pid", "4242");
        for (int i = 1; i <= 1_000; i++) {
            String message = LogText.clip(i + " " + "スキャナが応答しません。".repeat(1_000));
            buffer.add(new LogBatch.Entry("error", message, context, Instant.parse("2026-11-23T00:00:00Z"), null),
                    "s=1;i=" + i);
        }

        List<LogBatch.Entry> waiting = buffer.take(5_000).entries();
        assertThat(buffer.heapBytes()).isLessThanOrEqualTo(LogBuffer.MAX_HEAP_BYTES)
                .isGreaterThan(LogBuffer.MAX_HEAP_BYTES - LogBuffer.heapBytesOf(waiting.get(0), "s=1;i=1000"));
        assertThat(waiting.size() + buffer.dropped()).isEqualTo(1_000);
        assertThat(waiting.get(waiting.size() - 1).message()).startsWith("1000 ");
        // The estimate covers the text as a Java string holds Japanese: two bytes a character.
        assertThat(LogBuffer.heapBytesOf(waiting.get(0), null)).isGreaterThan(2L * LogBatch.MAX_MESSAGE);
    }

    @Test
    void lines_pushed_out_while_being_shipped_count_as_dropped_only_if_the_server_did_not_take_them() {
        LogBuffer taken = new LogBuffer(3);
        LogBuffer paused = new LogBuffer(3);
        for (LogBuffer buffer : List.of(taken, paused)) {
            buffer.add(line("a"));
            buffer.add(line("b"));
            buffer.add(line("c"));
        }
        LogBuffer.Taken shipped = taken.take(10);
        LogBuffer.Taken unsent = paused.take(10);
        for (LogBuffer buffer : List.of(taken, paused)) {
            buffer.add(line("d"));
            buffer.add(line("e"));
        }

        taken.settle(shipped, 3, 0);
        paused.settle(unsent, 0, 0);

        assertThat(taken.dropped()).isZero();
        assertThat(taken.take(10).entries()).extracting(LogBatch.Entry::message).containsExactly("d", "e");
        assertThat(paused.dropped()).isEqualTo(2);
        assertThat(paused.take(10).entries()).extracting(LogBatch.Entry::message).containsExactly("c", "d", "e");
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
