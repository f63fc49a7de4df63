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
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An outbox.db a failing SD card damaged: set aside at start, the handheld goes on taking scans. */
class DamagedOutboxTest {
    /** A page in the middle of the outbox's rows: opening the file never reads it, delivering does. */
    private static final String MIDDLE_LEAF = "SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf'"
            + " ORDER BY pageno LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf')";

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
            long countsPage = fill(file, waiting, "SELECT rootpage FROM sqlite_master WHERE name = 'pending_counts'");
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

    @Test
    void damage_found_while_running_stops_the_agent_and_its_next_start_copies_all_but_the_damaged_page()
            throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), AgentProcesses.freePort(), "");
            AgentFileConfig file = TestConfig.load(config);
            List<String> waiting = new ArrayList<>();
            overwritePage(file.outboxFile(), fill(file, waiting, MIDDLE_LEAF));

            Process first = AgentProcesses.start(config);
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the agent stops when it finds the damage").isTrue();
            assertThat(first.exitValue()).isEqualTo(2);
            assertThat(Files.readString(directory.resolve("agent.log"))).contains("the outbox is damaged");
            assertThat(status(file).out()).contains("found damaged while the agent ran");

            Process second = AgentProcesses.start(config);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(file.intakePort(), "AFTER") != null);
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    List<String> missing = missing(waiting, server.storedScanIds());
                    return missing.size() < 50 && contiguous(waiting, missing);
                });
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            List<String> missing = missing(waiting, server.storedScanIds());
            assertThat(missing).as("only the rows on the damaged page").isNotEmpty().hasSizeLessThan(50);
            assertThat(Files.readString(onlySetAsideFolder(file).resolve(DamagedOutbox.NOTE)))
                    .contains("some could not be read");
            assertThat(status(file).out()).doesNotContain("found damaged while the agent ran");
        }
    }

    @Test
    void once_damage_is_found_the_intake_refuses_scans_until_the_agent_has_stopped() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
            overwritePage(file.outboxFile(), fill(file, new ArrayList<>(), MIDDLE_LEAF));
            CountDownLatch found = new CountDownLatch(1);
            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                agent.whenOutboxDamaged(found::countDown); // run would stop the process here
                assertThat(found.await(60, TimeUnit.SECONDS)).as("delivering reads the damaged page").isTrue();

                AgentProcesses.Answer answer = AgentProcesses.send(agent.intakePort(), "AFTER-DAMAGE-FOUND");
                assertThat(answer.status()).as("not written into the file that is set aside next").isEqualTo(503);
                assertThat(answer.message()).contains("was found damaged").contains("nothing more is written to it")
                        .contains("RUNBOOK 11.7").contains("this scan was NOT accepted, send it again");
            }
        }
    }

    @Test
    void a_start_waits_for_a_command_that_has_the_damaged_outbox_open_and_the_command_s_scan_is_not_left_behind()
            throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), AgentProcesses.freePort(), "");
            AgentFileConfig file = TestConfig.load(config);
            List<String> waiting = new ArrayList<>();
            fill(file, waiting, "SELECT 1");
            DamagedOutbox.markDamaged(file.outboxFile(), "found damaged by the test");
            Path log = directory.resolve("agent.log");

            Process agent = null;
            try {
                // this test stands for a `genba-agent scan` that opened the outbox just before the agent started
                try (AgentDatabase command = AgentDatabase.openForCommand(file.outboxFile(), message -> { })) {
                    agent = AgentProcesses.start(config);
                    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log)
                            && Files.readString(log).contains("waiting for a genba-agent command that has the outbox open"));
                    assertThat(file.outboxFile()).as("not moved while a command has it open").exists();
                    waiting.add(queue(command, file, "QUEUED-WHILE-THE-START-WAITED"));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> server.storedScanIds().containsAll(waiting));
            } finally {
                if (agent != null) {
                    agent.destroy();
                    agent.waitFor(30, TimeUnit.SECONDS);
                }
            }
            assertThat(Files.readString(onlySetAsideFolder(file).resolve(DamagedOutbox.NOTE)))
                    .contains("copied into the new outbox: 2501 deliveries waiting");
        }
    }

    @Test
    void a_copy_that_a_stop_interrupted_is_finished_at_the_next_start() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
            List<String> waiting = new ArrayList<>();
            fill(file, waiting, "SELECT 1");
            // as a power cut leaves it: the file set aside, the note saying the copy has not finished
            Path folder = Files.createDirectories(file.stateDir().resolve("damaged-20261124-000000"));
            Files.move(file.outboxFile(), folder.resolve("outbox.db"));
            Files.writeString(folder.resolve(DamagedOutbox.NOTE), "outbox.db was found damaged (test)\n"
                    + "copying what can be read into the new outbox.db (not finished yet)\n");
            assertThat(status(file).out()).contains("not finished yet");

            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().containsAll(waiting));
                assertThat(AgentProcesses.post(agent.intakePort(), "AFTER")).isNotNull();
            }
            assertThat(Files.readString(folder.resolve(DamagedOutbox.NOTE)))
                    .contains("copied into the new outbox: 2500 deliveries waiting, 1 dead letters");

            // finished a second time (a stop before the note was rewritten): nothing is added twice
            Files.writeString(folder.resolve(DamagedOutbox.NOTE), "outbox.db was found damaged (test)\n"
                    + "copying what can be read into the new outbox.db (not finished yet)\n");
            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                assertThat(agent.intakePort()).isPositive();
            }
            assertThat(status(file).out()).containsPattern("primary +\\d+ +(-|\\d+ [a-z]+|\\d+ h \\d+ min) +1 ");
        }
    }

    @Test
    void a_set_aside_that_a_power_cut_interrupted_between_the_files_loses_none_of_the_wal() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
            Path snapshot = Files.createDirectories(directory.resolve("snapshot"));
            List<String> waiting = new ArrayList<>();
            try (AgentDatabase database = AgentDatabase.open(file.outboxFile())) {
                database.read(connection -> {
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("PRAGMA wal_autocheckpoint = 0"); // every scan stays in the -wal
                    }
                    return null;
                });
                OutboxStore outbox = new OutboxStore(database, 1_000_000);
                ScanIntake intake = new ScanIntake(file.clientId(), Clock.systemUTC());
                for (int i = 0; i < 300; i++) {
                    QueuedScan scan = intake.fromFields(Map.of("tag_id", "IN-WAL-" + i, "location", "SHELF-03"));
                    outbox.enqueue(List.of(scan), List.of(Destination.PRIMARY), Instant.now());
                    waiting.add(scan.scanId().toString());
                }
                for (String part : List.of("outbox.db", "outbox.db-wal", "outbox.db-shm")) {
                    Files.copy(file.stateDir().resolve(part), snapshot.resolve(part));
                }
            }
            // as the cut leaves it: outbox.db moved into the folder, its -wal and -shm not yet
            for (String part : List.of("outbox.db", "outbox.db-wal", "outbox.db-shm")) {
                Files.deleteIfExists(file.stateDir().resolve(part));
            }
            Path folder = Files.createDirectories(file.stateDir().resolve("damaged-20261124-000000"));
            Files.copy(snapshot.resolve("outbox.db"), folder.resolve("outbox.db"));
            Files.copy(snapshot.resolve("outbox.db-wal"), file.stateDir().resolve("outbox.db-wal"));
            Files.copy(snapshot.resolve("outbox.db-shm"), file.stateDir().resolve("outbox.db-shm"));
            Files.writeString(folder.resolve(DamagedOutbox.NOTE), "outbox.db was found damaged (test)\n"
                    + "moving the damaged files here (not finished yet)\n");
            // a command before the agent starts again must not make a new outbox.db beside the -wal
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int scanExit = AgentCli.execute(new String[] {"scan", "--config", file.source().toString(), "--tag", "T",
                "--location", "L"}, new PrintWriter(out), new PrintWriter(err));
            assertThat(scanExit).isEqualTo(1);
            assertThat(err.toString()).contains("was interrupted").contains("sudo systemctl restart genba-agent")
                    .contains("this scan was NOT queued");
            Run status = status(file);
            assertThat(status.err()).contains("was interrupted");
            assertThat(status.exitCode()).isEqualTo(2);
            assertThat(file.outboxFile()).doesNotExist();
            assertThat(file.stateDir().resolve("outbox.db-wal")).hasSameBinaryContentAs(snapshot.resolve("outbox.db-wal"));

            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().containsAll(waiting));
                assertThat(AgentProcesses.post(agent.intakePort(), "AFTER")).isNotNull();
            }
            assertThat(folder.resolve("outbox.db-wal")).as("moved to its file, untouched").exists()
                    .hasSameBinaryContentAs(snapshot.resolve("outbox.db-wal"));
            assertThat(Files.readString(folder.resolve(DamagedOutbox.NOTE)))
                    .contains("copied into the new outbox: 300 deliveries waiting, 0 dead letters");
        }
    }

    @Test
    void files_an_operator_moved_into_a_damaged_folder_by_hand_are_copied_at_the_next_start() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
            List<String> waiting = new ArrayList<>();
            fill(file, waiting, "SELECT 1");
            Path folder = Files.createDirectories(file.stateDir().resolve("damaged-manual"));
            Files.move(file.outboxFile(), folder.resolve("outbox.db"));

            try (GenbaAgent agent = GenbaAgent.start(file, new LogBuffer(100), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().containsAll(waiting));
                assertThat(AgentProcesses.post(agent.intakePort(), "AFTER")).isNotNull();
            }
            assertThat(status(file).out()).contains(folder + ": copied into the new outbox: 2500 deliveries waiting");
        }
    }

    private static String queue(AgentDatabase database, AgentFileConfig file, String tag) {
        QueuedScan scan = new ScanIntake(file.clientId(), Clock.systemUTC())
                .fromFields(Map.of("tag_id", tag, "location", "SHELF-03"));
        new OutboxStore(database, 1_000_000).enqueue(List.of(scan), List.of(Destination.PRIMARY), Instant.now());
        return scan.scanId().toString();
    }

    /**
     * Queues 2,500 scans (their ids into {@code waiting}) and a dead letter in a new outbox, and
     * returns the page number {@code pageQuery} finds in it.
     */
    private static long fill(AgentFileConfig file, List<String> waiting, String pageQuery) {
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
                    statement.execute("INSERT INTO dead_letters (destination, scan_id, body, enqueued_at, failed_at,"
                            + " http_status, reason) VALUES ('primary', 'dead-1', '{}', 0, 0, 400, 'refused')");
                }
                return null;
            });
            return database.read(connection -> {
                try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(pageQuery)) {
                    row.next();
                    return row.getLong(1);
                }
            });
        }
    }

    private static List<String> missing(List<String> waiting, List<String> stored) {
        Set<String> have = new HashSet<>(stored);
        return waiting.stream().filter(scanId -> !have.contains(scanId)).toList();
    }

    /** True when {@code missing} is one run of neighbours in {@code waiting} (queue order = page order). */
    private static boolean contiguous(List<String> waiting, List<String> missing) {
        if (missing.isEmpty()) {
            return true;
        }
        int first = waiting.indexOf(missing.get(0));
        return waiting.subList(first, first + missing.size()).equals(missing);
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
