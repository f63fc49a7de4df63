package dev.genba.agent.cli;

import static dev.genba.agent.testing.JsonObjects.object;
import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.delivery.LatencyStore;
import dev.genba.agent.delivery.LatencyTracker;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.agent.outbox.Rejection;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.SkewedClockServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCliTest {
    @TempDir
    Path directory;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = AgentCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void bad_configuration_prints_one_sentence_per_problem_and_exits_2() throws Exception {
        Path config = directory.resolve("agent.json");
        Files.writeString(config, "{\"client_id\": \"HANDHELD-01\", \"client_key\": \"secret-value\", \"timeout_ms\": 0}");

        Run run = run("status", "--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).containsExactly(
                "config " + config + ": server_url is required (the Genba server, like http://raspi-server.local:8501)",
                "config " + config + ": timeout_ms must be between 100 and 600000, got 0");
        assertThat(run.err() + run.out()).doesNotContain("secret-value");
    }

    @Test
    void scan_writes_the_outbox_without_a_running_agent() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9",
                "\"mirror_mode\": true, \"mirror_endpoint\": \"http://window-a.local:8501/api/v1/scans\"");

        Run run = run("scan", "--config", config.toString(), "--tag", "TAG-9", "--location", "SHELF-01", "--lot", "LOT-1");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("queued scan ").endsWith(" for primary and mirror\n");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(1);
            assertThat(outbox.nextBatch(Destination.PRIMARY, 1, 10_000, false).get(0).body()).contains("\"lot\":\"LOT-1\"");
        }
    }

    @Test
    void scan_with_its_own_id_is_queued_once_however_often_it_is_run() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        String id = "0d6c1d2e-5f7a-4b8c-9d0e-1f2a3b4c5d6e";

        Run first = run("scan", "--config", config.toString(), "--tag", "T", "--location", "L", "--scan-id", id);
        Run again = run("scan", "--config", config.toString(), "--tag", "T", "--location", "L", "--scan-id", id);
        Run bad = run("scan", "--config", config.toString(), "--tag", "T", "--location", "L", "--scan-id", "not-a-uuid");

        assertThat(first.out()).isEqualTo("queued scan " + id + " for primary\n");
        assertThat(again.exitCode()).isZero();
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--scan-id").doesNotContain("scan_id");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new OutboxStore(database, 1_000).pendingScanIds(Destination.PRIMARY)).containsExactly(id);
        }
    }

    @Test
    void scan_without_a_location_is_a_usage_error() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");

        Run run = run("scan", "--config", config.toString(), "--tag", "TAG-9");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required option: '--location=<location>'");
    }

    @Test
    void status_shows_pending_scans_and_exits_1_while_the_server_is_unreachable() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        run("scan", "--config", config.toString(), "--tag", "T", "--location", "L");

        Run text = run("status", "--config", config.toString());
        Run json = run("status", "--json", "--config", config.toString());

        assertThat(text.exitCode()).isEqualTo(1);
        assertThat(text.out()).contains("NOT reachable").containsPattern("primary +1 ");
        Map<?, ?> facts = (Map<?, ?>) Json.parse(json.out());
        assertThat(facts.get("server_reachable")).isEqualTo(false);
        assertThat(object(object(facts.get("destinations")).get("primary"))).containsEntry("pending", 1L);
    }

    @Test
    void status_lists_the_newest_dead_letters_with_their_reason() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), "");
            try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
                OutboxStore outbox = new OutboxStore(database, 1_000);
                outbox.enqueue(List.of(new QueuedScan("scan-1", "{}")), List.of(Destination.PRIMARY), Instant.now());
                long id = outbox.nextBatch(Destination.PRIMARY, 1, 10_000, false).get(0).id();
                outbox.settle(Destination.PRIMARY, server.scansEndpoint(), List.of(),
                        List.of(new Rejection(id, "scan-1", 400, "payload.tag_id is not a known tag")), Instant.now());
            }

            Run run = run("status", "--config", config.toString());

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).containsPattern("primary +0  - +1 ")
                    .contains("primary scan-1 ").contains(": payload.tag_id is not a known tag");
        }
    }

    @Test
    void status_says_when_the_intake_refuses_scans_because_the_outbox_is_full() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), "\"outbox_max_rows\": 1000");
            try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
                List<QueuedScan> scans = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    scans.add(new QueuedScan("scan-" + i, "{}"));
                }
                new OutboxStore(database, 1_000).enqueue(scans, List.of(Destination.PRIMARY), Instant.now());
            }

            Run scan = run("scan", "--config", config.toString(), "--tag", "T", "--location", "L");
            Run text = run("status", "--config", config.toString());
            Run json = run("status", "--json", "--config", config.toString());

            assertThat(scan.exitCode()).isNotZero();
            assertThat(scan.err()).contains("the outbox is full (1000 deliveries waiting, outbox_max_rows is 1000)");
            assertThat(text.exitCode()).isEqualTo(1);
            assertThat(text.out()).contains("reachable (HTTP 200").contains(
                    "intake:   REFUSING new scans (503, outbox full): 1000 deliveries waiting, outbox_max_rows is 1000");
            Map<?, ?> facts = (Map<?, ?>) Json.parse(json.out());
            assertThat(facts.get("outbox_full")).isEqualTo(true);
            assertThat(facts.get("outbox_max_rows")).isEqualTo(1000L);
        }
    }

    @Test
    void status_exits_0_when_the_server_answers_and_nothing_is_wrong() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), "");

            Run run = run("status", "--config", config.toString());

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).contains("reachable (HTTP 200").contains("clock:    agrees with the server's")
                    .contains("mirror:   off")
                    .contains("intake:   accepting scans (0 of 1000000 deliveries waiting)");
        }
    }

    @Test
    void status_says_the_agent_is_not_running_when_nothing_listens_on_the_intake_port_and_exits_1() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), closedPort, "");

            Run text = run("status", "--config", config.toString());
            Run json = run("status", "--json", "--config", config.toString());

            assertThat(text.out()).contains("reachable (HTTP 200").contains("intake:   NOT running: nothing listens on"
                    + " 127.0.0.1:" + closedPort + ", so the scanner app's scans are refused; start the agent"
                    + " (sudo systemctl start genba-agent, RUNBOOK 11.1 step 6)");
            assertThat(text.exitCode()).as("it needs attention").isEqualTo(1);
            assertThat(((Map<?, ?>) Json.parse(json.out())).get("intake_listening")).isEqualTo(false);
        }
    }

    @Test
    void status_exits_0_when_the_running_agent_listens_on_the_intake_port() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer();
             ServerSocket intake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = TestConfig.write(directory, server.url(), intake.getLocalPort(), "");

            Run text = run("status", "--config", config.toString());
            Run json = run("status", "--json", "--config", config.toString());

            assertThat(text.exitCode()).as(text.out()).isZero();
            assertThat(text.out()).contains("intake:   accepting scans (0 of 1000000 deliveries waiting)");
            assertThat(((Map<?, ?>) Json.parse(json.out())).get("intake_listening")).isEqualTo(true);
        }
    }

    @Test
    void status_says_that_new_scans_do_not_go_to_a_mirror_endpoint_while_mirror_mode_is_off() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(),
                    "\"mirror_endpoint\": \"http://window-b.local:8501/api/v1/scans\", \"mirror_mode\": false");

            Run run = run("status", "--config", config.toString());

            assertThat(run.out()).contains("mirror:   off").containsPattern("mirror +0 +- +0 +never +"
                    + "http://window-b.local:8501/api/v1/scans \\(mirror mode off: only scans queued before go here\\)");
        }
    }

    @Test
    void status_says_when_this_pi_s_clock_is_behind_the_server_s_and_exits_1() throws Exception {
        try (SkewedClockServer server = new SkewedClockServer(Duration.ofHours(3))) {
            Path config = TestConfig.write(directory, server.url(), "");

            Run run = run("status", "--config", config.toString());

            assertThat(run.out()).contains("clock:    this Pi's clock is 3 h 0 min behind the server's: scans stamped"
                    + " here get a wrong scanned_at (RUNBOOK 11.1 step 8)");
            assertThat(run.exitCode()).as("it needs attention").isEqualTo(1);
            Run json = run("status", "--json", "--config", config.toString());
            assertThat(((Map<?, ?>) Json.parse(json.out())).get("server_clock_ahead_s"))
                    .isIn(3 * 3600L - 2, 3 * 3600L - 1, 3 * 3600L, 3 * 3600L + 1);
        }
    }

    @Test
    void report_carries_the_24_hour_latency_the_running_agent_measured() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), "");
            try (AgentDatabase running = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
                LatencyTracker primary = new LatencyTracker(Destination.PRIMARY, new LatencyStore(running),
                        Clock.systemUTC());
                var file = TestConfig.load(config);
                // as the running agent's delivery does before its first request
                primary.endpoint(Destination.PRIMARY.endpoint(new dev.genba.agent.config.LiveSettings(file,
                        new dev.genba.agent.config.ConfigStore(file.serverConfigFile()).load()).current()));
                primary.record(30);
                primary.record(50);
                primary.flush();

                Run run = run("report", "--config", config.toString());

                assertThat(run.exitCode()).as(run.err()).isZero();
                Map<String, Object> latency = object(server.statusReports().get(0).latencyMs().get("primary"));
                assertThat(latency).containsEntry("samples", 2L).containsEntry("avg", 40.0).containsEntry("max", 50.0);
                assertThat(run.out()).contains("\"latency_ms\":{\"primary\":{\"avg\":40.0");
            }
        }
    }

    @Test
    void every_command_has_help() {
        for (String[] command : new String[][] {{"run"}, {"scan"}, {"status"}, {"report"}, {"dead-letters"},
            {"dead-letters", "retry"}, {"dead-letters", "discard"}}) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            args.add("--help");
            Run run = run(args.toArray(String[]::new));
            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).contains("--config");
        }
        assertThat(run("--help").out()).contains("run", "scan", "status", "report", "dead-letters");
    }
}
