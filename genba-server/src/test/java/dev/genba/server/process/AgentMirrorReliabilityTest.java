package dev.genba.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.server.testing.TcpProxy;
import dev.genba.server.testing.WindowAStandIn;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
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
 * The migration under trouble: an agent in mirror mode sends every scan to the old server
 * (a Window A stand-in on its own database, the primary) and to Genba (its own JVM, the mirror).
 * Each side is away for a while during the scans; both still end with exactly the same scans.
 */
class AgentMirrorReliabilityTest {
    private static final int SCANS = 1_500;
    private static final int SCANNERS = 4;
    /** Scans flow at a few hundred a second, so each outage lasts while scans keep coming. */
    private static final long PAUSE_BETWEEN_SCANS_MS = 40;
    /** One row per scan, the same text on both sides when both hold the same part location. */
    private static final String ROWS = """
            select tag_id || '|' || order_id || '|' || location || '|' || coalesce(station, '') || '|'
                   || coalesce(lot, '') || '|' || (extract(epoch from scanned_at) * 1000)::bigint
            from part_locations where tag_id like 'MIR-%'""";

    // Kept when the test fails: the server's and the agent's output say what happened.
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private Path dataDir;
    private Process genba;
    private AgentProcess agent;
    private WindowAStandIn windowA;
    private TcpProxy windowAPath;
    private ExecutorService scanners;

    @AfterEach
    void stopEverything() throws Exception {
        if (scanners != null) {
            scanners.shutdownNow();
        }
        if (agent != null) {
            agent.close();
        }
        if (genba != null) {
            genba.destroy();
            if (!genba.waitFor(60, TimeUnit.SECONDS)) {
                genba.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (windowAPath != null) {
            windowAPath.close();
        }
        if (windowA != null) {
            windowA.close();
        }
        if (dataDir != null) {
            GenbaProcess.stopLeftoverPostgres(dataDir);
        }
    }

    @Test
    void in_mirror_mode_both_servers_end_with_the_same_scans_when_one_was_down() throws Exception {
        dataDir = dir.resolve("genba");
        int port = GenbaProcess.freePort();
        Path genbaLog = dir.resolve("genba-output.txt");
        genba = GenbaProcess.startServer(dataDir, port, genbaLog);
        windowA = WindowAStandIn.start();
        // Window A is reached through a path the test can cut: for the agent, the old server is gone.
        windowAPath = TcpProxy.start(URI.create(windowA.scanUrl()).getPort());

        String key = GenbaProcess.addClient(dataDir, "HANDHELD-01");
        GenbaProcess.setAgentConfig(dataDir, "primary_endpoint", windowAPath.url("/api/v1/scans"));
        GenbaProcess.setAgentConfig(dataDir, "mirror_endpoint", "http://127.0.0.1:" + port + "/api/v1/scans");
        GenbaProcess.setAgentConfig(dataDir, "mirror_mode", "true");
        agent = AgentProcess.configure(dir.resolve("agent"), "http://127.0.0.1:" + port, "HANDHELD-01", key,
                Map.of("max_backoff_ms", 1_000));
        agent.start();
        agent.awaitAnswering(Duration.ofSeconds(60));
        Path received = agent.stateDir().resolve("config.json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(received)
                && Files.readString(received).contains("\"mirror_mode\":true"));

        Set<String> acknowledgedTags = ConcurrentHashMap.newKeySet();
        AtomicReference<String> refused = new AtomicReference<>();
        AtomicInteger nextScan = new AtomicInteger();
        scanners = Executors.newFixedThreadPool(SCANNERS);
        for (int scanner = 0; scanner < SCANNERS; scanner++) {
            scanners.submit(() -> {
                for (int index = nextScan.getAndIncrement(); index < SCANS && refused.get() == null;
                     index = nextScan.getAndIncrement()) {
                    String tag = "MIR-" + index;
                    int status = agent.handOver(UUID.randomUUID(), tag, "SHELF-" + index % 17, Duration.ofMinutes(2));
                    if (status == 202) {
                        acknowledgedTags.add(tag);
                    } else {
                        refused.compareAndSet(null, "the intake answered " + status + " for " + tag);
                    }
                    GenbaProcess.sleep(PAUSE_BETWEEN_SCANS_MS);
                }
            });
        }

        // Window A (the primary) is away while scans 300 to 800 are taken.
        await().atMost(Duration.ofMinutes(1)).until(() -> acknowledgedTags.size() >= 300);
        windowAPath.cut();
        await().atMost(Duration.ofMinutes(1)).until(() -> acknowledgedTags.size() >= 800);
        // Restored only once the agent has met the cut path: on a busy machine 500 scans can be
        // taken before the primary's delivery thread tries again.
        await().atMost(Duration.ofMinutes(1)).until(() -> agent.output().contains("primary delivery failed"));
        windowAPath.restore();
        // Genba (the mirror) dies with kill -9 and comes back while the last scans are taken.
        await().atMost(Duration.ofMinutes(1)).until(() -> acknowledgedTags.size() >= 1_000);
        genba.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        genba = GenbaProcess.startServer(dataDir, port, genbaLog);

        scanners.shutdown();
        assertThat(scanners.awaitTermination(3, TimeUnit.MINUTES)).as("scanners finished").isTrue();
        assertThat(refused.get()).isNull();
        assertThat(acknowledgedTags).hasSize(SCANS);

        assertThat(agent.output()).as("each side really was away while scans waited for it")
                .contains("primary delivery failed").contains("mirror delivery failed");
        try (Connection genbaDatabase = GenbaProcess.embeddedDatabase(dataDir)) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    rows(genbaDatabase).size() >= SCANS && windowARows().size() >= SCANS);
            Set<String> genbaRows = rows(genbaDatabase);
            assertThat(genbaRows).hasSize(SCANS);
            assertThat(windowARows()).isEqualTo(genbaRows);
            assertThat(tags(genbaRows)).isEqualTo(acknowledgedTags);
            try (Statement statement = genbaDatabase.createStatement();
                 ResultSet count = statement.executeQuery("select count(*) from scans where tag_id like 'MIR-%'")) {
                count.next();
                assertThat(count.getLong(1)).as("scans stored by Genba").isEqualTo(SCANS);
            }
        }
    }

    private Set<String> windowARows() {
        return windowA.jdbi().withHandle(handle -> new HashSet<>(handle.createQuery(ROWS).mapTo(String.class).list()));
    }

    private static Set<String> rows(Connection database) throws Exception {
        Set<String> rows = new HashSet<>();
        try (Statement statement = database.createStatement(); ResultSet result = statement.executeQuery(ROWS)) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        return rows;
    }

    private static Set<String> tags(Set<String> rows) {
        Set<String> tags = new HashSet<>();
        rows.forEach(row -> tags.add(row.substring(0, row.indexOf('|'))));
        return tags;
    }
}
