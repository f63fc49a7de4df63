package dev.genba.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.logs.LogBuffer;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.SkewedClockServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigPollerTest {
    private static final String VERSION_7 = """
            {"config_version": 7, "primary_endpoint": null, "mirror_endpoint": "http://window-b.local:8501/api/v1/scans",
             "mirror_mode": true, "timeout_ms": 2000, "retry": {"max_attempts": 4, "backoff_ms": 100},
             "status_interval_s": 30, "config_poll_interval_s": 15, "log_flush_interval_s": 5}
            """;

    @TempDir
    Path directory;

    private FakeGenbaServer server;
    private AgentFileConfig file;

    @BeforeEach
    void start() throws Exception {
        server = new FakeGenbaServer();
        file = TestConfig.load(TestConfig.write(directory, server.url(),
                "\"primary_endpoint\": \"http://window-a.local:8501/api/v1/scans\""));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> wire(String json) {
        return (Map<String, Object>) Json.parse(json);
    }

    private ConfigPoller poller(LiveSettings settings) {
        return new ConfigPoller(settings, new ConfigStore(file.serverConfigFile()), new AgentHttp("test-key-0001", "test"),
                new ServerContact(Clock.systemUTC()));
    }

    @Test
    void a_pi_clock_a_day_behind_the_server_s_is_logged_for_the_fleet_page_once_and_again_after_it_was_set()
            throws Exception {
        LogBuffer shipped = new LogBuffer(100);
        AgentLog.toConsoleAndShipping(shipped);
        ServerContact contact = new ServerContact(Clock.systemUTC());
        try (SkewedClockServer behind = new SkewedClockServer(Duration.ofHours(26))) {
            AgentFileConfig skewed = TestConfig.load(TestConfig.write(Files.createDirectories(directory.resolve("skewed")), behind.url(), ""));
            ConfigPoller toSkewed = new ConfigPoller(new LiveSettings(skewed, Optional.empty()),
                    new ConfigStore(skewed.serverConfigFile()), new AgentHttp("test-key-0001", "test"), contact);
            ConfigPoller toAgreeing = new ConfigPoller(new LiveSettings(file, Optional.empty()),
                    new ConfigStore(file.serverConfigFile()), new AgentHttp("test-key-0001", "test"), contact);
            String warning = "this Pi's clock is 26 h 0 min behind the server's: scans stamped here get this wrong time"
                    + " as scanned_at, and a part they move may stay at its old place; set the clock (RUNBOOK 11.1 step 8)";

            assertThat(toSkewed.poll()).isEqualTo(ConfigPoller.Result.UNCHANGED);
            assertThat(toSkewed.poll()).isEqualTo(ConfigPoller.Result.UNCHANGED);
            assertThat(messages(shipped)).as("once, not at every poll").containsExactly(warning);

            toAgreeing.poll(); // the clock agrees: logged as INFO, which is printed and not shipped
            toSkewed.poll();
            assertThat(messages(shipped)).as("wrong again after it agreed").containsExactly(warning, warning);
        } finally {
            AgentLog.errorsOnly();
        }
    }

    private static List<String> messages(LogBuffer shipped) {
        return shipped.take(100).entries().stream().map(entry -> entry.message())
                .filter(message -> message.contains("clock")).toList();
    }

    @Test
    void applies_a_new_configuration_live_and_then_asks_with_if_none_match() {
        server.agentConfig("\"v7\"", wire(VERSION_7));
        LiveSettings settings = new LiveSettings(file, new ConfigStore(file.serverConfigFile()).load());
        AtomicInteger changes = new AtomicInteger();
        settings.onChange(changes::incrementAndGet);
        assertThat(settings.current().mirrorMode()).isFalse();

        assertThat(poller(settings).poll()).isEqualTo(ConfigPoller.Result.CHANGED);
        assertThat(poller(settings).poll()).isEqualTo(ConfigPoller.Result.UNCHANGED);

        AgentSettings current = settings.current();
        assertThat(changes).hasValue(1);
        assertThat(current.configVersion()).isEqualTo(7);
        assertThat(current.mirrorMode()).isTrue();
        assertThat(current.primaryEndpoint()).isEqualTo(server.url() + "/api/v1/scans");
        assertThat(current.mirrorEndpoint()).isEqualTo("http://window-b.local:8501/api/v1/scans");
        assertThat(current.maxAttempts()).isEqualTo(4);
        assertThat(current.configPollIntervalS()).isEqualTo(15);
        assertThat(server.configIfNoneMatch()).containsExactly("null", "\"v7\"");
    }

    @Test
    void keys_the_server_does_not_send_keep_the_file_values() {
        server.agentConfig("\"v2\"", wire("{\"config_version\": 2, \"mirror_mode\": true}"));
        LiveSettings settings = new LiveSettings(file, Optional.empty());

        poller(settings).poll();

        assertThat(settings.current().mirrorMode()).isTrue();
        assertThat(settings.current().primaryEndpoint()).isEqualTo("http://window-a.local:8501/api/v1/scans");
    }

    @Test
    void starts_from_the_saved_configuration_when_the_server_is_away() throws Exception {
        server.agentConfig("\"v7\"", wire(VERSION_7));
        poller(new LiveSettings(file, Optional.empty())).poll();
        server.close();

        LiveSettings restarted = new LiveSettings(file, new ConfigStore(file.serverConfigFile()).load());
        ConfigPoller.Result result = poller(restarted).poll();

        assertThat(result).isEqualTo(ConfigPoller.Result.FAILED);
        assertThat(restarted.current().configVersion()).isEqualTo(7);
        assertThat(restarted.current().mirrorMode()).isTrue();
        assertThat(Files.readString(file.serverConfigFile())).contains("\"etag\":\"\\\"v7\\\"\"");
        assertThat(file.serverConfigFile().resolveSibling("config.json.tmp")).doesNotExist();
    }

    @Test
    void a_configuration_that_cannot_be_saved_is_applied_and_saved_at_a_later_poll() throws Exception {
        server.agentConfig("\"v7\"", wire(VERSION_7));
        LiveSettings settings = new LiveSettings(file, Optional.empty());
        // stands in for a full disk: the file cannot be replaced while a folder with something in it has its name
        Path blocker = Files.createDirectories(file.serverConfigFile()).resolve("in-the-way");
        Files.writeString(blocker, "x");

        assertThat(poller(settings).poll()).isEqualTo(ConfigPoller.Result.CHANGED);
        assertThat(settings.current().mirrorMode()).as("applied although not saved").isTrue();
        assertThat(settings.current().configVersion()).isEqualTo(7);
        poller(settings).poll();
        Files.delete(blocker);
        Files.delete(file.serverConfigFile());
        poller(settings).poll();
        poller(settings).poll();

        assertThat(server.configIfNoneMatch()).as("asked again in full until saved").containsExactly(
                "null", "null", "null", "\"v7\"");
        assertThat(new ConfigStore(file.serverConfigFile()).load()).get()
                .satisfies(saved -> assertThat(saved.version()).isEqualTo(7));
    }

    @Test
    void an_invalid_configuration_is_ignored_and_the_previous_one_kept() {
        server.agentConfig("\"bad\"", wire("{\"config_version\": 9, \"timeout_ms\": 1}"));
        LiveSettings settings = new LiveSettings(file, Optional.empty());

        assertThat(poller(settings).poll()).isEqualTo(ConfigPoller.Result.FAILED);

        assertThat(settings.current().configVersion()).isZero();
        assertThat(file.serverConfigFile()).doesNotExist();
    }

    @Test
    void an_answer_far_larger_than_any_configuration_is_refused_before_it_fills_the_heap() {
        // 1 MiB of these would take ~20 MB of the unit's 24 MB heap once parsed
        List<Map<String, Object>> padding = java.util.Collections.nCopies(30_000, Map.of());
        server.agentConfig("\"big\"", Map.of("config_version", 9, "padding", padding));
        LiveSettings settings = new LiveSettings(file, Optional.empty());

        assertThat(poller(settings).poll()).isEqualTo(ConfigPoller.Result.FAILED);

        assertThat(settings.current().configVersion()).isZero();
        assertThat(file.serverConfigFile()).doesNotExist();
    }

    @Test
    void a_json_answer_without_config_version_is_no_configuration_and_the_previous_one_is_kept() throws Exception {
        server.agentConfig("\"v7\"", wire(VERSION_7));
        LiveSettings settings = new LiveSettings(file, Optional.empty());
        poller(settings).poll();
        // what a proxy or another program answering every URL with 200 and JSON would send
        server.agentConfig("\"other\"", wire("{\"status\": \"ok\"}"));

        assertThat(poller(settings).poll()).isEqualTo(ConfigPoller.Result.FAILED);

        assertThat(settings.current().configVersion()).isEqualTo(7);
        assertThat(settings.current().mirrorMode()).as("the mirror stays on").isTrue();
        assertThat(new ConfigStore(file.serverConfigFile()).load()).get()
                .satisfies(saved -> assertThat(saved.version()).isEqualTo(7));
    }
}
