package dev.genba.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientIntakeTest {
    private static TestServer server;
    private static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        key = server.addDevice("KIOSK-01");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String report(Instant sampledAt, double cpu) {
        return """
                {"client_id": "KIOSK-01", "hostname": "kiosk-01", "ip_address": "192.168.10.21",
                 "cpu_usage": %s, "memory_usage": 41.5, "disk_usage": 63, "temperature": 48.2,
                 "uptime_seconds": 86400, "last_boot": "2026-11-22T08:00:00Z", "sampled_at": "%s",
                 "agent_version": "0.1.0", "config_version": 3,
                 "outbox": {"primary": {"pending": 2, "oldest_pending_s": 4.5, "dead_letters": 0}},
                 "latency_ms": {"primary": {"avg": 110, "p95": 180, "samples": 1440}}}
                """.formatted(cpu, sampledAt);
    }

    @Test
    void keeps_the_latest_state_and_every_sample_and_a_backfill_does_not_replace_the_latest() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        assertThat(server.postJson("/api/clients/status", key, report(now, 12.5)).statusCode()).isEqualTo(200);
        HttpResponse<String> backfill = server.postJson("/api/clients/status", key, report(now.minus(2, ChronoUnit.HOURS), 99));
        HttpResponse<String> retried = server.postJson("/api/clients/status", key, report(now.minus(2, ChronoUnit.HOURS), 99));

        assertThat(backfill.statusCode()).isEqualTo(200);
        assertThat(((Map<?, ?>) Json.parse(retried.body())).get("status")).isEqualTo("duplicate");
        assertThat(server.count("select count(*) from client_status_history where client_id = 'KIOSK-01'")).isEqualTo(2);
        Map<String, Object> latest = server.jdbi().withHandle(handle -> handle.createQuery(
                "select report->>'cpu_usage' as cpu, report->'outbox'->'primary'->>'pending' as pending from client_status where client_id = 'KIOSK-01'")
                .mapToMap().one());
        assertThat(latest).containsEntry("cpu", "12.5").containsEntry("pending", "2");
    }

    @Test
    void reports_arriving_together_share_a_write_and_each_gets_its_own_answer() throws Exception {
        int devices = 30;
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < devices; i++) {
            keys.put("BURST-%02d".formatted(i), server.addDevice("BURST-%02d".formatted(i)));
        }
        Instant latest = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant older = latest.minus(1, ChronoUnit.MINUTES);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            // Each device: its newest sample twice (an agent retrying) and an older one, all at once.
            Map<String, List<Future<HttpResponse<String>>>> answers = new LinkedHashMap<>();
            for (var device : keys.entrySet()) {
                String newest = report(latest, 20).replace("KIOSK-01", device.getKey());
                String backfill = report(older, 30).replace("KIOSK-01", device.getKey());
                answers.put(device.getKey(), List.of(
                        pool.submit(() -> server.postJson("/api/clients/status", device.getValue(), newest)),
                        pool.submit(() -> server.postJson("/api/clients/status", device.getValue(), newest)),
                        pool.submit(() -> server.postJson("/api/clients/status", device.getValue(), backfill))));
            }
            for (var device : answers.entrySet()) {
                List<String> statuses = new ArrayList<>();
                for (var answer : device.getValue()) {
                    HttpResponse<String> response = answer.get();
                    assertThat(response.statusCode()).as(device.getKey() + " " + response.body()).isEqualTo(200);
                    statuses.add((String) ((Map<?, ?>) Json.parse(response.body())).get("status"));
                }
                assertThat(statuses.subList(0, 2)).as(device.getKey()).containsExactlyInAnyOrder("recorded", "duplicate");
                assertThat(statuses.get(2)).as(device.getKey()).isEqualTo("recorded");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.count("select count(*) from client_status_history where client_id like 'BURST-%'")).isEqualTo(2L * devices);
        assertThat(server.count("select count(*) from client_status where client_id like 'BURST-%' and sampled_at = '"
                + latest + "' and (report->>'cpu_usage')::numeric = 20")).isEqualTo(devices);
    }

    @Test
    void a_sample_time_finer_than_microseconds_is_still_recognised_when_sent_again() {
        String key = server.addDevice("KIOSK-NANO");
        Instant sampled = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusNanos(123_456_789);
        String body = report(sampled, 5).replace("KIOSK-01", "KIOSK-NANO");

        HttpResponse<String> first = server.postJson("/api/clients/status", key, body);
        HttpResponse<String> again = server.postJson("/api/clients/status", key, body);

        assertThat(((Map<?, ?>) Json.parse(first.body())).get("status")).isEqualTo("recorded");
        assertThat(((Map<?, ?>) Json.parse(first.body())).get("sampled_at"))
                .as("the time as stored").isEqualTo(sampled.truncatedTo(ChronoUnit.MICROS).toString());
        assertThat(((Map<?, ?>) Json.parse(again.body())).get("status")).isEqualTo("duplicate");
        assertThat(server.count("select count(*) from client_status_history where client_id = 'KIOSK-NANO'")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} = {1} is refused")
    @CsvSource(delimiter = '|', value = {
            "cpu_usage | 101",
            "memory_usage | -1",
            "disk_usage | \"full\"",
            "temperature | 500",
            "uptime_seconds | 1.5",
            "config_version | -3",
            "last_boot | \"monday\"",
            "hostname | 42",
            "outbox | []",
            "latency_ms | {\"primary\": {\"avg\": -5}}",
            "unknown_metric | 1"})
    void refuses_out_of_range_or_mistyped_metrics_naming_the_field(String field, String value) {
        String body = "{\"client_id\": \"KIOSK-01\", \"" + field + "\": " + value + "}";
        long before = server.count("select count(*) from client_status_history");

        HttpResponse<String> response = server.postJson("/api/clients/status", key, body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat((String) ((Map<?, ?>) Json.parse(response.body())).get("field")).startsWith(field);
        assertThat(server.count("select count(*) from client_status_history")).isEqualTo(before);
    }

    @Test
    void refuses_samples_from_the_future_or_older_than_the_history_kept() {
        assertThat(server.postJson("/api/clients/status", key, report(Instant.now().plus(1, ChronoUnit.DAYS), 1))
                .statusCode()).isEqualTo(400);
        assertThat(server.postJson("/api/clients/status", key, report(Instant.now().minus(40, ChronoUnit.DAYS), 1))
                .statusCode()).isEqualTo(400);
    }

    @Test
    void stores_a_batch_of_log_lines_with_japanese_text_and_context() {
        String batch = """
                {"client_id": "KIOSK-01", "logs": [
                  {"level": "error", "message": "スキャナ接続エラー: タイムアウト", "context": {"unit": "scanner.service", "retry": 3},
                   "timestamp": "2026-11-23T01:00:00Z", "request_id": "abc123"},
                  {"level": "WARN", "message": "<script>alert(1)</script>", "timestamp": "2026-11-23T01:00:01+09:00"}
                ]}""";
        HttpResponse<String> response = server.postJson("/api/clients/logs", key, batch);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(((Map<?, ?>) Json.parse(response.body())).get("accepted")).isEqualTo(2L);
        assertThat(server.count("select count(*) from client_logs where client_id = 'KIOSK-01' and message like 'スキャナ%' and level = 'error'"))
                .isEqualTo(1);
        assertThat(server.count("select count(*) from client_logs where level = 'warn' and message = '<script>alert(1)</script>'"))
                .isEqualTo(1);
    }

    @Test
    void a_retried_log_batch_is_not_stored_twice() {
        String batch = """
                {"client_id": "KIOSK-01", "logs": [
                  {"level": "warn", "message": "retry me", "timestamp": "2026-11-23T03:00:00Z"},
                  {"level": "warn", "message": "retry me too", "timestamp": "2026-11-23T03:00:00Z"}]}""";
        HttpResponse<String> first = server.postJson("/api/clients/logs", key, batch);
        HttpResponse<String> retry = server.postJson("/api/clients/logs", key, batch);

        assertThat(((Map<?, ?>) Json.parse(first.body())).get("accepted")).isEqualTo(2L);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(((Map<?, ?>) Json.parse(retry.body())).get("accepted")).isEqualTo(0L);
        assertThat(server.count("select count(*) from client_logs where message like 'retry me%'")).isEqualTo(2);
    }

    @Test
    void history_and_log_lines_past_retention_are_removed() {
        server.jdbi().useHandle(handle -> {
            handle.execute("insert into client_status_history (client_id, sampled_at, report) values ('OLD-1', now() - interval '31 days', '{}')");
            handle.execute("insert into client_status_history (client_id, sampled_at, report) values ('OLD-1', now() - interval '29 days', '{}')");
            handle.execute("insert into client_logs (client_id, level, message, logged_at) values ('OLD-1', 'info', 'old', now() - interval '31 days')");
            handle.execute("insert into client_logs (client_id, level, message, logged_at) values ('OLD-1', 'info', 'new', now() - interval '1 day')");
        });
        var retention = new dev.genba.server.config.GenbaConfig.Retention(30, 30, 30);

        long[] removed = new RetentionJob(server.jdbi(), retention, java.time.Clock.systemUTC()).run();

        assertThat(removed).containsExactly(1, 1);
        assertThat(server.count("select count(*) from client_status_history where client_id = 'OLD-1'")).isEqualTo(1);
        assertThat(server.count("select count(*) from client_logs where client_id = 'OLD-1' and message = 'new'")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} is refused with 400")
    @CsvSource(delimiter = '|', value = {
            "year 0000 | \"timestamp\": \"0000-06-01T00:00:00Z\" | logs[0].timestamp",
            "year 10000 | \"timestamp\": \"+10000-01-01T00:00:00Z\" | logs[0].timestamp",
            "a context number PostgreSQL cannot hold | \"timestamp\": \"2026-11-23T01:00:00Z\", \"context\": {\"n\": 1e200000} | logs[0].context.n"})
    void a_log_line_the_database_could_not_hold_is_refused_naming_the_field_not_answered_500(String name, String fields,
                                                                                           String field) {
        String batch = "{\"client_id\": \"KIOSK-01\", \"logs\": [{\"level\": \"info\", \"message\": \"odd\", " + fields + "}]}";
        long before = server.count("select count(*) from client_logs");

        HttpResponse<String> response = server.postJson("/api/clients/logs", key, batch);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(((Map<?, ?>) Json.parse(response.body())).get("field")).isEqualTo(field);
        assertThat(server.count("select count(*) from client_logs")).isEqualTo(before);
    }

    @Test
    void a_log_batch_with_one_bad_line_is_refused_whole_naming_the_line() {
        String batch = """
                {"client_id": "KIOSK-01", "logs": [
                  {"level": "info", "message": "fine", "timestamp": "2026-11-23T01:00:00Z"},
                  {"level": "fatal", "message": "bad level", "timestamp": "2026-11-23T01:00:00Z"}
                ]}""";
        long before = server.count("select count(*) from client_logs");
        HttpResponse<String> response = server.postJson("/api/clients/logs", key, batch);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(((Map<?, ?>) Json.parse(response.body())).get("field")).isEqualTo("logs[1].level");
        assertThat(server.count("select count(*) from client_logs")).isEqualTo(before);
    }
}
