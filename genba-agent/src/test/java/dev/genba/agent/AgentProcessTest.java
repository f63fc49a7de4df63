package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent as its own JVM process, killed with SIGKILL on purpose. */
class AgentProcessTest {
    @TempDir
    Path directory;

    @Test
    void every_acknowledged_scan_survives_kill_9_and_reaches_the_server_after_restart() throws Exception {
        int port = AgentProcesses.freePort();
        FakeGenbaServer server = new FakeGenbaServer().forceStatus(503);
        Path config = TestConfig.write(directory, server.url(), port, "");
        AgentFileConfig file = TestConfig.load(config);
        List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        Process agent = AgentProcesses.start(config);
        ExecutorService scanners = Executors.newFixedThreadPool(4);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
            for (int scanner = 0; scanner < 4; scanner++) {
                int id = scanner;
                scanners.submit(() -> {
                    for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                        String scanId = AgentProcesses.post(port, "S" + id + "-" + i);
                        if (scanId == null) {
                            return;
                        }
                        acknowledged.add(scanId);
                    }
                });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 1_000);
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            scanners.shutdownNow();
            scanners.awaitTermination(10, TimeUnit.SECONDS);

            List<String> kept;
            try (AgentDatabase database = AgentDatabase.open(file.outboxFile())) {
                kept = new OutboxStore(database, 1_000_000).pendingScanIds(Destination.PRIMARY);
            }
            assertThat(kept).containsAll(List.copyOf(acknowledged));

            server.forceStatus(0);
            agent = AgentProcesses.start(config);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.storedScanIds().containsAll(kept));
            assertThat(server.storedScanIds()).containsAll(List.copyOf(acknowledged));
        } finally {
            scanners.shutdownNow();
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            server.close();
        }
    }

    @Test
    void the_agent_keeps_its_connection_to_the_server_between_polls() throws Exception {
        // Polls 8 s apart with nothing in between: the JDK alone drops an idle connection after 5 s
        // and opens a new one for every poll, and a fleet's server would set up a connection per request.
        FakeGenbaServer server = new FakeGenbaServer();
        Path config = TestConfig.write(directory, server.url(), AgentProcesses.freePort(),
                "\"config_poll_interval_s\": 8, \"status_interval_s\": 3600, \"log_flush_interval_s\": 3600");
        Process agent = AgentProcesses.start(config);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> configPolls(server).size() >= 3);
            List<String> polls = configPolls(server);
            assertThat(polls.stream().distinct()).as("requests, each with the client port it came from: %s",
                    server.connections()).hasSize(1);
        } finally {
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            server.close();
        }
    }

    private static List<String> configPolls(FakeGenbaServer server) {
        return server.connections().stream().filter(request -> request.startsWith("GET /api/v1/agent/config")).toList();
    }
}
