package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent promises about the disk, checked in the system calls it makes (strace -f): a 202
 * only after the scan's commit was fsynced, and the server's configuration replaced so that a power
 * cut leaves the old one or the new one. A kill -9 keeps the page cache and cannot tell; a power cut can.
 */
class DurabilityTraceTest {
    private static final Pattern LINE = Pattern.compile("^(\\d+) +(.*)$");
    private static final Pattern WAL_SYNC = Pattern.compile("^f(data)?sync\\(\\d+<[^>]*outbox\\.db-wal>\\)\\s+= 0");
    private static final Pattern WAL_SYNC_STARTED = Pattern.compile("^f(data)?sync\\(\\d+<[^>]*outbox\\.db-wal> <unfinished");
    private static final Pattern SYNC_RESUMED = Pattern.compile("^<\\.\\.\\. f(data)?sync resumed>\\)\\s+= 0");

    @TempDir
    Path directory;

    @Test
    void every_202_is_written_after_the_commit_thread_fsynced_the_outbox() throws Exception {
        assumeTrue(straceWorks(), "strace is not installed or may not trace here (sudo apt-get install strace)");
        int port = AgentProcesses.freePort();
        // a server that is not there: nothing but the intake writes to the outbox with fsync
        Path config = TestConfig.write(directory, "http://127.0.0.1:" + AgentProcesses.freePort(), port, "");
        Path trace = directory.resolve("strace.txt");
        Process strace = AgentProcesses.startWrapped(config, List.of("strace", "-f", "-y", "-qq", "-e",
                "trace=fsync,fdatasync,write", "-e", "signal=none", "-o", trace.toString()));
        int acknowledged = 0;
        String committer;
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
            acknowledged++;
            for (int i = 0; i < 20; i++) {
                assertThat(AgentProcesses.post(port, "TRACED-" + i)).isNotNull();
                acknowledged++;
            }
            committer = threadNamed(strace, "outbox-commit");
        } finally {
            stop(strace);
        }

        List<String> order = events(Files.readAllLines(trace), committer);
        assertThat(order.stream().filter("202"::equals)).hasSize(acknowledged);
        boolean syncedSinceLast202 = false;
        int answers = 0;
        for (String event : order) {
            if (event.equals("fsync")) {
                syncedSinceLast202 = true;
            } else {
                answers++;
                assertThat(syncedSinceLast202).as("202 number %d came before its fsync: %s", answers, order).isTrue();
                syncedSinceLast202 = false;
            }
        }
    }

    @Test
    void the_configuration_from_the_server_is_kept_by_fsync_rename_fsync_of_the_directory() throws Exception {
        assumeTrue(straceWorks(), "strace is not installed or may not trace here (sudo apt-get install strace)");
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            server.agentConfig("\"v7\"", Map.of("config_version", 7L, "mirror_mode", false));
            Path config = TestConfig.write(directory, server.url(), AgentProcesses.freePort(), "");
            Path kept = TestConfig.load(config).serverConfigFile().toAbsolutePath();
            Path trace = directory.resolve("strace.txt");
            Process strace = AgentProcesses.startWrapped(config, List.of("strace", "-f", "-y", "-qq", "-e",
                    "trace=fsync,fdatasync,rename,renameat,renameat2", "-e", "signal=none", "-o", trace.toString()));
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(kept));
            } finally {
                stop(strace);
            }

            String temporary = kept + ".tmp";
            List<String> steps = new ArrayList<>();
            for (String line : Files.readAllLines(trace)) {
                if (line.matches(".*fsync\\(\\d+<" + Pattern.quote(temporary) + ">\\)\\s+= 0.*")) {
                    steps.add("fsync " + temporary);
                } else if (line.matches(".*rename(at2?)?\\(.*\"" + Pattern.quote(temporary) + "\", .*\"" + Pattern.quote(kept.toString())
                        + "\".*= 0.*")) {
                    steps.add("rename");
                } else if (line.matches(".*fsync\\(\\d+<" + Pattern.quote(kept.getParent().toString()) + ">\\)\\s+= 0.*")) {
                    steps.add("fsync directory");
                }
            }
            assertThat(steps).as("a power cut leaves the old configuration or the new one, whole")
                    .containsSequence("fsync " + temporary, "rename", "fsync directory");
        }
    }

    @Test
    void a_commit_whose_fsync_failed_is_answered_may_have_been_stored_and_sent_again_with_its_id_is_kept_once()
            throws Exception {
        assumeTrue(straceWorks(), "strace is not installed or may not trace here (sudo apt-get install strace)");
        int port = AgentProcesses.freePort();
        Path config = TestConfig.write(directory, "http://127.0.0.1:" + AgentProcesses.freePort(), port, "");
        Path outbox = TestConfig.load(config).outboxFile().toAbsolutePath();
        // the outbox made first, so that the start under strace needs no fsync of the WAL
        Process made = AgentProcesses.command(directory.resolve("status.txt"), "status", "--config", config.toString());
        assertThat(made.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // every fsync of the WAL fails, as on an SD card that is failing: SQLite's COMMIT returns SQLITE_IOERR_FSYNC
        Process strace = AgentProcesses.startWrapped(config, List.of("strace", "-f", "-qq", "-P", outbox + "-wal",
                "-e", "trace=fsync,fdatasync", "-e", "inject=fsync,fdatasync:error=EIO", "-e", "signal=none",
                "-o", directory.resolve("strace.txt").toString()));
        AgentProcesses.Answer refused;
        try {
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                    .until(() -> AgentProcesses.send(port, "PROBE").status() == 503);
            refused = AgentProcesses.send(port, "FSYNC-FAILED");
        } finally {
            stop(strace);
        }

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.message()).contains("may have been stored").contains("same scan_id")
                .doesNotContain("NOT accepted");
        assertThat(refused.scanId()).as("the id to send it again with").isNotNull();
        assertThat(Files.readString(directory.resolve("strace.txt"))).contains("(INJECTED)");

        Process agent = AgentProcesses.start(config);
        try {
            String again = "{\"scan_id\": \"" + refused.scanId()
                    + "\", \"payload\": {\"tag_id\": \"FSYNC-FAILED\", \"location\": \"SHELF-03\"}}";
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                    .until(() -> AgentProcesses.sendBody(port, again).status() == 202);
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (AgentDatabase database = AgentDatabase.open(outbox)) {
            long kept = database.read(connection -> {
                try (var query = connection.prepareStatement("SELECT count(*) FROM outbox WHERE scan_id = ?")) {
                    query.setString(1, refused.scanId());
                    try (var rows = query.executeQuery()) {
                        rows.next();
                        return rows.getLong(1);
                    }
                }
            });
            assertThat(kept).as("one delivery of that scan, whether or not the failed commit survived").isEqualTo(1);
        }
    }

    /** Stops the agent, then strace: stopped first, strace would detach and leave the agent running. */
    private static void stop(Process strace) throws InterruptedException {
        strace.descendants().forEach(ProcessHandle::destroy);
        if (!strace.waitFor(30, TimeUnit.SECONDS)) {
            strace.descendants().forEach(ProcessHandle::destroyForcibly);
            strace.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** In trace order: "fsync" when the commit thread's fsync of the WAL returned, "202" when a 202 was written. */
    private static List<String> events(List<String> lines, String committer) {
        List<String> order = new ArrayList<>();
        Set<String> walSyncInFlight = new HashSet<>();
        for (String line : lines) {
            Matcher parts = LINE.matcher(line);
            if (!parts.matches()) {
                continue;
            }
            String thread = parts.group(1);
            String call = parts.group(2);
            if (call.startsWith("write(") && call.contains("\"HTTP/1.1 202 ")) {
                order.add("202");
            } else if (thread.equals(committer) && WAL_SYNC.matcher(call).find()) {
                order.add("fsync");
            } else if (thread.equals(committer) && WAL_SYNC_STARTED.matcher(call).find()) {
                walSyncInFlight.add(thread);
            } else if (walSyncInFlight.remove(thread) && SYNC_RESUMED.matcher(call).find()) {
                order.add("fsync");
            }
        }
        return order;
    }

    /** The thread id of the agent's thread called {@code name} (the JVM is strace's child). */
    private static String threadNamed(Process strace, String name) throws IOException {
        long agent = strace.toHandle().children().findFirst().orElseThrow().pid();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + agent + "/task"))) {
            for (Path task : tasks.toList()) {
                if (read(task.resolve("comm")).strip().equals(name)) {
                    return task.getFileName().toString();
                }
            }
        }
        throw new AssertionError("no thread named " + name + " in process " + agent);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean straceWorks() {
        try {
            Process probe = new ProcessBuilder("strace", "-qq", "-e", "trace=none", "true")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
