package dev.genba.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.server.testing.Scans;
import dev.genba.server.testing.TestPostgres;
import dev.genba.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthTest {

    @Test
    void healthz_is_503_and_scans_are_refused_with_503_while_the_database_is_unreachable_then_recover() throws Exception {
        try (TestServer server = TestServer.start()) {
            String key = server.addDevice("HANDHELD-01");
            assertThat(server.get("/healthz", Map.of()).statusCode()).isEqualTo(200);
            String database = server.target().jdbcUrl().substring(server.target().jdbcUrl().lastIndexOf('/') + 1);

            try (Connection admin = TestPostgres.adminConnection(); Statement statement = admin.createStatement()) {
                statement.execute("alter database " + database + " allow_connections false");
                statement.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + database + "'");
                try {
                    HttpResponse<String> health = server.get("/healthz", Map.of());
                    HttpResponse<String> scan = server.postJson("/api/v1/scans", key, Scans.json("HANDHELD-01", "DOWN-1", "L"));

                    assertThat(health.statusCode()).isEqualTo(503);
                    assertThat(health.body()).contains("\"database\":\"unreachable\"");
                    assertThat(scan.statusCode()).isEqualTo(503);
                    assertThat(scan.body()).contains("not available").doesNotContain("Exception");
                    String requestId = scan.headers().firstValue("X-Request-Id").orElseThrow();
                    assertThat(java.nio.file.Files.readAllLines(server.dataDir().resolve("logs/mirror_requests.log")))
                            .anySatisfy(line -> assertThat(line).contains(requestId).contains("\"status\":503"));
                } finally {
                    statement.execute("alter database " + database + " allow_connections true");
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(server.get("/healthz", Map.of()).statusCode()).isEqualTo(200));
            assertThat(server.postJson("/api/v1/scans", key, Scans.json("HANDHELD-01", "UP-1", "L")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void every_answer_carries_the_server_s_time_which_agents_compare_their_clock_with() {
        try (TestServer server = TestServer.start()) {
            for (HttpResponse<String> answer : java.util.List.of(server.get("/healthz", Map.of()),
                    server.get("/api/v1/agent/config", Map.of()))) {
                String date = answer.headers().firstValue("Date").orElseThrow();
                java.time.Instant sent = java.time.ZonedDateTime.parse(date,
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                assertThat(java.time.Duration.between(sent, java.time.Instant.now()).abs())
                        .isLessThan(java.time.Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void a_second_server_on_the_same_data_directory_is_refused_at_once() {
        try (TestServer server = TestServer.start()) {
            var config = dev.genba.server.config.GenbaConfig.load(null, server.dataDir(), 0,
                    Map.of("GENBA_DB_URL", server.target().jdbcUrl(), "GENBA_DB_USER", "postgres"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.genba.server.GenbaServer.start(config))
                    .hasMessageContaining("another Genba server is already running");
            assertThat(server.get("/healthz", Map.of()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void unknown_paths_and_methods_answer_json_errors() {
        try (TestServer server = TestServer.start()) {
            HttpResponse<String> missing = server.get("/api/v1/nothing-here", Map.of());
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("\"error\":\"not_found\"").contains("request_id");

            HttpResponse<String> wrongMethod = server.get("/api/v1/scans", Map.of());
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.body()).contains("\"error\":\"method_not_allowed\"");

            HttpResponse<String> hugeHeader = server.get("/healthz", Map.of("X-Big", "a".repeat(20_000)));
            assertThat(hugeHeader.statusCode()).isEqualTo(431);
            assertThat(hugeHeader.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            assertThat(hugeHeader.body()).contains("\"error\":\"http_431\"").doesNotContain("<html");
        }
    }

    @Test
    void a_client_keeps_its_connection_between_requests_and_is_told_for_how_long() throws Exception {
        try (TestServer server = TestServer.start(); Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            for (int request = 1; request <= 2; request++) {
                socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: genba\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String head = readHead(in);
                assertThat(head).as("answer %d on the same connection", request).startsWith("HTTP/1.1 200")
                        .containsIgnoringCase("Keep-Alive: timeout=75").doesNotContainIgnoringCase("Connection: close");
                in.readNBytes(contentLength(head));
            }

            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: genba\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("Connection: close")
                    .doesNotContainIgnoringCase("Keep-Alive");
            in.readNBytes(contentLength(head));
            assertThat(in.read()).as("the server closes the connection the client asked to close").isEqualTo(-1);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(c);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }
}
