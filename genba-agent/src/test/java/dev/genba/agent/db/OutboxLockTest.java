package dev.genba.agent.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** outbox.db.lock between a start that sets a damaged outbox aside and the commands (separate processes). */
class OutboxLockTest {
    @TempDir
    Path directory;
    private Path config;
    private AgentFileConfig file;

    @BeforeEach
    void noAgentRunning() throws Exception {
        config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        file = TestConfig.load(config);
        Files.createDirectories(file.stateDir());
    }

    @Test
    void a_scan_command_waits_while_a_start_moves_the_outbox_aside_then_queues_into_the_new_one() throws Exception {
        Path output = directory.resolve("scan.out");

        Process scan;
        try (OutboxLock moving = OutboxLock.exclusive(file.outboxFile(), message -> { })) {
            scan = AgentProcesses.command(output, "scan", "--config", config.toString(), "--tag", "T-1",
                    "--location", "SHELF-03");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(output)
                    && Files.readString(output).contains("waiting: genba-agent is setting a damaged outbox aside"));
            assertThat(scan.isAlive()).isTrue();
            assertThat(file.outboxFile()).as("not opened while the files move").doesNotExist();
        }
        assertThat(scan.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(output)).contains("queued scan");
        assertThat(scan.exitValue()).isZero();
        try (AgentDatabase database = AgentDatabase.open(file.outboxFile())) {
            assertThat(new OutboxStore(database, 1_000).pendingTotal()).isEqualTo(1);
        }
    }

    @Test
    void within_one_process_the_lock_is_held_until_its_last_holder_lets_go() throws Exception {
        Path output = directory.resolve("status.out");

        OutboxLock first = OutboxLock.exclusive(file.outboxFile(), message -> { });
        OutboxLock second = OutboxLock.exclusive(file.outboxFile(), message -> { });
        Process status = AgentProcesses.command(output, "status", "--config", config.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(output)
                    && Files.readString(output).contains("waiting"));
            first.close();
            assertThat(status.waitFor(2, TimeUnit.SECONDS)).as("the second holder still has it").isFalse();
        } finally {
            second.close();
        }
        assertThat(status.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(output)).contains("PENDING");
    }
}
