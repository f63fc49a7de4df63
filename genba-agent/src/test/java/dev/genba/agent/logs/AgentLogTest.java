package dev.genba.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.genba.agent.outbox.GroupCommitter;
import dev.genba.protocol.LogBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentLogTest {
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final LogBuffer shipping = new LogBuffer(10);
    private final AgentLog log = AgentLog.of(GroupCommitter.class);

    private String printed() {
        return console.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void back_to_the_default() {
        AgentLog.install(System.err, AgentLog.Level.WARN, null);
    }

    @Test
    void run_prints_one_line_per_event_and_ships_only_warnings_and_errors() {
        AgentLog.install(new PrintStream(console, true, StandardCharsets.UTF_8), AgentLog.Level.INFO, shipping);

        log.info("started");
        log.warn("primary delivery failed");
        log.error("disk full", new IOException("No space left on device"));

        assertThat(printed()).startsWith("""
                INFO GroupCommitter: started
                WARN GroupCommitter: primary delivery failed
                ERROR GroupCommitter: disk full
                java.io.IOException: No space left on device
                \tat dev.genba.agent.logs.AgentLogTest""");
        assertThat(shipping.take(10).entries())
                .extracting(LogBatch.Entry::level, LogBatch.Entry::message)
                .containsExactly(tuple("warn", "primary delivery failed"),
                        tuple("error", "disk full (java.io.IOException: No space left on device)"));
        assertThat(shipping.take(10).entries().get(0).context())
                .containsEntry("source", "genba-agent").containsEntry("logger", GroupCommitter.class.getName());
    }

    @Test
    void the_short_commands_print_only_errors_and_ship_nothing() {
        AgentLog.install(new PrintStream(console, true, StandardCharsets.UTF_8), AgentLog.Level.ERROR, null);

        log.info("started");
        log.warn("primary delivery failed");
        log.error("disk full");

        assertThat(printed()).isEqualTo("ERROR GroupCommitter: disk full\n");
    }

    @Test
    void sqlite_jdbc_warnings_through_java_util_logging_are_printed_and_shipped_like_the_agents_own() {
        AgentLog.install(new PrintStream(console, true, StandardCharsets.UTF_8), AgentLog.Level.INFO, shipping);

        Logger sqlite = Logger.getLogger("org.sqlite.SQLiteJDBCLoader");
        sqlite.fine("probing");
        sqlite.warning("Failed to load native library: libsqlitejdbc.so");

        assertThat(printed()).isEqualTo("WARN SQLiteJDBCLoader: Failed to load native library: libsqlitejdbc.so\n");
        assertThat(shipping.take(10).entries())
                .extracting(LogBatch.Entry::level, LogBatch.Entry::message, entry -> entry.context().get("logger"))
                .containsExactly(tuple("warn", "Failed to load native library: libsqlitejdbc.so",
                        "org.sqlite.SQLiteJDBCLoader"));
    }
}
