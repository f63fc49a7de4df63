package dev.genba.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.protocol.LogBatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JournalTail against a stand-in journalctl (a script over a JSON-lines file: this machine may have
 * no running journald) and the real SQLite state: restarts resume after the last shipped line.
 */
class JournalTailTest {
    /** Understands the options JournalTail passes: -n 0 (from now), --after-cursor C or --cursor C; always follows. */
    private static final String FAKE_JOURNALCTL = """
            #!/bin/bash
            here=$(dirname "$0")
            echo "$@" >> "$here/journalctl-args.log"
            after=""
            at=""
            while [ $# -gt 0 ]; do
              if [ "$1" = "--after-cursor" ]; then after="$2"; shift; fi
              if [ "$1" = "--cursor" ]; then at="$2"; shift; fi
              shift
            done
            if [ -n "$after$at" ]; then
              line=$(grep -n "\\"__CURSOR\\":\\"$after$at\\"" "$here/journal.jsonl" | cut -d: -f1)
              [ -n "$line" ] || { echo "Failed to seek to cursor: Invalid argument" >&2; exit 1; }
              if [ -n "$after" ]; then start=$((line + 1)); else start=$line; fi
            else
              start=$(($(wc -l < "$here/journal.jsonl") + 1))
            fi
            exec tail -n "+$start" -F "$here/journal.jsonl" 2>/dev/null
            """;

    @TempDir
    Path directory;

    private FakeGenbaServer server;
    private AgentDatabase database;
    private Path journalctl;
    private JournalTail tail;
    private int startsSoFar;

    @BeforeEach
    void start() throws Exception {
        server = new FakeGenbaServer();
        database = AgentDatabase.open(directory.resolve("outbox.db"));
        journalctl = directory.resolve("journalctl");
        Files.writeString(journalctl, FAKE_JOURNALCTL);
        Files.setPosixFilePermissions(journalctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(directory.resolve("journal.jsonl"), "");
        journal("old-1");
        journal("old-2");
    }

    @AfterEach
    void stop() {
        if (tail != null) {
            tail.close();
        }
        database.close();
        server.close();
    }

    private void journal(String message) throws IOException {
        Files.writeString(directory.resolve("journal.jsonl"), """
                {"__CURSOR":"s=1;i=%s","__REALTIME_TIMESTAMP":"1763900000000000","PRIORITY":"3",\
                "_SYSTEMD_UNIT":"scanner.service","MESSAGE":"%s"}
                """.formatted(message, message), StandardOpenOption.APPEND);
    }

    /** A fresh agent run: new in-memory buffer, same outbox.db. */
    private LogShipper startAgent() {
        LogBuffer buffer = new LogBuffer(100);
        JournalCursor cursor = new JournalCursor(database);
        tail = new JournalTail(List.of("scanner.service"), journalctl, cursor, buffer);
        tail.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(directory.resolve("journalctl-args.log"))
                && Files.readAllLines(directory.resolve("journalctl-args.log")).size() == startsSoFar + 1);
        startsSoFar++;
        return new LogShipper(buffer, new LogInbox(database), cursor, new AgentHttp("test-key-0001", "test"),
                server.url(), "HANDHELD-01", () -> 2_000);
    }

    private List<String> shipped() {
        return server.logLines().stream().map(LogBatch.Entry::message).toList();
    }

    @Test
    void a_restart_resumes_after_the_last_shipped_line_so_nothing_is_shipped_twice_or_missed() throws Exception {
        LogShipper first = startAgent();
        journal("m-3");
        journal("m-4");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            first.flush();
            return shipped().size() == 2;
        });
        assertThat(new JournalCursor(database).load()).isEqualTo("s=1;i=m-4");

        // Read but not shipped (the server is away), then the agent stops: the line is not lost.
        server.forceStatus(503);
        journal("m-5");
        await().pollDelay(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(10)).until(() -> {
            first.flush();
            return true;
        });
        tail.close();
        journal("m-6");
        server.forceStatus(0);

        LogShipper second = startAgent();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            second.flush();
            return shipped().size() >= 4;
        });
        journal("m-7");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            second.flush();
            return shipped().size() >= 5;
        });

        assertThat(shipped()).containsExactly("m-3", "m-4", "m-5", "m-6", "m-7");
        assertThat(server.logLines().get(0).context()).containsEntry("unit", "scanner.service");
        assertThat(Files.readAllLines(directory.resolve("journalctl-args.log")))
                .containsExactly("-o json -f -p warning -n 0 -u scanner.service",
                        "-o json -f -p warning --after-cursor s=1;i=m-4 --no-tail -u scanner.service");
        assertThat(new JournalCursor(database).load()).isEqualTo("s=1;i=m-7");
    }

    @Test
    void a_restart_before_any_line_was_shipped_begins_at_the_first_line_read_not_from_now() throws Exception {
        // A new Pi whose server is away (or refuses its key) from the first start on: no cursor saved yet.
        server.forceStatus(503);
        LogShipper first = startAgent();
        journal("m-3");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            first.flush();
            return server.paths().contains("POST /api/clients/logs");
        });
        tail.close();
        journal("m-4");
        server.forceStatus(0);

        LogShipper second = startAgent();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            second.flush();
            return shipped().size() >= 2;
        });

        assertThat(shipped()).containsExactly("m-3", "m-4");
        assertThat(Files.readAllLines(directory.resolve("journalctl-args.log")))
                .containsExactly("-o json -f -p warning -n 0 -u scanner.service",
                        "-o json -f -p warning --cursor s=1;i=m-3 --no-tail -u scanner.service");
        assertThat(new JournalCursor(database).load()).isEqualTo("s=1;i=m-4");
    }

    @Test
    void an_outbox_that_cannot_be_read_at_the_start_still_leaves_the_journal_followed_from_now() throws Exception {
        AgentDatabase unreadable = AgentDatabase.open(directory.resolve("other.db"));
        unreadable.close();
        LogBuffer buffer = new LogBuffer(100);
        tail = new JournalTail(List.of("scanner.service"), journalctl, new JournalCursor(unreadable), buffer);
        tail.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(directory.resolve("journalctl-args.log")));
        journal("m-3");

        await().atMost(Duration.ofSeconds(10)).until(() -> buffer.heapBytes() > 0);
        assertThat(Files.readAllLines(directory.resolve("journalctl-args.log")))
                .containsExactly("-o json -f -p warning -n 0 -u scanner.service");
    }

    @Test
    void journalctl_killed_by_a_signal_keeps_the_saved_cursor_so_the_next_start_misses_nothing() throws Exception {
        new JournalCursor(database).save("s=1;i=old-2");
        startAgent();
        // As systemd stopping the agent's unit does: SIGTERM to every process of its cgroup, journalctl
        // too, and the agent's own stop may come a moment after journalctl is gone.
        ProcessHandle journalctlProcess = ProcessHandle.current().descendants()
                .filter(process -> process.info().commandLine().orElse("").contains(directory.toString()))
                .findFirst().orElseThrow();
        journalctlProcess.destroy();
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().equals("journal-tail")
                        && thread.getState() == Thread.State.TIMED_WAITING));
        assertThat(new JournalCursor(database).load()).isEqualTo("s=1;i=old-2");
        tail.close();
        journal("m-3");

        LogShipper second = startAgent();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            second.flush();
            return shipped().contains("m-3");
        });
    }

    @Test
    void a_stop_just_after_systemd_killed_journalctl_ships_no_warning_about_starting_it_again() throws Exception {
        LogBuffer shipping = new LogBuffer(10);
        AgentLog.install(new PrintStream(OutputStream.nullOutputStream()), AgentLog.Level.INFO, shipping);
        try {
            startAgent();
            // systemctl stop or restart: SIGTERM to every process of the unit, and the agent's own stop a moment later
            ProcessHandle.current().descendants()
                    .filter(process -> process.info().commandLine().orElse("").contains(directory.toString()))
                    .findFirst().orElseThrow().destroy();
            await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(thread -> thread.getName().equals("journal-tail")
                            && thread.getState() == Thread.State.TIMED_WAITING));
            tail.close();

            assertThat(shipping.take(10).entries()).extracting(LogBatch.Entry::message)
                    .noneMatch(message -> message.contains("journalctl stopped"));
        } finally {
            AgentLog.install(System.err, AgentLog.Level.WARN, null);
        }
    }

    @Test
    void a_journal_line_that_cannot_be_read_is_skipped_and_the_lines_after_it_are_shipped_without_a_restart()
            throws Exception {
        LogShipper shipper = startAgent();
        // MESSAGE as bytes (journald's form for non-UTF-8 text), but not all of them numbers
        Files.writeString(directory.resolve("journal.jsonl"), """
                {"__CURSOR":"s=1;i=odd","__REALTIME_TIMESTAMP":"1763900000000000","PRIORITY":"3",\
                "_SYSTEMD_UNIT":"scanner.service","MESSAGE":[72,"i"]}
                """, StandardOpenOption.APPEND);
        journal("m-3");

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            shipper.flush();
            return shipped().contains("m-3");
        });

        assertThat(shipped()).containsExactly("m-3");
        assertThat(Files.readAllLines(directory.resolve("journalctl-args.log"))).as("journalctl was not restarted")
                .hasSize(1);
        assertThat(new JournalCursor(database).load()).isEqualTo("s=1;i=m-3");
    }

    @Test
    void a_message_too_long_for_journalctl_s_json_is_shipped_as_a_pointer_to_it_not_skipped() {
        // journalctl -o json gives a field over 4096 bytes as null
        LogBatch.Entry entry = JournalTail.toEntry("""
                {"__CURSOR":"s=1;i=9","PRIORITY":"3","MESSAGE":null,"_SYSTEMD_UNIT":"scanner.service",                "__REALTIME_TIMESTAMP":"1764000000000000"}""");

        assertThat(entry).isNotNull();
        assertThat(entry.level()).isEqualTo("error");
        assertThat(entry.message()).contains("over 4096 bytes", "journalctl -u scanner.service -p warning");
        assertThat(entry.context()).containsEntry("unit", "scanner.service");
    }

    @Test
    void journalctl_is_found_on_the_path_first() throws Exception {
        assertThat(JournalTail.findJournalctl("/nonexistent:" + directory)).isEqualTo(journalctl);
    }
}
