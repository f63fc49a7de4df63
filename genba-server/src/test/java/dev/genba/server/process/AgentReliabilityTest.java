package dev.genba.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.server.testing.TcpProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3's promise end to end, with real processes and real kills: whatever happens to the
 * agent, the server and the network between them, every scan the agent acknowledged reaches the
 * server, and exactly once.
 */
class AgentReliabilityTest {
    private static final int SCANS = 20_000;
    private static final int SCANNERS = 8;
    private static final int AGENT_KILLS = 10;
    private static final int SERVER_RESTARTS = 3;
    private static final int NETWORK_CUTS = 3;
    private static final long CUT_MS = 3_000;

    // Kept when the test fails: the server's and the agent's output say what happened.
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private Path dataDir;
    private Process server;
    private AgentProcess agent;
    private TcpProxy proxy;
    private ExecutorService scanners;

    @AfterEach
    void stopEverything() throws Exception {
        if (scanners != null) {
            scanners.shutdownNow();
        }
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (proxy != null) {
            proxy.close();
        }
        if (dataDir != null) {
            GenbaProcess.stopLeftoverPostgres(dataDir);
        }
    }

    private enum Mishap { AGENT_KILL, SERVER_RESTART, NETWORK_CUT }

    @Test
    void every_acknowledged_scan_arrives_exactly_once_through_agent_kills_server_restarts_and_network_cuts()
            throws Exception {
        dataDir = dir.resolve("server");
        int port = GenbaProcess.freePort();
        Path serverLog = dir.resolve("server-output.txt");
        server = GenbaProcess.startServer(dataDir, port, serverLog);
        String key = GenbaProcess.addClient(dataDir, "HANDHELD-01");
        proxy = TcpProxy.start(port);
        // A short backoff cap: the agent notices the server is back within a second, not a minute.
        agent = AgentProcess.configure(dir.resolve("agent"), proxy.url(""), "HANDHELD-01", key,
                Map.of("max_backoff_ms", 1_000));
        agent.start();
        agent.awaitAnswering(Duration.ofSeconds(60));

        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Mishap> mishaps = new ArrayList<>();
        mishaps.addAll(Collections.nCopies(AGENT_KILLS, Mishap.AGENT_KILL));
        mishaps.addAll(Collections.nCopies(SERVER_RESTARTS, Mishap.SERVER_RESTART));
        mishaps.addAll(Collections.nCopies(NETWORK_CUTS, Mishap.NETWORK_CUT));
        Collections.shuffle(mishaps, random);
        // Mishap i strikes when a random number of scans (around its share of the run) is acknowledged.
        int share = SCANS / (mishaps.size() + 2);
        int[] strikeAt = new int[mishaps.size()];
        for (int i = 0; i < strikeAt.length; i++) {
            strikeAt[i] = (i + 1) * share + random.nextInt(share / 2);
        }

        UUID[] scanIds = new UUID[SCANS];
        for (int i = 0; i < SCANS; i++) {
            scanIds[i] = UUID.randomUUID();
        }
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicReference<String> refused = new AtomicReference<>();
        AtomicInteger nextScan = new AtomicInteger();
        // Scanners may run only a little ahead of the next mishap, so each one strikes while scans flow.
        AtomicInteger gate = new AtomicInteger(strikeAt[0] + share / 2);
        scanners = Executors.newFixedThreadPool(SCANNERS);
        for (int scanner = 0; scanner < SCANNERS; scanner++) {
            scanners.submit(() -> {
                while (!Thread.currentThread().isInterrupted() && nextScan.get() < SCANS) {
                    if (nextScan.get() >= gate.get()) {
                        GenbaProcess.sleep(10);
                        continue;
                    }
                    int index = nextScan.getAndIncrement();
                    if (index >= SCANS) {
                        return;
                    }
                    int status = agent.handOver(scanIds[index], "REL-" + index, "SHELF-" + index % 50,
                            Duration.ofMinutes(3));
                    if (status == 202) {
                        acknowledged.add(scanIds[index]);
                    } else {
                        refused.compareAndSet(null, "the intake answered " + status + " for scan " + scanIds[index]);
                    }
                }
            });
        }

        int comebacks = 0;
        for (int i = 0; i < mishaps.size(); i++) {
            int threshold = strikeAt[i];
            await().atMost(Duration.ofMinutes(2)).until(() -> acknowledged.size() >= threshold || refused.get() != null);
            assertThat(refused.get()).as("seed %d", seed).isNull();
            System.out.printf("%s: %s at %d acknowledged%n", AgentReliabilityTest.class.getSimpleName(),
                    mishaps.get(i), acknowledged.size());
            switch (mishaps.get(i)) {
                case AGENT_KILL -> {
                    agent.kill();
                    agent.start();
                    agent.awaitAnswering(Duration.ofSeconds(60));
                    comebacks++;
                }
                case SERVER_RESTART -> {
                    server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    server = GenbaProcess.startServer(dataDir, port, serverLog);
                }
                case NETWORK_CUT -> {
                    proxy.cut();
                    GenbaProcess.sleep(CUT_MS);
                    proxy.restore();
                }
            }
            gate.set(i + 1 < mishaps.size() ? strikeAt[i + 1] + share / 2 : SCANS);
        }
        scanners.shutdown();
        assertThat(scanners.awaitTermination(3, TimeUnit.MINUTES))
                .as("scanners finished; %d acknowledged", acknowledged.size())
                .isTrue();
        assertThat(refused.get()).as("seed %d", seed).isNull();
        assertThat(acknowledged).as("seed %d", seed).hasSize(SCANS);
        assertThat(comebacks).isEqualTo(AGENT_KILLS);
        assertThat(agent.starts()).isEqualTo(AGENT_KILLS + 1);

        try (Connection database = GenbaProcess.embeddedDatabase(dataDir)) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> stored(database, acknowledged)[0] >= acknowledged.size());
            long[] counts = stored(database, acknowledged);
            assertThat(counts[0]).as("rows for acknowledged scans (seed %d)", seed).isEqualTo(SCANS);
            assertThat(counts[1]).as("distinct acknowledged scans (seed %d)", seed).isEqualTo(SCANS);
        }
        assertThat(agent.output()).as("the server really was away while scans waited for it")
                .contains("primary delivery failed");
        assertThat(agent.alive()).as(agent.output()).isTrue();
        assertThat(agent.answers()).isTrue();
    }

    private static long[] stored(Connection database, Set<UUID> scanIds) throws Exception {
        try (PreparedStatement count = database.prepareStatement(
                "select count(*), count(distinct scan_id) from scans where scan_id = any(?)")) {
            count.setArray(1, database.createArrayOf("uuid", scanIds.toArray()));
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return new long[] {row.getLong(1), row.getLong(2)};
            }
        }
    }
}
