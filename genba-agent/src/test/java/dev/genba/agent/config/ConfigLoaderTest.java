package dev.genba.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path directory;

    private Path write(String json) throws IOException {
        Path file = directory.resolve("agent.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void accepts_the_seed_example_verbatim_plus_the_agent_keys() throws IOException {
        Path file = write("""
                {
                  "server_url": "http://raspi-server.local:8501/",
                  "client_id": "HANDHELD-01",
                  "client_key": "k-123",
                  "journal_units": ["scanner-app.service"],
                  "primary_endpoint": "http://window-a.local:8501/api/v1/scans",
                  "mirror_endpoint": "http://raspi-server.local:8501/api/v1/scans",
                  "mirror_mode": true,
                  "timeout_ms": 3000,
                  "retry": {
                    "max_attempts": 3,
                    "backoff_ms": 500
                  }
                }
                """);

        ConfigLoader.Loaded loaded = new ConfigLoader(Map.of()).load(file);

        AgentFileConfig config = loaded.config();
        assertThat(loaded.warnings()).isEmpty();
        assertThat(config.serverUrl()).isEqualTo("http://raspi-server.local:8501");
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/genba-agent"));
        assertThat(config.intakePort()).isEqualTo(8510);
        assertThat(config.journalUnits()).containsExactly("scanner-app.service");
        AgentSettings settings = AgentSettings.from(0, config.settings(), config.serverUrl());
        assertThat(settings.primaryEndpoint()).isEqualTo("http://window-a.local:8501/api/v1/scans");
        assertThat(settings.mirrorEndpoint()).isEqualTo("http://raspi-server.local:8501/api/v1/scans");
        assertThat(settings.mirrorMode()).isTrue();
        assertThat(settings.maxAttempts()).isEqualTo(3);
        assertThat(settings.backoffMs()).isEqualTo(500);
    }

    @Test
    void the_example_in_deploy_loads_cleanly_and_sends_to_the_server_only_until_the_server_says_otherwise() {
        Path example = Path.of("..", "deploy", "agent", "agent.json");

        // its client_key is a placeholder to replace (here by the environment's)
        ConfigLoader.Loaded loaded = new ConfigLoader(Map.of("GENBA_AGENT_CLIENT_KEY", "gk_k")).load(example);

        assertThat(loaded.warnings()).isEmpty();
        AgentFileConfig config = loaded.config();
        assertThat(config.clientId()).isEqualTo("HANDHELD-01");
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/genba-agent"));
        AgentSettings settings = AgentSettings.from(0, config.settings(), config.serverUrl());
        // no mirror copies are queued before the server's configuration arrives (RUNBOOK 11.1 step 5)
        assertThat(settings.mirrorMode()).isFalse();
        assertThat(settings.mirrorEndpoint()).isNull();
        assertThat(settings.primaryEndpoint()).isEqualTo("http://raspi-server.local:8501/api/v1/scans");
    }

    @Test
    void the_example_s_client_key_left_as_it_is_is_refused_with_what_to_paste() {
        Path example = Path.of("..", "deploy", "agent", "agent.json");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(example))
                .hasMessage("config " + example + ": client_key is still the example's text; paste the key that"
                        + " `genba clients add HANDHELD-01` printed on the server");
    }

    @Test
    void primary_endpoint_defaults_to_the_server_itself() throws IOException {
        Path file = write("""
                {"server_url": "http://genba:8501", "client_id": "HANDHELD-02", "client_key": "k"}
                """);

        AgentFileConfig config = new ConfigLoader(Map.of()).load(file).config();

        assertThat(AgentSettings.from(0, config.settings(), config.serverUrl()).primaryEndpoint())
                .isEqualTo("http://genba:8501/api/v1/scans");
    }

    @Test
    void reports_every_problem_as_one_sentence_naming_the_file_and_key() throws IOException {
        Path file = write("""
                {
                  "client_id": "handheld 01",
                  "timeout_ms": 5,
                  "retry": {"max_attempts": 0, "backoff_ms": 500},
                  "mirror_mode": "yes",
                  "intake_port": 70000
                }
                """);

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "config " + file + ": server_url is required (the Genba server, like http://raspi-server.local:8501)",
                        "config " + file + ": client_id must be 1-64 letters, digits, '.', '_' or '-' starting with a"
                                + " letter or digit, like HANDHELD-01",
                        "config " + file + ": client_key is required (the key printed by `genba clients add` for this device)",
                        "config " + file + ": intake_port must be between 0 and 65535, got 70000",
                        "config " + file + ": mirror_mode must be true or false",
                        "config " + file + ": timeout_ms must be between 100 and 600000, got 5",
                        "config " + file + ": retry.max_attempts must be between 1 and 100, got 0"));
    }

    @Test
    void a_missing_file_says_what_to_do() {
        Path file = directory.resolve("nothing-here.json");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
                .hasMessage("config " + file + " does not exist; copy deploy/agent/agent.json there and set server_url,"
                        + " client_id and client_key (or pass --config FILE)");
    }

    @Test
    void invalid_json_is_reported_with_its_position() throws IOException {
        Path file = write("{\"server_url\": \"http://x\",, }");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
                .hasMessageStartingWith("config " + file + " is not valid JSON: Unexpected")
                .hasMessageContaining("at byte");
    }

    @Test
    void invalid_json_never_quotes_the_client_key() throws IOException {
        // a key pasted without quotes: the parser names the token it did not recognise
        Path unquoted = write("""
                {
                  "server_url": "http://genba:8501",
                  "client_id": "HANDHELD-01",
                  "client_key": k9f3verysecret,
                  "state_dir": "state"
                }
                """);
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(unquoted))
                .hasMessageStartingWith("config " + unquoted + " is not valid JSON: ")
                .hasMessageContaining("at byte")
                .hasMessageNotContaining("verysecret");

        // a file written on one line and cut short: the parser quotes the file from its start
        Path cut = write("{\"client_key\": \"verysecret\", \"server_url\": \"http://genba:8501\"");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(cut))
                .hasMessageStartingWith("config " + cut + " is not valid JSON: Unexpected end-of-input")
                .hasMessageContaining("at byte")
                .hasMessageNotContaining("verysecret");
    }

    @Test
    void a_client_key_with_a_line_break_is_refused_without_printing_it() throws IOException {
        // sent as a header, it made HttpURLConnection throw "Illegal character(s) in message header
        // value: <the key>" out of every request: a stack trace with the key in `status`, in the log under `run`
        Path file = write("""
                {"server_url": "http://genba:8501", "client_id": "HANDHELD-01", "client_key": "gk_verysecret\\nrest"}
                """);
        Map<String, String> environment = Map.of("GENBA_AGENT_CLIENT_KEY", "gk_verysecret\r\nrest");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
                .hasMessage("config " + file + ": client_key must be the key as `genba clients add` printed it,"
                        + " on one line without tabs or characters other than ASCII");
        assertThatThrownBy(() -> new ConfigLoader(environment).load(file))
                .hasMessage("environment GENBA_AGENT_CLIENT_KEY: client_key must be the key as `genba clients add`"
                        + " printed it, on one line without tabs or characters other than ASCII");
    }

    @Test
    void an_environment_number_out_of_range_is_reported_as_out_of_range() throws IOException {
        Path file = write("""
                {"server_url": "http://genba:8501", "client_id": "HANDHELD-01", "client_key": "k"}
                """);

        assertThatThrownBy(() -> new ConfigLoader(Map.of("GENBA_AGENT_TIMEOUT_MS", "99999999")).load(file))
                .hasMessage("environment GENBA_AGENT_TIMEOUT_MS: timeout_ms must be between 100 and 600000, got 99999999");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("GENBA_AGENT_STATUS_INTERVAL_S", "0")).load(file))
                .hasMessage("environment GENBA_AGENT_STATUS_INTERVAL_S: status_interval_s must be between 10 and 3600, got 0");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("GENBA_AGENT_PRIMARY_ENDPOINT", "window-a:8501")).load(file))
                .hasMessageStartingWith("environment GENBA_AGENT_PRIMARY_ENDPOINT: primary_endpoint must be an http://")
                .hasMessageEndingWith("got \"window-a:8501\"");
    }

    @Test
    void environment_variables_override_the_file_and_are_checked_alike() throws IOException {
        Path file = write("""
                {"server_url": "http://genba:8501", "client_id": "HANDHELD-01", "client_key": "k", "mirror_mode": false}
                """);
        Map<String, String> environment = Map.of("GENBA_AGENT_MIRROR_MODE", "on",
                "GENBA_AGENT_RETRY_BACKOFF_MS", "250", "GENBA_AGENT_JOURNAL_UNITS", "a.service, b.service");

        AgentFileConfig config = new ConfigLoader(environment).load(file).config();

        assertThat(config.settings()).containsEntry("mirror_mode", true).containsEntry("retry.backoff_ms", 250L);
        assertThat(config.journalUnits()).containsExactly("a.service", "b.service");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("GENBA_AGENT_TIMEOUT_MS", "soon")).load(file))
                .hasMessage("environment GENBA_AGENT_TIMEOUT_MS: timeout_ms must be a whole number");
    }

    @Test
    void unknown_keys_are_warnings_and_the_client_key_is_never_printed() throws IOException {
        Path file = write("""
                {"server_url": "http://genba:8501", "client_id": "HANDHELD-01", "client_key": "very-secret",
                 "retry": {"max_attempts": 3, "jitter": true}, "colour": "blue"}
                """);

        ConfigLoader.Loaded loaded = new ConfigLoader(Map.of()).load(file);

        assertThat(loaded.warnings()).containsExactly(
                "config " + file + ": unknown key \"retry.jitter\" is ignored",
                "config " + file + ": unknown key \"colour\" is ignored");
        assertThat(loaded.config().toString()).doesNotContain("very-secret").contains("clientKey=***");
    }
}
