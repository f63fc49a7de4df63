package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.cli.AgentCli;
import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.AgentProcesses.Answer;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's state directory on a real, small filesystem that fills up: a tmpfs mounted in the
 * agent's own mount namespace ({@code unshare}), filled from outside through /proc/PID/root, as
 * journal files or a copied log would fill a Pi's SD card.
 */
class DiskFullTest {
    private static final String SPACE_PROBLEM = "is full or failing; free space there";

    @TempDir
    Path directory;

    @BeforeAll
    static void aFilesystemCanBeMountedForTheAgent() throws Exception {
        Process probe = new ProcessBuilder("sh", "-c",
                "command -v nsenter >/dev/null && unshare --user --map-root-user --mount true")
                .redirectErrorStream(true).start();
        String said = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "this machine does not let a test mount a small filesystem (unshare and nsenter: " + said.strip() + ")");
    }

    @Test
    void a_full_disk_refuses_new_scans_with_503_and_loses_none_it_acknowledged() throws Exception {
        int port = AgentProcesses.freePort();
        FakeGenbaServer server = new FakeGenbaServer().forceStatus(503);
        Path config = TestConfig.write(directory, server.url(), port, "\"status_interval_s\": 10");
        Path state = directory.resolve("state");
        Files.createDirectories(state);
        Process agent = startOnTmpfs(config, state, "16m");
        List<String> acknowledged = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
            for (int i = 0; i < 200; i++) {
                acknowledged.add(accepted(AgentProcesses.send(port, "BEFORE-" + i)));
            }

            // Something else fills the disk, and the server is away meanwhile.
            Path ballast = Path.of("/proc/" + agent.pid() + "/root" + state.toAbsolutePath() + "/ballast");
            fill(ballast);
            Answer refused = null;
            for (int i = 0; i < 20_000 && refused == null; i++) {
                Answer answer = AgentProcesses.send(port, "FULL-" + i);
                if (answer.status() == 202) {
                    acknowledged.add(answer.scanId());
                } else {
                    refused = answer;
                }
            }
            assertThat(refused).as("some scan is refused once the disk is full").isNotNull();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.message()).contains(SPACE_PROBLEM).contains("NOT accepted");
            // `genba-agent scan` too (a small write may still fit where the last one did not)
            Run scan = cli(agent, config, "scan", "--tag", "CLI-0", "--location", "SHELF-03");
            for (int i = 1; i < 20 && scan.exitCode() == 0; i++) {
                acknowledged.add(scan.out().strip().split(" ")[2]);
                scan = cli(agent, config, "scan", "--tag", "CLI-" + i, "--location", "SHELF-03");
            }
            assertThat(scan.exitCode()).as(scan.out()).isEqualTo(1);
            assertThat(scan.err()).contains(SPACE_PROBLEM).contains("this scan was NOT queued");
            Matcher sameId = Pattern.compile("run the command again with --scan-id ([0-9a-f-]{36})").matcher(scan.err());
            assertThat(sameId.find()).as(scan.err()).isTrue();
            String refusedCliScan = sameId.group(1);
            for (int i = 0; i < 20; i++) {
                Answer again = AgentProcesses.send(port, "STILL-FULL-" + i);
                assertThat(again.status()).as("while the disk stays full, each scan gets a clear 503").isEqualTo(503);
                assertThat(again.message()).contains(SPACE_PROBLEM);
            }

            Run status = cli(agent, config, "status");
            assertThat(status.out()).contains("intake:   probably REFUSING new scans (503): the disk holding");
            assertThat(status.exitCode()).isEqualTo(1);

            // The server comes back while the disk is still full: delivered scans cannot be settled yet.
            Instant serverBack = Instant.now();
            server.forceStatus(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().containsAll(acknowledged));
            await("status reports go on, so the fleet page shows this device").atMost(Duration.ofSeconds(30))
                    .until(() -> server.statusReports().stream().anyMatch(report -> report.sampledAt().isAfter(serverBack)));
            assertThat(agent.isAlive()).as("the agent keeps running through a full disk").isTrue();
            assertThat(pendingDeliveries(agent, config)).as("delivered, but kept until the disk takes the deletes")
                    .isPositive();

            // The operator frees space: new scans are taken again and the outbox empties.
            Files.delete(ballast);
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.send(port, "AFTER-0").status() == 202);
            for (int i = 1; i < 100; i++) {
                acknowledged.add(accepted(AgentProcesses.send(port, "AFTER-" + i)));
            }
            Run retried = cli(agent, config, "scan", "--tag", "CLI-RETRY", "--location", "SHELF-03", "--scan-id", refusedCliScan);
            assertThat(retried.out()).as("run again as the message said").startsWith("queued scan " + refusedCliScan);
            acknowledged.add(refusedCliScan);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.storedScanIds().containsAll(acknowledged));
            await().atMost(Duration.ofSeconds(60)).until(() -> pendingDeliveries(agent, config) == 0);
            assertThat(agent.isAlive()).isTrue();
            assertThat(server.storedScanIds()).containsAll(acknowledged);
            // Logged once per episode, not at every refused scan or retry: a new problem line only after a recovery line.
            String log = Files.readString(directory.resolve("agent.log"));
            long refusing = count(log, "ERROR GroupCommitter: could not write");
            assertThat(refusing).isPositive()
                    .isEqualTo(count(log, "INFO GroupCommitter: the outbox takes scans again, after refusing"));
            long deliveryProblems = count(log, "ERROR DeliveryWorker: primary delivery: the disk");
            assertThat(deliveryProblems).isPositive()
                    .isEqualTo(count(log, "INFO DeliveryWorker: primary delivery: the outbox can be written again"));
            assertThat(log).contains("WARN StatusReporter: status report sent without keeping it");
            assertThat(log).as("the messages say it all: no stack trace for a full disk").doesNotContain("\tat ");
        } finally {
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            server.close();
            // kept for reading after a failure: the temporary directory goes with the test
            Files.copy(directory.resolve("agent.log"), Path.of("target/disk-full-agent.log"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void an_agent_stopped_while_the_disk_is_full_starts_again_and_delivers_the_scans_it_acknowledged() throws Exception {
        int port = AgentProcesses.freePort();
        FakeGenbaServer server = new FakeGenbaServer().forceStatus(503);
        Path config = TestConfig.write(directory, server.url(), port, "\"status_interval_s\": 10");
        Path state = directory.resolve("state");
        Files.createDirectories(state);
        // the small filesystem outlives the agent's processes, as a Pi's SD card does
        Process filesystem = tmpfsHeldFor(state, "16m");
        Process agent = startIn(filesystem, config);
        List<String> acknowledged = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
            for (int i = 0; i < 50; i++) {
                acknowledged.add(accepted(AgentProcesses.send(port, "BEFORE-" + i)));
            }
            // A clean stop (systemctl restart, a reboot) closes the outbox: SQLite removes its -wal and -shm.
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Path ballast = Path.of("/proc/" + filesystem.pid() + "/root" + state.toAbsolutePath() + "/ballast");
            fill(ballast);

            server.forceStatus(0);
            agent = startIn(filesystem, config);
            await("the scans acknowledged before the stop are delivered while the disk stays full")
                    .atMost(Duration.ofSeconds(60)).until(() -> server.storedScanIds().containsAll(acknowledged));
            assertThat(agent.isAlive()).as("the agent runs on a full disk rather than failing at every start").isTrue();
            // the room it made to open the outbox takes a few scans, then the intake refuses again
            Answer refused = null;
            for (int i = 0; i < 20_000 && refused == null; i++) {
                Answer answer = AgentProcesses.send(port, "FULL-" + i);
                if (answer.status() == 202) {
                    acknowledged.add(answer.scanId());
                } else {
                    refused = answer;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.message()).contains(SPACE_PROBLEM);

            Files.delete(ballast);
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.send(port, "AFTER").status() == 202);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.storedScanIds().containsAll(acknowledged));
        } finally {
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            filesystem.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            server.close();
            Files.copy(directory.resolve("agent.log"), Path.of("target/disk-full-restart-agent.log"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A tmpfs of {@code size} mounted on {@code state} in a mount namespace of its own, kept until the process ends. */
    private static Process tmpfsHeldFor(Path state, String size) throws Exception {
        Process holder = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "mount -t tmpfs -o size=" + size + " tmpfs \"$0\" && echo mounted && exec sleep 600",
                state.toAbsolutePath().toString()).redirectErrorStream(true).start();
        String said = new String(holder.getInputStream().readNBytes("mounted".length()), StandardCharsets.UTF_8);
        assertThat(said).isEqualTo("mounted");
        return holder;
    }

    /** {@code genba-agent run} in the mount namespace of {@code filesystem}. */
    private static Process startIn(Process filesystem, Path config) throws IOException {
        return AgentProcesses.startWrapped(config, List.of("nsenter", "--target", String.valueOf(filesystem.pid()),
                "--user", "--mount", "--preserve-credentials"));
    }

    /** {@code genba-agent run} with {@code state} on a tmpfs of {@code size} that only the agent sees. */
    private static Process startOnTmpfs(Path config, Path state, String size) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "mount -t tmpfs -o size=" + size + " tmpfs \"$0\" && exec \"$@\"", state.toAbsolutePath().toString(),
                java, "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), AgentCli.class.getName(), "run", "--config", config.toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.log").toFile()))
                .start();
    }

    /** Writes to {@code ballast} until the filesystem has no space left. */
    private static void fill(Path ballast) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(ballast)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    /**
     * A {@code genba-agent} command as its own process in the agent's mount namespace, where the
     * state directory is the small filesystem. (Not through /proc/PID/root: SQLite resolves that
     * link to "/" and would open the empty directory underneath.)
     */
    private static Run cli(Process agent, Path config, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("nsenter", "--target", String.valueOf(agent.pid()), "--user",
                "--mount", "--preserve-credentials", ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), AgentCli.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("--config", config.toString()));
        Process process = new ProcessBuilder(command).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out, new String(err.get(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code genba-agent status --json} counts as waiting. */
    private static long pendingDeliveries(Process agent, Path config) throws Exception {
        Map<?, ?> json = (Map<?, ?>) Json.parse(cli(agent, config, "status", "--json").out());
        long pending = 0;
        for (Object destination : ((Map<?, ?>) json.get("destinations")).values()) {
            pending += ((Number) ((Map<?, ?>) destination).get("pending")).longValue();
        }
        return pending;
    }

    private static long count(String log, String start) {
        return log.lines().filter(line -> line.startsWith(start)).count();
    }

    private static String accepted(Answer answer) {
        assertThat(answer.status()).as("answer %s", answer.message()).isEqualTo(202);
        return answer.scanId();
    }
}
