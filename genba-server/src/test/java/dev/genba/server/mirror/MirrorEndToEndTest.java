package dev.genba.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.protocol.Json;
import dev.genba.server.agentconfig.AgentConfigStore;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.DbTarget;
import dev.genba.server.testing.Cli;
import dev.genba.server.testing.TestServer;
import dev.genba.server.testing.WindowAStandIn;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration as it happens in the factory: a real agent (its own JVM) sends every scan to
 * the old server (a stand-in with its own database) and, once {@code mirrorctl enable} ran, to
 * Genba too; the comparison then says OK, and NG naming exactly the row someone changed.
 */
class MirrorEndToEndTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> running = new ArrayList<>();
    private Process agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    private Cli.Run mirrorctl(Path config, String... args) {
        List<String> all = new ArrayList<>(List.of("mirror"));
        all.addAll(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--data-dir", dir.resolve("cli").toString()));
        return Cli.genba(all.toArray(String[]::new));
    }

    private Path config(TestServer genba, DbTarget primary, String endpoint) throws Exception {
        Path file = dir.resolve("genba-" + System.nanoTime() + ".json");
        Files.writeString(file, Json.write(Map.of(
                "db", Map.of("url", genba.target().jdbcUrl(), "user", "postgres"),
                "mirror", Map.of("primary_db_uri", primary.jdbcUrl() + "?user=postgres", "endpoint", endpoint,
                        "in_flight_minutes", 0, "recheck_delay_s", 1))));
        return file;
    }

    private Process startAgent(TestServer genba, String key, int intakePort) throws Exception {
        Path agentConfig = dir.resolve("agent.json");
        Files.writeString(agentConfig, Json.write(Map.of("server_url", genba.url(""), "client_id", "HANDHELD-01",
                "client_key", key, "state_dir", dir.resolve("agent-state").toString(), "intake_port", intakePort)));
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), "dev.genba.agent.cli.AgentCli", "run", "--config", agentConfig.toString());
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent-output.txt").toFile()).start();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static long count(org.jdbi.v3.core.Jdbi jdbi) {
        return jdbi.withHandle(handle -> handle.createQuery("select count(*) from part_locations").mapTo(Long.class).one());
    }

    @Test
    void agents_in_mirror_mode_fill_both_databases_and_the_comparison_finds_exactly_the_changed_row() throws Exception {
        WindowAStandIn windowA = WindowAStandIn.start();
        running.add(windowA);
        TestServer genba = TestServer.start();
        running.add(genba);
        String key = genba.addDevice("HANDHELD-01");
        AgentConfigStore agentConfig = new AgentConfigStore(genba.jdbi());
        agentConfig.set(AgentConfigStore.FLEET, "primary_endpoint", windowA.scanUrl());
        agentConfig.set(AgentConfigStore.FLEET, "config_poll_interval_s", 5L);
        Path config = config(genba, windowA.target(), genba.url("/api/v1/scans"));

        // Enabling while the mirror endpoint is down fails clearly and changes nothing.
        Path downConfig = config(genba, windowA.target(), "http://127.0.0.1:" + freePort() + "/api/v1/scans");
        Cli.Run refused = mirrorctl(downConfig, "enable");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("NOT enabled").contains("not answering");
        assertThat(agentConfig.effective("HANDHELD-01").values()).containsEntry("mirror_mode", false);

        Cli.Run enabled = mirrorctl(config, "enable");
        assertThat(enabled.exitCode()).as(enabled.err()).isZero();
        assertThat(enabled.out()).contains("Mirror Mode   : enabled");

        int intakePort = freePort();
        agent = startAgent(genba, key, intakePort);
        Path savedConfig = dir.resolve("agent-state/config.json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(savedConfig)
                && Files.readString(savedConfig).contains("\"mirror_mode\":true"));

        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 40; i++) {
            String scan = "{\"payload\": {\"tag_id\": \"E2E-" + i + "\", \"location\": \"SHELF-" + (i % 7)
                    + "\", \"station\": \"A\", \"lot\": \"LOT-" + i + "\"}}";
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intakePort + "/scans"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(scan)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(count(windowA.jdbi())).isEqualTo(40);
            assertThat(count(genba.jdbi())).isEqualTo(40);
        });

        GenbaConfig settings = GenbaConfig.load(config, dir.resolve("cli"), null, Map.of());
        MirrorService service = new MirrorService(settings, genba.jdbi(), genba.target(),
                new AuditLog(dir.resolve("cli/logs/audit.jsonl"), Clock.systemUTC()), Clock.systemUTC());
        MirrorService.Outcome ok = service.compare(false, true, false);
        assertThat(ok.status()).as(ok.summary().toString()).isEqualTo("OK");
        assertThat(ok.summary()).containsEntry("rows", 40L).containsEntry("ok_streak", 1);

        windowA.jdbi().useHandle(handle -> handle.execute(
                "update part_locations set location = 'LOST-AND-FOUND', updated_at = now() where tag_id = 'E2E-7'"));
        MirrorService.Outcome ng = service.compare(false, true, false);
        assertThat(ng.status()).isEqualTo("NG");
        assertThat(ng.differences()).singleElement().satisfies(difference -> {
            assertThat(difference.get("key")).isEqualTo(Map.of("tag_id", "E2E-7", "order_id", ""));
            assertThat(difference.get("kind")).isEqualTo("value_mismatch");
            assertThat(difference.get("columns")).isEqualTo(List.of("location"));
        });
        assertThat(ng.summary()).containsEntry("ok_streak", 0);
        assertThat(Files.readString(dir.resolve("cli/logs/mirror_diff.log"))).contains("E2E-7").contains("LOST-AND-FOUND");
        assertThat(Files.readAllLines(dir.resolve("cli/logs/mirror_status.log"))).hasSize(2)
                .last().asString().contains("\"status\":\"NG\"");
        assertThat(Files.readString(dir.resolve("cli/state/ok_counter")).trim()).isEqualTo("0");

        Cli.Run status = mirrorctl(config, "status");
        assertThat(status.out()).contains("OK Streak     : 0 days (target 14)").contains("(NG)").contains("(1 records)")
                .contains("Agents        : ");

        // A database compared with itself shows no noise.
        Path self = config(genba, genba.target(), genba.url("/api/v1/scans"));
        Cli.Run selfCompare = mirrorctl(self, "compare", "--full", "--json");
        assertThat(selfCompare.exitCode()).as(selfCompare.out() + selfCompare.err()).isZero();
        assertThat(selfCompare.out()).contains("\"status\":\"OK\"").contains("\"diffs\":0");

        agentConfig.set("HANDHELD-02", "mirror_mode", true);
        Cli.Run disabled = mirrorctl(config, "disable");
        assertThat(disabled.exitCode()).isZero();
        assertThat(disabled.out()).contains("Note: these clients have their own mirror_mode or mirror_endpoint, which"
                + " disable does not change: HANDHELD-02.");
        assertThat(agentConfig.effective("HANDHELD-01").values())
                .containsEntry("mirror_mode", false).containsEntry("mirror_endpoint", null);
        try (var archives = Files.list(dir.resolve("cli/logs"))) {
            assertThat(archives.map(path -> path.getFileName().toString())).anyMatch(name -> name.startsWith("mirror_diff.")
                    && name.endsWith(".log.gz"));
        }
    }
}
