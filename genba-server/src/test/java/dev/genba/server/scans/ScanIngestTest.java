package dev.genba.server.scans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.testing.Scans;
import dev.genba.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ScanIngestTest {
    private static TestServer server;
    private static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        key = server.addDevice("HANDHELD-01");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpResponse<String> response) {
        return (Map<String, Object>) Json.parse(response.body());
    }

    private static Map<String, Object> location(String tag, String order) {
        return server.jdbi().withHandle(handle -> handle.createQuery(
                        "select location, scan_id::text as scan_id from part_locations where tag_id = :tag and order_id = :order")
                .bind("tag", tag).bind("order", order).mapToMap().one());
    }

    @Test
    void stores_a_scan_once_and_answers_a_repeat_as_duplicate_without_changing_anything() {
        UUID scanId = UUID.randomUUID();
        String scan = Scans.json(scanId, "HANDHELD-01", Instant.parse("2026-01-01T00:00:00Z"), "IDEM-1", "", "SHELF-1");

        HttpResponse<String> first = server.postJson("/api/v1/scans", key, scan);
        HttpResponse<String> repeat = server.postJson("/api/v1/scans", key, scan);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(body(first)).containsEntry("status", "stored").containsEntry("duplicate", false);
        assertThat(repeat.statusCode()).isEqualTo(200);
        assertThat(body(repeat)).containsEntry("status", "duplicate").containsEntry("duplicate", true);
        assertThat(server.count("select count(*) from scans where scan_id = '" + scanId + "'")).isEqualTo(1);
        assertThat(first.headers().firstValue("X-Request-Id")).isPresent();
    }

    @Test
    void keeps_unknown_payload_fields_and_defaults_order_id_to_empty() {
        UUID scanId = UUID.randomUUID();
        String scan = """
                {"scan_id": "%s", "device_id": "HANDHELD-01", "scanned_at": "2026-01-01T09:00:00+09:00",
                 "payload": {"tag_id": "KEEP-1", "location": "棚-03", "operator": "山田", "weight_kg": 12.5}}
                """.formatted(scanId);
        assertThat(server.postJson("/api/v1/scans", key, scan).statusCode()).isEqualTo(200);

        Map<String, Object> row = server.jdbi().withHandle(handle -> handle.createQuery(
                        "select payload::text as payload, order_id, scanned_at from scans where scan_id = cast(:id as uuid)")
                .bind("id", scanId.toString()).mapToMap().one());
        assertThat(Json.parse((String) row.get("payload"))).isEqualTo(Json.parse(
                "{\"tag_id\": \"KEEP-1\", \"location\": \"棚-03\", \"operator\": \"山田\", \"weight_kg\": 12.5, \"order_id\": \"\"}"));
        assertThat(row.get("order_id")).isEqualTo("");
        assertThat(location("KEEP-1", "")).containsEntry("location", "棚-03");
    }

    @Test
    void latest_scanned_at_wins_whatever_the_arrival_order() {
        Instant early = Instant.parse("2026-03-01T08:00:00Z");
        Instant late = Instant.parse("2026-03-01T09:00:00Z");
        server.postJson("/api/v1/scans", key, Scans.json(UUID.randomUUID(), "HANDHELD-01", late, "ORDER-A", "O1", "NEW-PLACE"));
        server.postJson("/api/v1/scans", key, Scans.json(UUID.randomUUID(), "HANDHELD-01", early, "ORDER-A", "O1", "OLD-PLACE"));
        server.postJson("/api/v1/scans", key, Scans.json(UUID.randomUUID(), "HANDHELD-01", early, "ORDER-B", "O1", "OLD-PLACE"));
        server.postJson("/api/v1/scans", key, Scans.json(UUID.randomUUID(), "HANDHELD-01", late, "ORDER-B", "O1", "NEW-PLACE"));

        assertThat(location("ORDER-A", "O1")).containsEntry("location", "NEW-PLACE");
        assertThat(location("ORDER-B", "O1")).containsEntry("location", "NEW-PLACE");
        assertThat(server.count("select count(*) from scans where tag_id in ('ORDER-A', 'ORDER-B')")).isEqualTo(4);
    }

    @Test
    void equal_scanned_at_is_settled_by_the_larger_scan_id_in_any_order() {
        Instant same = Instant.parse("2026-03-02T08:00:00Z");
        UUID small = UUID.fromString("00000000-0000-4000-8000-000000000001");
        UUID large = UUID.fromString("ffffffff-0000-4000-8000-000000000001");
        server.postJson("/api/v1/scans", key, Scans.json(large, "HANDHELD-01", same, "TIE-1", "", "BY-LARGE"));
        server.postJson("/api/v1/scans", key, Scans.json(small, "HANDHELD-01", same, "TIE-1", "", "BY-SMALL"));

        assertThat(location("TIE-1", "")).containsEntry("location", "BY-LARGE").containsEntry("scan_id", large.toString());
    }

    @Test
    void many_threads_posting_the_same_scan_store_it_exactly_once() throws Exception {
        UUID scanId = UUID.randomUUID();
        String scan = Scans.json(scanId, "HANDHELD-01", Instant.now(), "RACE-1", "", "SHELF-9");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                responses.add(pool.submit(() -> server.postJson("/api/v1/scans", key, scan)));
            }
            List<Object> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> response : responses) {
                assertThat(response.get().statusCode()).isEqualTo(200);
                statuses.add(body(response.get()).get("status"));
            }
            assertThat(Collections.frequency(statuses, "stored")).isEqualTo(1);
            assertThat(Collections.frequency(statuses, "duplicate")).isEqualTo(63);
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.count("select count(*) from scans where scan_id = '" + scanId + "'")).isEqualTo(1);
    }

    @Test
    void concurrent_scans_of_one_part_converge_on_the_latest_one() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Instant base = Instant.parse("2026-04-01T00:00:00Z");
        Map<Integer, Integer> codes = new ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int minute = (i * 37) % 200;
                done.add(pool.submit(() -> codes.merge(server.postJson("/api/v1/scans", key,
                        Scans.json(UUID.randomUUID(), "HANDHELD-01", base.plusSeconds(60L * minute), "HOT-PART", "",
                                "LOC-" + minute)).statusCode(), 1, Integer::sum)));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(codes).containsOnlyKeys(200);
        assertThat(location("HOT-PART", "")).containsEntry("location", "LOC-199");
        assertThat(server.count("select count(*) from scans where tag_id = 'HOT-PART'")).isEqualTo(200);
    }

    @Test
    void a_batch_stores_the_valid_scans_and_rejects_the_others_one_by_one() {
        UUID good = UUID.randomUUID();
        UUID alsoGood = UUID.randomUUID();
        String batch = """
                {"scans": [
                  %s,
                  {"scan_id": "%s", "device_id": "HANDHELD-01", "scanned_at": "2026-01-01T00:00:00Z", "payload": {"location": "X"}},
                  %s,
                  %s
                ]}""".formatted(
                Scans.json(good, "HANDHELD-01", Instant.now(), "BATCH-1", "", "A"),
                UUID.randomUUID(),
                Scans.json(alsoGood, "HANDHELD-01", Instant.now(), "BATCH-2", "", "B"),
                Scans.json(good, "HANDHELD-01", Instant.now(), "BATCH-1", "", "A"));

        HttpResponse<String> response = server.postJson("/api/v1/scans/batch", key, batch);

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> result = body(response);
        assertThat(result).containsEntry("stored", 2L).containsEntry("duplicates", 1L).containsEntry("rejected", 1L);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) result.get("results");
        assertThat(items).extracting(item -> item.get("status")).containsExactly("stored", "rejected", "stored", "duplicate");
        assertThat(items.get(1)).containsEntry("field", "scans[1].payload.tag_id");
        assertThat(server.count("select count(*) from scans where tag_id like 'BATCH-%'")).isEqualTo(2);
    }

    @Test
    void a_scan_the_database_could_not_hold_is_rejected_alone_and_the_rest_of_its_batch_is_stored() {
        UUID good = UUID.randomUUID();
        UUID nulName = UUID.randomUUID();
        UUID hugeNumber = UUID.randomUUID();
        String batch = """
                {"scans": [
                  %s,
                  {"scan_id": "%s", "device_id": "HANDHELD-01", "scanned_at": "2026-01-01T00:00:00Z",
                   "payload": {"tag_id": "POISON-1", "location": "X", "a\\u0000b": 1}},
                  {"scan_id": "%s", "device_id": "HANDHELD-01", "scanned_at": "2026-01-01T00:00:00Z",
                   "payload": {"tag_id": "POISON-2", "location": "X", "weight": 1e200000}}
                ]}""".formatted(Scans.json(good, "HANDHELD-01", Instant.now(), "POISON-0", "", "A"), nulName, hugeNumber);

        HttpResponse<String> response = server.postJson("/api/v1/scans/batch", key, batch);

        // before: 503 for the whole batch, every time it was sent, so the agent's queue never moved on
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) body(response).get("results");
        assertThat(items).extracting(item -> item.get("status")).containsExactly("stored", "rejected", "rejected");
        assertThat(items.get(1)).containsEntry("field", "scans[1].payload");
        assertThat(items.get(2)).containsEntry("field", "scans[2].payload.weight");
        assertThat(server.count("select count(*) from scans where tag_id like 'POISON-%'")).isEqualTo(1);
    }

    @Test
    void a_batch_of_a_thousand_scans_is_accepted_and_more_is_refused_whole() {
        StringBuilder thousand = new StringBuilder("{\"scans\": [");
        for (int i = 0; i < 1001; i++) {
            if (i == 1000) {
                String over = thousand + ",";
                over += Scans.json("HANDHELD-01", "BULK-X", "L") + "]}";
                HttpResponse<String> refused = server.postJson("/api/v1/scans/batch", key, over);
                assertThat(refused.statusCode()).isEqualTo(400);
                assertThat(body(refused)).containsEntry("field", "scans");
                break;
            }
            thousand.append(i == 0 ? "" : ",").append(Scans.json("HANDHELD-01", "BULK-" + i, "L"));
        }
        HttpResponse<String> accepted = server.postJson("/api/v1/scans/batch", key, thousand + "]}");
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(body(accepted)).containsEntry("stored", 1000L);
        assertThat(server.count("select count(*) from scans where tag_id like 'BULK-%'")).isEqualTo(1000);
    }

    @Test
    void every_scan_request_accepted_or_rejected_is_written_to_the_request_log() throws Exception {
        UUID scanId = UUID.randomUUID();
        server.postJson("/api/v1/scans", key, Scans.json(scanId, "HANDHELD-01", Instant.now(), "LOGGED-1", "", "SHELF-L"));
        server.postJson("/api/v1/scans", key, "{\"scan_id\": \"not-a-uuid\"}");

        List<String> lines = Files.readAllLines(server.dataDir().resolve("logs/mirror_requests.log"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> parsed = lines.stream().map(line -> (Map<String, Object>) Json.parse(line)).toList();
        assertThat(parsed).anySatisfy(line -> {
            assertThat(line.keySet()).contains("timestamp", "device_id", "payload", "response_ms", "status");
            assertThat(line.get("scan_id")).isEqualTo(scanId.toString());
            assertThat(line.get("status")).isEqualTo(200L);
            assertThat(line.get("device_id")).isEqualTo("HANDHELD-01");
            assertThat(((Map<?, ?>) line.get("payload")).get("tag_id")).isEqualTo("LOGGED-1");
        });
        assertThat(parsed).anySatisfy(line -> {
            assertThat(line.get("scan_id")).isEqualTo("not-a-uuid");
            assertThat(line.get("status")).isEqualTo(400L);
        });
    }

    @Test
    void part_locations_can_be_filtered_and_paged_by_an_admin() {
        String token = server.adminToken();
        for (int i = 0; i < 5; i++) {
            server.postJson("/api/v1/scans", key, Scans.json(UUID.randomUUID(), "HANDHELD-01", Instant.now(),
                    "PAGE-" + i, "ORD-P", "RACK-P"));
        }
        Map<String, String> auth = Map.of("Authorization", "Bearer " + token);

        Map<String, Object> firstPage = body(server.get("/api/v1/part-locations?location=RACK-P&limit=2", auth));
        Map<String, Object> lastPage = body(server.get("/api/v1/part-locations?location=RACK-P&limit=2&offset=4", auth));
        Map<String, Object> oneTag = body(server.get("/api/v1/part-locations?tag_id=PAGE-3&order_id=ORD-P", auth));

        assertThat(firstPage).containsEntry("total", 5L).containsEntry("next_offset", 2L);
        assertThat((List<?>) firstPage.get("items")).hasSize(2);
        assertThat(lastPage).containsEntry("next_offset", null);
        assertThat((List<?>) oneTag.get("items")).singleElement()
                .satisfies(item -> assertThat(((Map<?, ?>) item).get("location")).isEqualTo("RACK-P"));
        HttpResponse<String> badLimit = server.get("/api/v1/part-locations?limit=abc", auth);
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(body(badLimit)).containsEntry("field", "limit");
    }
}
