package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.logs.LogBuffer;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole agent in this JVM against two stand-in servers. */
class GenbaAgentTest {
    @TempDir
    Path directory;

    private static String post(int port, String tag) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/scans").openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = connection.getOutputStream()) {
            out.write(("{\"payload\": {\"tag_id\": \"" + tag + "\", \"location\": \"L\"}}").getBytes(StandardCharsets.UTF_8));
        }
        assertThat(connection.getResponseCode()).isEqualTo(202);
        try (InputStream in = connection.getInputStream()) {
            return (String) ((Map<?, ?>) Json.parse(in.readAllBytes())).get("scan_id");
        }
    }

    @Test
    void takes_scans_applies_the_servers_mirror_config_and_reports_status_and_logs() throws Exception {
        try (FakeGenbaServer genba = new FakeGenbaServer(); FakeGenbaServer windowA = new FakeGenbaServer()) {
            genba.agentConfig("\"v3\"", Map.of("config_version", 3L, "mirror_mode", true,
                    "mirror_endpoint", windowA.scansEndpoint()));
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, genba.url(), ""));
            LogBuffer logs = new LogBuffer(100);
            logs.add(new LogBatch.Entry("error", "scanner app crashed", Map.of(), Instant.now(), null));

            try (GenbaAgent agent = GenbaAgent.start(file, logs, Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> genba.configIfNoneMatch().size() >= 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> file.serverConfigFile().toFile().exists());
                String scanId = post(agent.intakePort(), "TAG-1");

                await().atMost(Duration.ofSeconds(10)).until(() -> genba.storedScanIds().contains(scanId)
                        && windowA.storedScanIds().contains(scanId));
                await().atMost(Duration.ofSeconds(20)).until(() -> !genba.statusReports().isEmpty());
                await().atMost(Duration.ofSeconds(10)).until(() -> !genba.logLines().isEmpty());
            }

            assertThat(genba.statusReports().get(0).configVersion()).isEqualTo(3);
            assertThat(genba.logLines().get(0).message()).isEqualTo("scanner app crashed");
        }
    }

    @Test
    void a_shorter_interval_from_the_server_applies_at_once_not_after_the_longer_wait_already_begun() throws Exception {
        try (FakeGenbaServer genba = new FakeGenbaServer()) {
            genba.agentConfig("\"v1\"", Map.of("config_version", 1L, "log_flush_interval_s", 3600L,
                    "config_poll_interval_s", 5L));
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, genba.url(), ""));
            LogBuffer logs = new LogBuffer(100);
            logs.add(new LogBatch.Entry("error", "scanner app crashed", Map.of(), Instant.now(), null));

            try (GenbaAgent agent = GenbaAgent.start(file, logs, Clock.systemUTC())) {
                // the first flush, a second after the start, under version 1: the next one is an hour away
                await().atMost(Duration.ofSeconds(10)).until(() -> !genba.logLines().isEmpty());
                genba.agentConfig("\"v2\"", Map.of("config_version", 2L, "log_flush_interval_s", 1L,
                        "config_poll_interval_s", 5L));
                logs.add(new LogBatch.Entry("error", "scanner app crashed again", Map.of(), Instant.now(), null));

                // the poll 5 s after the first one applies version 2; the line goes within a second of it
                await().atMost(Duration.ofSeconds(15)).until(() -> genba.logLines().size() == 2);
            }
        }
    }

    @Test
    void a_clean_stop_ships_the_log_lines_still_waiting() throws Exception {
        try (FakeGenbaServer genba = new FakeGenbaServer()) {
            // no periodic flush after the first one: only the stop can ship the second line
            AgentFileConfig file = TestConfig.load(TestConfig.write(directory, genba.url(),
                    "\"log_flush_interval_s\": 3600"));
            LogBuffer logs = new LogBuffer(100);
            logs.add(new LogBatch.Entry("error", "scanner app crashed", Map.of(), Instant.now(), null));

            try (GenbaAgent agent = GenbaAgent.start(file, logs, Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !genba.logLines().isEmpty());
                logs.add(new LogBatch.Entry("warn", "stopping with the scanner still offline", Map.of(), Instant.now(),
                        null));
            }

            assertThat(genba.logLines()).extracting(LogBatch.Entry::message)
                    .containsExactly("scanner app crashed", "stopping with the scanner still offline");
        }
    }
}
