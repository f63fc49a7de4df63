package dev.genba.agent.intake;

import static dev.genba.agent.testing.JsonObjects.object;
import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.GroupCommitter;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntakeServerTest {
    @TempDir
    Path directory;

    private AgentDatabase database;
    private GroupCommitter committer;
    private IntakeServer server;
    private OutboxStore outbox;
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor();

    private void start(long maxRows) {
        database = AgentDatabase.open(directory.resolve("outbox.db"));
        outbox = new OutboxStore(database, maxRows);
        committer = new GroupCommitter(outbox, () -> List.of(Destination.PRIMARY, Destination.MIRROR), () -> { },
                Clock.systemUTC());
        server = IntakeServer.start(0, new ScanIntake("HANDHELD-01", Clock.systemUTC()), committer, timeouts);
    }

    @AfterEach
    void stop() {
        server.close();
        committer.close();
        timeouts.shutdownNow();
        database.close();
    }

    private record Answer(int status, Map<String, Object> body) {
    }

    private Answer post(String json, String contentType) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + server.port() + "/scans")
                .openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", contentType);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
            return new Answer(status, object(Json.parse(in.readAllBytes())));
        }
    }

    @Test
    void accepts_a_scan_once_committed_filling_in_id_device_and_time() throws IOException {
        start(1_000);

        Answer answer = post("""
                {"payload": {"tag_id": "TAG-1", "location": "SHELF-03", "station": "A", "lot": "LOT-123"}}
                """, "application/json");

        assertThat(answer.status()).isEqualTo(202);
        String scanId = (String) answer.body().get("scan_id");
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).containsExactly(scanId);
        assertThat(outbox.pendingScanIds(Destination.MIRROR)).containsExactly(scanId);
        String body = outbox.nextBatch(Destination.PRIMARY, 1, 10_000, false).get(0).body();
        assertThat(object(Json.parse(body))).containsEntry("device_id", "HANDHELD-01").containsKey("scanned_at");
    }

    @Test
    void keeps_a_given_scan_id_and_accepts_up_to_1000_scans_at_once() throws IOException {
        start(10_000);

        Answer single = post("""
                {"scan_id": "0d6c1d2e-5f7a-4b8c-9d0e-1f2a3b4c5d6e", "device_id": "HANDHELD-01",
                 "scanned_at": "2025-02-20T10:15:03+09:00", "payload": {"tag_id": "T", "location": "L"}}
                """, "application/json; charset=utf-8");
        Answer many = post("""
                {"scans": [{"payload": {"tag_id": "A", "location": "L"}}, {"payload": {"tag_id": "B", "location": "L"}}]}
                """, "application/json");

        assertThat(single.body()).containsEntry("scan_id", "0d6c1d2e-5f7a-4b8c-9d0e-1f2a3b4c5d6e");
        assertThat(many.status()).isEqualTo(202);
        assertThat((List<?>) many.body().get("scan_ids")).hasSize(2);
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(3);
    }

    @Test
    void refuses_bad_scans_with_the_field_and_stores_nothing() throws IOException {
        start(1_000);

        Answer noTag = post("{\"payload\": {\"location\": \"L\"}}", "application/json");
        Answer otherDevice = post("{\"device_id\": \"HANDHELD-02\", \"payload\": {\"tag_id\": \"T\", \"location\": \"L\"}}",
                "application/json");
        Answer notJson = post("tag=T", "application/x-www-form-urlencoded");
        Answer brokenJson = post("{\"payload\": ", "application/json");

        assertThat(noTag.status()).isEqualTo(400);
        assertThat(noTag.body()).containsEntry("field", "payload.tag_id")
                .containsEntry("message", "payload.tag_id is required");
        assertThat(otherDevice.status()).isEqualTo(400);
        assertThat((String) otherDevice.body().get("message")).contains("must be this device's client_id");
        assertThat(notJson.status()).isEqualTo(415);
        assertThat(brokenJson.status()).isEqualTo(400);
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void answers_503_when_the_outbox_is_full_and_keeps_what_it_had() throws IOException {
        start(1_000);
        StringBuilder scans = new StringBuilder("{\"scans\": [");
        for (int i = 0; i < 500; i++) {
            scans.append(i == 0 ? "" : ",").append("{\"payload\": {\"tag_id\": \"T").append(i).append("\", \"location\": \"L\"}}");
        }
        String fiveHundred = scans.append("]}").toString();

        assertThat(post(fiveHundred, "application/json").status()).isEqualTo(202);
        Answer full = post("{\"payload\": {\"tag_id\": \"X\", \"location\": \"L\"}}", "application/json");

        assertThat(full.status()).isEqualTo(503);
        assertThat((String) full.body().get("message")).contains("the outbox is full").contains("NOT accepted");
        assertThat(outbox.pendingTotal()).isEqualTo(1_000);
    }
}
