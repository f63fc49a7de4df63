package dev.genba.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.testing.TestServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin read APIs behind the fleet pages, as curl sees them. */
class FleetApiTest {
    private static TestServer server;
    private static Map<String, String> admin;
    private static String deviceKey;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = Map.of("Authorization", "Bearer " + server.adminToken());
        for (String name : List.of("PI-ONLINE", "PI-LATE", "PI-GONE")) {
            server.addDevice(name);
        }
        deviceKey = server.addDevice("PI-NEW");
        server.jdbi().useHandle(handle -> {
            handle.execute("""
                    insert into client_status (client_id, sampled_at, received_at, report) values
                    ('PI-ONLINE', now(), now(), '{"client_id":"PI-ONLINE","hostname":"line1-kiosk","cpu_usage":12.5,
                        "outbox":{"primary":{"pending":3},"mirror":{"pending":4}}}'),
                    ('PI-LATE', now() - interval '2 hours', now() - interval '2 hours', '{"client_id":"PI-LATE","hostname":"line2-scanner"}'),
                    ('PI-GONE', now() - interval '13 hours', now() - interval '13 hours', '{"client_id":"PI-GONE","hostname":"dock-signage"}')""");
            handle.execute("""
                    insert into client_logs (client_id, level, message, logged_at, request_id) values
                    ('PI-ONLINE', 'error', 'スキャナ接続エラー: タイムアウト', now() - interval '1 hour', 'req-42'),
                    ('PI-ONLINE', 'warn', '<script>alert(1)</script>', now() - interval '30 minutes', null),
                    ('PI-ONLINE', 'error', 'disk 100% full', now() - interval '10 minutes', 'req-42'),
                    ('PI-LATE', 'info', 'スキャナ再接続', now() - interval '2 days', null)""");
            handle.execute("""
                    insert into client_status_history (client_id, sampled_at, cpu_usage, report)
                    select 'PI-ONLINE', now() - make_interval(mins => m), 10 + (m % 2) * 10, '{}'
                    from generate_series(1, 2880) as m""");
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> get(String path) {
        HttpResponse<String> response = server.get(path, admin);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return (Map<String, Object>) Json.parse(response.body());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(String path) {
        return (List<Map<String, Object>>) get(path).get("items");
    }

    private static Map<String, Object> client(List<Map<String, Object>> items, String name) {
        return items.stream().filter(item -> name.equals(item.get("client_id"))).findFirst().orElseThrow();
    }

    private static String q(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void lists_every_client_with_its_state_errors_and_pending_scans() {
        List<Map<String, Object>> items = items("/api/clients/status");

        assertThat(items).hasSize(4);
        assertThat(client(items, "PI-ONLINE")).containsEntry("state", "online").containsEntry("hostname", "line1-kiosk")
                .containsEntry("pending_scans", 7L).containsEntry("errors_24h", 2L);
        assertThat(client(items, "PI-LATE").get("state")).isEqualTo("amber");
        assertThat(client(items, "PI-GONE").get("state")).isEqualTo("red");
        assertThat(client(items, "PI-NEW").get("state")).isEqualTo("never");
    }

    @Test
    void filters_stale_clients_searches_by_name_or_host_and_pages() {
        List<Map<String, Object>> stale = items("/api/clients/status?stale=true");
        List<Map<String, Object>> byHost = items("/api/clients/status?q=SIGNAGE");
        Map<String, Object> page = get("/api/clients/status?limit=3&offset=0");

        assertThat(stale).extracting(item -> item.get("client_id")).containsExactly("PI-GONE", "PI-LATE", "PI-NEW");
        assertThat(byHost).extracting(item -> item.get("client_id")).containsExactly("PI-GONE");
        assertThat(page).containsEntry("total", 4L).containsEntry("next_offset", 3L);
        assertThat(server.get("/api/clients/status?stale=maybe", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void filters_by_state_and_sorts_by_any_column_either_way() {
        List<Map<String, Object>> red = items("/api/clients/status?state=red");
        List<Map<String, Object>> lateOrNever = items("/api/clients/status?state=amber,never");
        List<Map<String, Object>> byLastSeen = items("/api/clients/status?sort=last_seen");
        List<Map<String, Object>> byErrors = items("/api/clients/status?sort=-errors");

        assertThat(red).extracting(item -> item.get("client_id")).containsExactly("PI-GONE");
        assertThat(lateOrNever).extracting(item -> item.get("client_id")).containsExactly("PI-LATE", "PI-NEW");
        assertThat(byLastSeen).extracting(item -> item.get("client_id"))
                .containsExactly("PI-GONE", "PI-LATE", "PI-ONLINE", "PI-NEW");
        assertThat(byErrors.get(0)).containsEntry("client_id", "PI-ONLINE").containsEntry("errors_24h", 2L);
        HttpResponse<String> badSort = server.get("/api/clients/status?sort=password", admin);
        assertThat(badSort.statusCode()).isEqualTo(400);
        assertThat(badSort.body()).contains("\"field\":\"sort\"");
        assertThat(server.get("/api/clients/status?state=purple", admin).body()).contains("\"field\":\"state\"");
    }

    @Test
    void summary_counts_clients_per_state_and_the_day_s_errors() {
        Map<String, Object> summary = get("/api/clients/summary");

        assertThat(summary).containsEntry("online", 1L).containsEntry("amber", 1L).containsEntry("red", 1L)
                .containsEntry("never", 1L).containsEntry("errors_24h", 2L).containsEntry("warnings_24h", 1L);
    }

    @Test
    void metric_history_is_downsampled_to_a_few_hundred_points() {
        Map<String, Object> day = get("/api/clients/PI-ONLINE/metrics");
        List<?> points = (List<?>) day.get("points");

        assertThat(points).hasSizeBetween(280, 301);
        assertThat(day.get("bucket_s")).isEqualTo(288L);
        assertThat(points).allSatisfy(point -> assertThat(((Number) ((Map<?, ?>) point).get("cpu_usage")).doubleValue())
                .isBetween(10.0, 20.0));
        assertThat(server.get("/api/clients/NOBODY/metrics", admin).statusCode()).isEqualTo(404);
        HttpResponse<String> tooLong = server.get("/api/clients/PI-ONLINE/metrics?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", admin);
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("\"field\":\"from\"");
    }

    @Test
    void log_search_finds_japanese_text_filters_and_lists_newest_first() {
        List<Map<String, Object>> japanese = items("/api/clients/logs?q=" + q("接続"));
        List<Map<String, Object>> errors = items("/api/clients/logs?client=PI-ONLINE&level=error");
        List<Map<String, Object>> request = items("/api/clients/logs?requestId=req-42");
        List<Map<String, Object>> literalPercent = items("/api/clients/logs?q=" + q("100%"));

        assertThat(japanese).extracting(line -> line.get("message"))
                .containsExactly("スキャナ接続エラー: タイムアウト", "スキャナ再接続");
        assertThat(errors).extracting(line -> line.get("message"))
                .containsExactly("disk 100% full", "スキャナ接続エラー: タイムアウト");
        assertThat(request).hasSize(2);
        assertThat(literalPercent).singleElement().satisfies(line -> assertThat(line.get("message")).isEqualTo("disk 100% full"));
        assertThat(server.get("/api/clients/logs?level=fatal", admin).body()).contains("\"field\":\"level\"");
        // Two-character searches go through the character-pair index: same answers, case-insensitive, literal.
        assertThat(items("/api/clients/logs?q=DI")).extracting(line -> line.get("message")).containsExactly("disk 100% full");
        assertThat(items("/api/clients/logs?q=" + q("0%"))).extracting(line -> line.get("message")).containsExactly("disk 100% full");
        assertThat(items("/api/clients/logs?q=" + q("_x"))).isEmpty();
        for (int i = 0; i < 8; i++) {
            assertThat(items("/api/clients/logs?q=" + q("再接"))).as("the same answer when the statement is reused")
                    .extracting(line -> line.get("message")).containsExactly("スキャナ再接続");
        }
    }

    @Test
    void every_read_api_refuses_anonymous_callers_and_device_keys() {
        for (String path : List.of("/api/clients/status", "/api/clients/summary", "/api/clients/logs",
                "/api/clients/PI-ONLINE/metrics")) {
            assertThat(server.get(path, Map.of()).statusCode()).as(path).isEqualTo(401);
            assertThat(server.get(path, Map.of("x-client-key", deviceKey)).statusCode()).as(path).isEqualTo(403);
        }
    }
}
