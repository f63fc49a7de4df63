package dev.genba.agent.intake;

import static dev.genba.agent.testing.JsonObjects.object;
import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.GroupCommitter;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.protocol.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
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

    private void start(long maxRows) {
        start(maxRows, 30_000);
    }

    private void start(long maxRows, long commitWaitMs) {
        start(maxRows, commitWaitMs, 30_000);
    }

    private void start(long maxRows, long commitWaitMs, int requestReadMs) {
        database = AgentDatabase.open(directory.resolve("outbox.db"));
        outbox = new OutboxStore(database, maxRows);
        committer = new GroupCommitter(outbox, () -> List.of(Destination.PRIMARY, Destination.MIRROR), () -> { },
                Clock.systemUTC());
        server = IntakeServer.start(0, new ScanIntake("HANDHELD-01", Clock.systemUTC()), committer, commitWaitMs, requestReadMs);
    }

    @AfterEach
    void stop() {
        server.close();
        committer.close();
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
        Answer batchOfOne = post("{\"scans\": [{\"payload\": {\"tag_id\": \"C\", \"location\": \"L\"}}]}", "application/json");
        assertThat(batchOfOne.body()).as("the answer's shape follows the request's, however many scans")
                .containsKey("scan_ids").doesNotContainKey("scan_id");
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(4);
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
    void refuses_a_compressed_body_naming_its_content_encoding() throws IOException {
        start(1_000);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write("{\"payload\": {\"tag_id\": \"GZ\", \"location\": \"L\"}}".getBytes(StandardCharsets.UTF_8));
        }
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                    + "Content-Length: " + compressed.size() + "\r\n\r\n");
            connection.socket.getOutputStream().write(compressed.toByteArray());
            RawAnswer gzipped = connection.read();

            assertThat(gzipped.status()).isEqualTo(415);
            assertThat(object(Json.parse(gzipped.body())).get("message")).asString()
                    .isEqualTo("Content-Encoding gzip is not supported: send the JSON uncompressed");
        }
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void accepts_plain_json_whose_content_encoding_names_a_charset_as_some_apps_send_it() throws IOException {
        start(1_000);
        // setRequestProperty("Content-Encoding", "UTF-8"): a charset taken for a coding; the body is plain JSON.
        // A 4xx here is a scan the app drops for good.
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send(scanPost("CHARSET", "Content-Encoding: UTF-8\r\n"));
            RawAnswer charset = connection.read();
            assertThat(charset.status()).as(charset.body()).isEqualTo(202);
            assertThat(charset.headers()).doesNotContainKey("connection");

            connection.send(scanPost("EMPTY", "Content-Encoding: \r\n"));
            assertThat(connection.read().status()).isEqualTo(202);
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(2);
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

    @Test
    void a_scan_whose_commit_outlasts_the_wait_is_either_withdrawn_or_answered_as_maybe_stored_with_its_id()
            throws Exception {
        start(1_000, 700);
        // another process holds the outbox's write lock (as a slow disk would hold a commit) for 3 s
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try (AgentDatabase other = AgentDatabase.open(directory.resolve("outbox.db"))) {
            Future<?> holder = threads.submit(() -> other.write(connection -> {
                locked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            locked.await();
            Future<Answer> inCommit = threads.submit(() -> post(
                    "{\"payload\": {\"tag_id\": \"IN-COMMIT\", \"location\": \"L\"}}", "application/json"));
            Thread.sleep(300); // the commit thread has taken the first scan and waits for the lock
            Future<Answer> queued = threads.submit(() -> post(
                    "{\"scans\": [{\"payload\": {\"tag_id\": \"QUEUED\", \"location\": \"L\"}}]}", "application/json"));

            Answer maybe = inCommit.get(10, TimeUnit.SECONDS);
            Answer withdrawn = queued.get(10, TimeUnit.SECONDS);
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);

            assertThat(maybe.status()).isEqualTo(503);
            assertThat((String) maybe.body().get("message")).contains("may yet be stored").contains("same scan_id");
            String maybeId = (String) maybe.body().get("scan_id");
            assertThat(withdrawn.status()).isEqualTo(503);
            assertThat((String) withdrawn.body().get("message")).contains("did not begin writing").contains("NOT accepted");
            assertThat(withdrawn.body().get("scan_ids")).asList().hasSize(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (outbox.pendingTotal() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(500); // time enough for a wrongly kept second scan to be written too
            List<String> stored = database.read(connection -> {
                List<String> ids = new java.util.ArrayList<>();
                try (var rows = connection.createStatement().executeQuery("SELECT DISTINCT scan_id FROM outbox")) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
                return ids;
            });
            assertThat(stored).as("the scan in the running commit is kept, the withdrawn one never written")
                    .containsExactly(maybeId);

            // sent again with its id, as the answer says: still one scan per destination
            Answer again = post("{\"scan_id\": \"" + maybeId + "\", \"payload\": {\"tag_id\": \"IN-COMMIT\", \"location\": \"L\"}}",
                    "application/json");
            assertThat(again.status()).isEqualTo(202);
            assertThat(outbox.pendingTotal()).isEqualTo(2);
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    /** A scanner app's connection, written and read byte by byte as it goes over the wire. */
    private static final class RawConnection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        RawConnection(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
        }

        void send(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        }

        /** Status, headers (lower-case names) and body of the next answer. */
        RawAnswer read() throws IOException {
            String statusLine = line();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new RawAnswer(Integer.parseInt(statusLine.split(" ")[1]), headers, body);
        }

        boolean closedByServer() throws IOException {
            return in.read() < 0;
        }

        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("closed after " + line);
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private record RawAnswer(int status, Map<String, String> headers, String body) {
    }

    private static String scanPost(String tag, String extraHeaders) {
        String json = "{\"payload\": {\"tag_id\": \"" + tag + "\", \"location\": \"L\"}}";
        return "POST /scans HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + json.length() + "\r\n" + extraHeaders + "\r\n" + json;
    }

    @Test
    void serves_one_scan_after_another_over_a_kept_connection_until_the_client_asks_to_close() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send(scanPost("A", "X-Request-Id: app-1\r\n"));
            RawAnswer first = connection.read();
            connection.send(scanPost("B", ""));
            RawAnswer second = connection.read();
            connection.send(scanPost("C", "Connection: close\r\n"));
            RawAnswer last = connection.read();

            assertThat(first.status()).isEqualTo(202);
            assertThat(first.headers()).containsEntry("x-request-id", "app-1").containsEntry("content-type", "application/json")
                    .doesNotContainKey("connection");
            assertThat(object(Json.parse(first.body()))).containsEntry("request_id", "app-1").containsEntry("status", "queued");
            assertThat(second.status()).isEqualTo(202);
            assertThat(last.status()).isEqualTo(202);
            assertThat(last.headers()).containsEntry("connection", "close");
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(3);
    }

    @Test
    void tells_an_http_1_0_client_that_asked_to_keep_the_connection_that_it_is_kept() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send(scanPost("A", "Connection: keep-alive\r\n").replace("HTTP/1.1", "HTTP/1.0"));
            RawAnswer kept = connection.read();
            connection.send(scanPost("B", "").replace("HTTP/1.1", "HTTP/1.0"));
            RawAnswer last = connection.read();

            assertThat(kept.status()).isEqualTo(202);
            assertThat(kept.headers()).containsEntry("connection", "keep-alive");
            assertThat(last.headers()).containsEntry("connection", "close");
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(2);
    }

    @Test
    void reads_a_chunked_body_and_answers_100_continue_to_a_client_that_waits_for_it() throws IOException {
        start(1_000);
        String json = "{\"payload\": {\"tag_id\": \"CHUNKED\", \"location\": \"L\"}}";
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(10) + "\r\n" + json.substring(0, 10) + "\r\n"
                    + Integer.toHexString(json.length() - 10) + ";note=rest\r\n" + json.substring(10) + "\r\n0\r\n\r\n");
            RawAnswer chunked = connection.read();

            String waiting = scanPost("EXPECT", "Expect: 100-continue\r\n");
            connection.send(waiting.substring(0, waiting.indexOf("\r\n\r\n") + 4));
            String interim = connection.line();
            assertThat(connection.line()).isEmpty();
            connection.send(waiting.substring(waiting.indexOf("\r\n\r\n") + 4));
            RawAnswer afterContinue = connection.read();

            assertThat(chunked.status()).isEqualTo(202);
            assertThat(interim).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(afterContinue.status()).isEqualTo(202);
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(2);
    }

    @Test
    void reads_a_batch_sent_a_few_bytes_per_chunk_as_streaming_json_writers_send_it() throws IOException {
        start(10_000);
        StringBuilder scans = new StringBuilder("{\"scans\": [");
        for (int i = 0; i < 1000; i++) {
            scans.append(i == 0 ? "" : ",").append("{\"payload\": {\"tag_id\": \"T").append(i).append("\", \"location\": \"L\"}}");
        }
        String json = scans.append("]}").toString();
        // one chunk per write of a token or two (Node's req.write): ~25,000 chunks for a 50 KB batch
        StringBuilder chunked = new StringBuilder();
        for (int at = 0; at < json.length(); at += 2) {
            String piece = json.substring(at, Math.min(at + 2, json.length()));
            chunked.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
        }
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunked + "0\r\n\r\n");
            RawAnswer answer = connection.read();

            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(1000);
    }

    @Test
    void answers_other_paths_and_methods_and_keeps_the_connection_when_no_body_is_left_unread() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("GET /scans HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawAnswer get = connection.read();
            connection.send("POST /scans/extra?x=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
            RawAnswer otherPath = connection.read();
            connection.send(scanPost("AFTER", ""));
            RawAnswer scan = connection.read();

            assertThat(get.status()).isEqualTo(405);
            assertThat(get.headers()).containsEntry("allow", "POST");
            assertThat(otherPath.status()).isEqualTo(404);
            assertThat(object(Json.parse(otherPath.body()))).containsEntry("error", "not_found")
                    .as("only errors about one field name it").doesNotContainKey("field");
            assertThat(scan.status()).isEqualTo(202);
        }
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /other HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(connection.read().headers()).containsEntry("connection", "close");
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void answers_head_with_the_head_only_so_the_next_answer_on_the_connection_is_read_right() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("HEAD /scans HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + scanPost("AFTER-HEAD", ""));
            String headStatus = connection.line();
            while (!connection.line().isEmpty()) {
                // the head's header lines
            }
            RawAnswer scan = connection.read();

            assertThat(headStatus).isEqualTo("HTTP/1.1 405 Method Not Allowed");
            assertThat(scan.status()).isEqualTo(202);
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(1);
    }

    @Test
    void a_request_it_cannot_read_gets_400_or_413_and_the_connection_is_closed() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("HELLO\r\n\r\n");
            RawAnswer garbage = connection.read();

            assertThat(garbage.status()).isEqualTo(400);
            assertThat(object(Json.parse(garbage.body())).get("message")).asString().contains("not an HTTP request line");
            assertThat(connection.closedByServer()).isTrue();
        }
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{");
            RawAnswer tooLarge = connection.read();

            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void a_client_still_sending_a_refused_body_gets_the_refusal_not_a_broken_connection() throws IOException {
        start(1_000);
        // HttpURLConnection writes the whole body before it reads the answer, as Python's http.client does
        String tooLarge = "{\"payload\": {\"tag_id\": \"T\", \"location\": \"L\", \"note\": \"" + "x".repeat(6 * 1024 * 1024) + "\"}}";

        Answer large = post(tooLarge, "application/json");
        Answer wrongType = post(tooLarge, "text/plain");

        assertThat(large.status()).isEqualTo(413);
        assertThat(large.body()).containsEntry("error", "too_large");
        assertThat(wrongType.status()).isEqualTo(415);
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void a_body_shorter_than_its_content_length_is_answered_when_the_client_stops_sending() throws IOException {
        start(1_000);
        String json = "{\"payload\": {\"tag_id\": \"T\", \"location\": \"L\"}}";
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " + (json.length() + 10)
                    + "\r\n\r\n" + json);
            connection.socket.shutdownOutput(); // done sending, waiting for the answer
            RawAnswer shortBody = connection.read();

            assertThat(shortBody.status()).isEqualTo(400);
            assertThat(object(Json.parse(shortBody.body())).get("message")).asString()
                    .startsWith("the body ended after " + json.length() + " of the " + (json.length() + 10) + " bytes");
        }
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void a_request_framed_both_by_content_length_and_chunked_is_read_chunked_and_its_connection_closed()
            throws IOException {
        start(1_000);
        String json = "{\"payload\": {\"tag_id\": \"BOTH\", \"location\": \"L\"}}";
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n");
            RawAnswer answer = connection.read();

            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.headers()).as("where a next request would start is unsure").containsEntry("connection", "close");
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(outbox.pendingTotal()).isEqualTo(2); // primary and mirror
    }

    @Test
    void a_post_without_content_length_or_chunked_is_told_the_length_is_required() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.0\r\nContent-Type: application/json\r\n\r\n{\"payload\": {}}");
            RawAnswer answer = connection.read();

            assertThat(answer.status()).isEqualTo(411);
            Map<String, Object> body = object(Json.parse(answer.body()));
            assertThat(body.get("error")).isEqualTo("length_required");
            assertThat(body.get("message")).asString().contains("Content-Length");
        }
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void a_head_too_long_is_refused_431_saying_whether_one_line_or_all_of_them_are() throws IOException {
        start(1_000);
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nX-Long: " + "a".repeat(9_000) + "\r\n\r\n");
            assertThat(object(Json.parse(connection.read().body())).get("message")).asString()
                    .isEqualTo("a line of the request head is longer than 8192 bytes");
        }
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\n" + ("X-Many: " + "b".repeat(1_000) + "\r\n").repeat(40) + "\r\n");
            assertThat(object(Json.parse(connection.read().body())).get("message")).asString()
                    .isEqualTo("the request line and headers together are longer than 32768 bytes");
        }
    }

    @Test
    void a_body_that_stalls_halfway_is_answered_408_send_it_again_not_400() throws IOException {
        start(1_000, 30_000, 1_000);
        String json = "{\"payload\": {\"tag_id\": \"T\", \"location\": \"L\"}}";
        try (RawConnection connection = new RawConnection(server.port())) {
            connection.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " + json.length()
                    + "\r\n\r\n" + json.substring(0, 10)); // and then nothing: an app paused in the middle
            RawAnswer stalled = connection.read();

            assertThat(stalled.status()).as("a timeout, which a client may retry").isEqualTo(408);
            Map<String, Object> answer = object(Json.parse(stalled.body()));
            assertThat(answer.get("error")).isEqualTo("request_timeout");
            assertThat(answer.get("message")).asString().contains("10 of the " + json.length() + " bytes")
                    .contains("NOT accepted");
        }
        assertThat(outbox.pendingTotal()).isZero();
    }

    @Test
    void a_request_trickling_in_a_byte_at_a_time_is_cut_off_at_its_deadline_while_idle_connections_stay() throws Exception {
        start(1_000, 30_000, 1_000);
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try (RawConnection trickling = new RawConnection(server.port()); RawConnection idle = new RawConnection(server.port())) {
            idle.send(scanPost("BEFORE", ""));
            assertThat(idle.read().status()).isEqualTo(202);
            trickling.send("POST /scans HTTP/1.1\r\n");
            threads.submit(() -> {
                for (int i = 0; i < 40; i++) { // a byte every 200 ms: each well within the idle timeout
                    Thread.sleep(200);
                    trickling.send("X");
                }
                return null;
            });
            long started = System.nanoTime();

            boolean closed;
            try {
                closed = trickling.closedByServer();
            } catch (java.net.SocketException reset) {
                closed = true;
            }
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            idle.send(scanPost("AFTER", "")); // idle for longer than a request may take to arrive

            assertThat(closed).isTrue();
            assertThat(waitedMs).isBetween(800L, 5_000L);
            assertThat(idle.read().status()).isEqualTo(202);
        } finally {
            threads.shutdownNow();
        }
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).hasSize(2);
    }

    @Test
    void a_body_beyond_the_bodies_being_handled_waits_and_is_refused_as_not_accepted_if_no_room_comes() throws Exception {
        start(1_000, 700);
        // two clients announce 1 MiB bodies and send them slowly: the room for bodies at once is taken
        try (RawConnection first = new RawConnection(server.port()); RawConnection second = new RawConnection(server.port())) {
            for (RawConnection slow : List.of(first, second)) {
                slow.send("POST /scans HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{");
            }
            Thread.sleep(200);
            try (RawConnection connection = new RawConnection(server.port())) {
                connection.send(scanPost("WAITS", ""));
                RawAnswer busy = connection.read();

                assertThat(busy.status()).isEqualTo(503);
                assertThat(object(Json.parse(busy.body())).get("message")).asString().contains("busy")
                        .contains("NOT accepted");
                assertThat(busy.headers()).containsEntry("connection", "close");
            }
        }
        assertThat(outbox.pendingTotal()).isZero();
        Answer after = post("{\"payload\": {\"tag_id\": \"AFTER\", \"location\": \"L\"}}", "application/json");
        assertThat(after.status()).as("the room comes back when they close").isEqualTo(202);
    }
}
