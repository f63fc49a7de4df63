package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.cli.AgentCli;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.DamagedOutbox;
import dev.genba.agent.intake.ScanIntake;
import dev.genba.agent.logs.LogBuffer;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An outbox.db a failing SD card damaged: set aside at start, the handheld goes on taking scans. */
class DamagedOutboxTest {
    @TempDir
    Path directory;

    @Test
    void a_file_that_is_no_database_any_more_is_set_aside_and_the_agent_takes_scans_again() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
            Files.createDirectories(file.stateDir());
            byte[] garbage = new byte[20_000];
            new Random(7).nextBytes(garbage);
            Files.write(file.outboxFile(), garbage);

            Run before = status(file);
            assertThat(before.exitCode()).isEqualTo(2);
            assertThat(before.err()).contains("is damaged").contains("sudo systemctl restart genba-agent")
                    .contains("RUNBOOK 11.7");

            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                String scanId = AgentProcesses.post(agent.intakePort(), "AFTER-DAMAGE");
                assertThat(scanId).isNotNull();
                await().atMost(Duration.ofSeconds(10)).until(() -> server.storedScanIds().contains(scanId));
            }

            Path folder = onlySetAsideFolder(file);
            assertThat(Files.readAllBytes(folder.resolve("outbox.db"))).as("kept untouched").isEqualTo(garbage);
            assertThat(Files.readString(folder.resolve(DamagedOutbox.NOTE)))
                    .contains("copied into the new outbox: 0 deliveries waiting");
            Run after = status(file);
            assertThat(after.exitCode()).as("the operator has to look at it").isEqualTo(1);
            assertThat(after.out()).contains("A damaged outbox was set aside").contains(folder.toString());

            Files.walk(folder).sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
            assertThat(status(file).out()).doesNotContain("damaged");
        }
    }

    @Test
    void the_scans_still_readable_in_a_damaged_file_are_copied_and_delivered() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
            List<String> waiting = new ArrayList<>();
            long countsPage;
            try (AgentDatabase database = AgentDatabase.open(file.outboxFile())) {
                OutboxStore outbox = new OutboxStore(database, 1_000_000);
                ScanIntake intake = new ScanIntake(file.clientId(), Clock.systemUTC());
                for (int i = 0; i < 2_500; i++) {
                    QueuedScan scan = intake.fromFields(Map.of("tag_id", "WAITING-" + i, "location", "SHELF-03"));
                    outbox.enqueue(List.of(scan), List.of(Destination.PRIMARY), Instant.now());
                    waiting.add(scan.scanId().toString());
                }
                database.write(connection -> {
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("""
                                INSERT INTO dead_letters (destination, scan_id, body, enqueued_at, failed_at, http_status, reason)
                                VALUES ('primary', 'dead-1', '{}', 0, 0, 400, 'refused')""");
                    }
                    return null;
                });
                countsPage = database.read(connection -> {
                    try (Statement statement = connection.createStatement();
                         ResultSet row = statement.executeQuery(
                                 "SELECT rootpage FROM sqlite_master WHERE name = 'pending_counts'")) {
                        row.next();
                        return row.getLong(1);
                    }
                });
            }
            // The page the agent writes first at start is destroyed; the outbox's own pages are not.
            overwritePage(file.outboxFile(), countsPage);

            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().containsAll(waiting));
                String scanId = AgentProcesses.post(agent.intakePort(), "AFTER-DAMAGE");
                await().atMost(Duration.ofSeconds(10)).until(() -> server.storedScanIds().contains(scanId));
            }

            assertThat(Files.readString(onlySetAsideFolder(file).resolve(DamagedOutbox.NOTE)))
                    .contains("copied into the new outbox: 2500 deliveries waiting, 1 dead letters");
            Run after = status(file);
            assertThat(after.out()).contains("2500 deliveries waiting, 1 dead letters").contains("DEAD LETTERS")
                    .contains("dead-1");
        }
    }

    private static void overwritePage(Path databaseFile, long page) throws IOException {
        byte[] garbage = new byte[4096];
        new Random(11).nextBytes(garbage);
        try (RandomAccessFile raw = new RandomAccessFile(databaseFile.toFile(), "rw")) {
            raw.seek((page - 1) * 4096);
            raw.write(garbage);
        }
    }

    private static Path onlySetAsideFolder(AgentFileConfig file) throws IOException {
        try (Stream<Path> entries = Files.list(file.stateDir())) {
            List<Path> folders = entries.filter(path -> path.getFileName().toString().startsWith("damaged-")).toList();
            assertThat(folders).hasSize(1);
            return folders.get(0);
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run status(AgentFileConfig file) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = AgentCli.execute(new String[] {"status", "--config", file.source().toString()},
                new PrintWriter(out), new PrintWriter(err));
        return new Run(exitCode, out.toString(), err.toString());
    }
}
