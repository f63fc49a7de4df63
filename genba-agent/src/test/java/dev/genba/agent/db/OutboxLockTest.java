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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

    @Test
    void a_start_waiting_for_a_command_names_the_process_that_holds_the_outbox() throws Exception {
        Path ready = directory.resolve("holder.ready");
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Holder.class.getName(), file.outboxFile().toString(), ready.toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("holder.out").toFile()).start();
        List<String> messages = new CopyOnWriteArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(ready));
            Thread mover = new Thread(() -> OutboxLock.exclusive(file.outboxFile(), messages::add).close());
            mover.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> !messages.isEmpty());

            assertThat(messages.get(0)).contains("waiting for a genba-agent command that has the outbox open")
                    .contains("pid " + holder.pid() + " (").contains(Holder.class.getName())
                    .contains("sudo kill PID");
            holder.destroy();
            mover.join(30_000);
            assertThat(mover.isAlive()).as("the lock is free once the holder is gone").isFalse();
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A stand-in for a command that hangs with the outbox open: holds the lock shared until killed. */
    static final class Holder {
        public static void main(String[] args) throws Exception {
            OutboxLock held = OutboxLock.shared(Path.of(args[0]), message -> { });
            Files.writeString(Path.of(args[1]), "held");
            Thread.sleep(600_000);
            held.close();
        }
    }
}
