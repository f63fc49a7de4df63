package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The intake of the agent as its own JVM with the unit's 24 MB heap, under large batches at once. */
class IntakeMemoryTest {
    @TempDir
    Path directory;

    @Test
    void sixteen_apps_sending_1000_scan_batches_of_1_mb_at_once_are_all_accepted_within_the_24_mb_heap()
            throws Exception {
        // each body is within the limits (1000 scans, under 1 MiB); 8 at once took the heap to OutOfMemoryError
        int port = AgentProcesses.freePort();
        int connections = 16;
        FakeGenbaServer server = new FakeGenbaServer().forceStatus(503);
        Path config = TestConfig.write(directory, server.url(), port, "\"outbox_max_rows\": 1000000");
        Process agent = AgentProcesses.start(config, "-Xms4m", "-Xmn2m", "-XX:+ExitOnOutOfMemoryError");
        ExecutorService apps = Executors.newFixedThreadPool(connections);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
            String note = "x".repeat(900);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int app = c;
                answers.add(apps.submit(() -> {
                    StringBuilder body = new StringBuilder("{\"scans\": [");
                    for (int i = 0; i < 1000; i++) {
                        body.append(i == 0 ? "" : ",").append("{\"payload\": {\"tag_id\": \"T").append(app).append('-')
                                .append(i).append("\", \"location\": \"L\", \"note\": \"").append(note).append("\"}}");
                    }
                    try {
                        return AgentProcesses.sendBody(port, body.append("]}").toString()).status();
                    } catch (Exception e) {
                        return -1;
                    }
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get(120, TimeUnit.SECONDS));
            }
            Thread.sleep(500);
            String log = Files.readString(config.resolveSibling("agent.log"));
            assertThat(agent.isAlive()).as("statuses %s, log: %s", statuses, log).isTrue();
            assertThat(statuses).as(log).containsOnly(202);
        } finally {
            apps.shutdownNow();
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            server.close();
        }
    }
}
