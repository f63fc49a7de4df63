package dev.genba.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.testing.Cli;
import dev.genba.server.testing.Scans;
import dev.genba.server.testing.TestServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mirror pieces that live in the running server: the nightly schedule, log rotation on request, the status API. */
class MirrorServerTest {
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    private static TestServer server;
    private static Path config;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        config = dir.resolve("genba.json");
        // The database compared with itself: the schedule's bookkeeping is what is under test here.
        Files.writeString(config, Json.write(Map.of(
                "db", Map.of("url", server.target().jdbcUrl(), "user", "postgres"),
                "mirror", Map.of("primary_db_uri", server.target().jdbcUrl() + "?user=postgres",
                        "endpoint", server.url("/api/v1/scans"), "in_flight_minutes", 0, "recheck_delay_s", 0))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static MirrorService service(Clock clock) {
        GenbaConfig settings = GenbaConfig.load(config, dir.resolve("schedule"), null, Map.of());
        return new MirrorService(settings, server.jdbi(), server.target(),
                new AuditLog(dir.resolve("schedule/logs/audit.jsonl"), clock), clock);
    }

    private static Clock at(ZonedDateTime time) {
        return Clock.fixed(time.toInstant(), TOKYO);
    }

    @Test
    void runs_once_per_day_at_the_slot_while_enabled_and_counts_the_streak() {
        new MirrorStore(server.jdbi()).setEnabled(true, server.url("/api/v1/scans"), "test");
        ZonedDateTime tomorrow = ZonedDateTime.now(TOKYO).toLocalDate().plusDays(1).atTime(2, 5).atZone(TOKYO);

        var beforeAnySlot = new MirrorScheduler(service(Clock.systemUTC()), Clock.systemUTC()).runIfDue();
        var first = new MirrorScheduler(service(at(tomorrow)), at(tomorrow)).runIfDue();
        var sameDayAgain = new MirrorScheduler(service(at(tomorrow.plusHours(3))), at(tomorrow.plusHours(3))).runIfDue();
        var catchUpNextDay = new MirrorScheduler(service(at(tomorrow.plusDays(1).plusHours(7))),
                at(tomorrow.plusDays(1).plusHours(7))).runIfDue();

        assertThat(beforeAnySlot).as("a slot from before mirror mode was enabled is not run").isEmpty();
        assertThat(first).hasValueSatisfying(outcome -> {
            assertThat(outcome.status()).isEqualTo("OK");
            assertThat(outcome.summary()).containsEntry("scheduled", true).containsEntry("ok_streak", 1);
        });
        assertThat(sameDayAgain).isEmpty();
        assertThat(catchUpNextDay).hasValueSatisfying(outcome -> assertThat(outcome.summary()).containsEntry("ok_streak", 2));

        MirrorStatus status = service(at(tomorrow.plusDays(1).plusHours(8))).status();
        assertThat(status.okStreak()).isEqualTo(2);
        assertThat(status.lines(TOKYO)).contains("Mirror Mode   : enabled", "OK Streak     : 2 days (target 14)")
                .anySatisfy(line -> assertThat(line).startsWith("Next Compare  : ").contains("02:00 JST"));

        new MirrorStore(server.jdbi()).setEnabled(false, null, "test");
        assertThat(new MirrorScheduler(service(at(tomorrow.plusDays(3))), at(tomorrow.plusDays(3))).runIfDue()).isEmpty();
    }

    @Test
    void mirrorctl_rotate_asks_the_running_server_and_no_request_line_is_lost() throws Exception {
        String key = server.addDevice("ROTATE-01");
        assertThat(server.postJson("/api/v1/scans", key, Scans.json("ROTATE-01", "BEFORE-ROTATE", "L")).statusCode()).isEqualTo(200);

        Cli.Run rotate = Cli.genba("mirror", "rotate", "--config", config.toString(), "--data-dir", server.dataDir().toString());
        assertThat(server.postJson("/api/v1/scans", key, Scans.json("ROTATE-01", "AFTER-ROTATE", "L")).statusCode()).isEqualTo(200);

        assertThat(rotate.exitCode()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("Archived: mirror_requests.");
        Path logs = server.dataDir().resolve("logs");
        List<Path> archives;
        try (var files = Files.list(logs)) {
            archives = files.filter(path -> path.getFileName().toString().matches("mirror_requests\\..*\\.log\\.gz")).toList();
        }
        assertThat(archives).hasSize(1);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archives.get(0)))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("BEFORE-ROTATE").doesNotContain("AFTER-ROTATE");
        }
        assertThat(Files.readString(logs.resolve("mirror_requests.log"))).contains("AFTER-ROTATE").doesNotContain("BEFORE-ROTATE");
    }

    @Test
    void enable_refuses_while_the_agents_primary_is_still_this_server() {
        Cli.Run refused = Cli.genba("mirror", "enable", "--config", config.toString(), "--data-dir", dir.resolve("enable").toString());

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("NOT enabled").contains("primary_endpoint is not set")
                .contains("genba agent-config set primary_endpoint");
        assertThat(new dev.genba.server.agentconfig.AgentConfigStore(server.jdbi()).effective("*").values())
                .containsEntry("mirror_mode", false);
    }

    @Test
    void the_status_api_shows_the_same_facts_to_admins_only() {
        String token = server.adminToken();
        String deviceKey = server.addDevice("STATUS-01");

        var response = server.get("/api/v1/mirror/status", Map.of("Authorization", "Bearer " + token));
        Map<?, ?> body = (Map<?, ?>) Json.parse(response.body());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(List.<Object>copyOf(body.keySet())).contains("mirror_mode", "ok_streak", "target_days", "last_compare_at", "avg_latency_ms",
                "agents_total", "next_compare_at", "lines");
        assertThat(body.get("target_days")).isEqualTo(14L);
        assertThat(server.get("/api/v1/mirror/status", Map.of("x-client-key", deviceKey)).statusCode()).isEqualTo(403);
        assertThat(server.get("/api/v1/mirror/status", Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void average_latency_counts_only_reports_made_on_the_current_agent_configuration() {
        String token = server.adminToken();
        server.addDevice("LATENCY-NEW");
        server.addDevice("LATENCY-OLD");
        var agentConfig = new dev.genba.server.agentconfig.AgentConfigStore(server.jdbi());
        long current = agentConfig.effective("LATENCY-NEW").version();
        server.jdbi().useHandle(handle -> handle.createUpdate("""
                        insert into client_status (client_id, sampled_at, received_at, report) values
                        ('LATENCY-NEW', now(), now(), cast(:fresh as jsonb)),
                        ('LATENCY-OLD', now(), now(), cast(:stale as jsonb))
                        on conflict (client_id) do update set report = excluded.report, received_at = excluded.received_at""")
                .bind("fresh", "{\"config_version\":" + current
                        + ",\"latency_ms\":{\"primary\":{\"avg\":80,\"samples\":100},\"mirror\":{\"avg\":20,\"samples\":100}}}")
                // made before this agent took the current configuration: its primary was another server
                .bind("stale", "{\"config_version\":" + (current - 1)
                        + ",\"latency_ms\":{\"primary\":{\"avg\":5,\"samples\":1000}}}")
                .execute());

        Map<?, ?> body = (Map<?, ?>) Json.parse(server.get("/api/v1/mirror/status",
                Map.of("Authorization", "Bearer " + token)).body());

        assertThat((Map<Object, Object>) body.get("avg_latency_ms")).containsEntry("primary", 80L).containsEntry("mirror", 20L);
    }
}
