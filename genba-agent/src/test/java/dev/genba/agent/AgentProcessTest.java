package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.cli.AgentCli;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent as its own JVM process, killed with SIGKILL on purpose. */
class AgentProcessTest {
    @TempDir
    Path directory;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Process startAgent(Path config) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), AgentCli.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(config.resolveSibling("agent.log").toFile())
                .start();
    }

    /** The scan id when the agent acknowledged the scan, null when it did not answer 202. */
    private static String post(int port, String tag) {
        try {
            HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/scans").openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setConnectTimeout(1_000);
            connection.setReadTimeout(5_000);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(("{\"payload\": {\"tag_id\": \"" + tag + "\", \"location\": \"SHELF-03\"}}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            if (connection.getResponseCode() != 202) {
                return null;
            }
            try (InputStream in = connection.getInputStream()) {
                return (String) ((Map<?, ?>) Json.parse(in.readAllBytes())).get("scan_id");
            }
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void every_acknowledged_scan_survives_kill_9_and_reaches_the_server_after_restart() throws Exception {
        int port = freePort();
        FakeGenbaServer server = new FakeGenbaServer().forceStatus(503);
        Path config = TestConfig.write(directory, server.url(), port, "");
        AgentFileConfig file = TestConfig.load(config);
        List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        Process agent = startAgent(config);
        ExecutorService scanners = Executors.newFixedThreadPool(4);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> post(port, "WARMUP") != null);
            for (int scanner = 0; scanner < 4; scanner++) {
                int id = scanner;
                scanners.submit(() -> {
                    for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                        String scanId = post(port, "S" + id + "-" + i);
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
            agent = startAgent(config);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.storedScanIds().containsAll(kept));
            assertThat(server.storedScanIds()).containsAll(List.copyOf(acknowledged));
        } finally {
            scanners.shutdownNow();
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            server.close();
        }
    }
}
