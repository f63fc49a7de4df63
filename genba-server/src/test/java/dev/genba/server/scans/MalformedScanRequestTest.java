package dev.genba.server.scans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.testing.RawHttp;
import dev.genba.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed request gets a 4xx naming what is wrong, and nothing is stored. */
class MalformedScanRequestTest {
    private static final String SINGLE = "/api/v1/scans";
    private static final String BATCH = "/api/v1/scans/batch";
    private static final String JSON = "application/json";

    private static TestServer server;
    private static String key;

    record Case(String name, String path, String contentType, byte[] body, int status, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case scan(String name, String body, String field) {
        return new Case(name, SINGLE, JSON, body.getBytes(StandardCharsets.UTF_8), 400, field);
    }

    /** A valid scan with one part replaced: {@code "%s"} marks where. */
    private static String valid(String payload) {
        return """
                {"scan_id": "6f1c2e4a-1b2c-4d5e-8f90-a1b2c3d4e5f6", "device_id": "HANDHELD-01",
                 "scanned_at": "2026-01-01T00:00:00Z", "payload": %s}""".formatted(payload);
    }

    private static String withTop(String scanId, String deviceId, String scannedAt) {
        return """
                {"scan_id": %s, "device_id": %s, "scanned_at": %s, "payload": {"tag_id": "T", "location": "L"}}
                """.formatted(scanId, deviceId, scannedAt);
    }

    private static final String ID = "\"6f1c2e4a-1b2c-4d5e-8f90-a1b2c3d4e5f6\"";
    private static final String DEV = "\"HANDHELD-01\"";
    private static final String AT = "\"2026-01-01T00:00:00Z\"";

    static Stream<Case> cases() {
        byte[] invalidUtf8 = concat(valid("{\"tag_id\": \"").getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xC3, (byte) 0x28}, "\", \"location\": \"L\"}}".getBytes(StandardCharsets.UTF_8));
        String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
        StringBuilder manyFields = new StringBuilder("{\"tag_id\": \"T\", \"location\": \"L\"");
        for (int i = 0; i < 70; i++) {
            manyFields.append(", \"f").append(i).append("\": 1");
        }
        manyFields.append('}');
        return Stream.of(
                new Case("empty body", SINGLE, JSON, new byte[0], 400, null),
                scan("whitespace only", "   \n  ", null),
                scan("broken JSON", "{\"scan_id\": ", null),
                scan("array instead of object", "[" + valid("{\"tag_id\": \"T\", \"location\": \"L\"}") + "]", null),
                scan("a string", "\"hello\"", null),
                scan("a number", "42", null),
                scan("JSON null", "null", null),
                scan("trailing garbage", valid("{\"tag_id\": \"T\", \"location\": \"L\"}") + " xyz", null),
                scan("duplicate key", "{\"scan_id\": " + ID + ", \"scan_id\": " + ID + "}", null),
                new Case("invalid UTF-8", SINGLE, JSON, invalidUtf8, 400, null),
                scan("missing scan_id", "{\"device_id\": " + DEV + ", \"scanned_at\": " + AT
                        + ", \"payload\": {\"tag_id\": \"T\", \"location\": \"L\"}}", "scan_id"),
                scan("scan_id not a UUID", withTop("\"12345\"", DEV, AT), "scan_id"),
                scan("scan_id a number", withTop("12345", DEV, AT), "scan_id"),
                scan("missing device_id", "{\"scan_id\": " + ID + ", \"scanned_at\": " + AT
                        + ", \"payload\": {\"tag_id\": \"T\", \"location\": \"L\"}}", "device_id"),
                scan("device_id with path characters", withTop(ID, "\"../etc/passwd\"", AT), "device_id"),
                scan("device_id too long", withTop(ID, "\"" + "H".repeat(65) + "\"", AT), "device_id"),
                scan("device_id an object", withTop(ID, "{\"id\": 1}", AT), "device_id"),
                scan("missing scanned_at", "{\"scan_id\": " + ID + ", \"device_id\": " + DEV
                        + ", \"payload\": {\"tag_id\": \"T\", \"location\": \"L\"}}", "scanned_at"),
                scan("scanned_at without time zone", withTop(ID, DEV, "\"2026-01-01T00:00:00\""), "scanned_at"),
                scan("scanned_at not a date", withTop(ID, DEV, "\"yesterday\""), "scanned_at"),
                scan("scanned_at as epoch number", withTop(ID, DEV, "1767225600"), "scanned_at"),
                scan("scanned_at far in the future", withTop(ID, DEV, "\"2099-01-01T00:00:00Z\""), "scanned_at"),
                scan("scanned_at in 1970", withTop(ID, DEV, "\"1970-01-01T00:00:00Z\""), "scanned_at"),
                scan("missing payload", "{\"scan_id\": " + ID + ", \"device_id\": " + DEV + ", \"scanned_at\": " + AT + "}",
                        "payload"),
                scan("payload an array", valid("[\"T\", \"L\"]"), "payload"),
                scan("payload a string", valid("\"T@L\""), "payload"),
                scan("missing tag_id", valid("{\"location\": \"L\"}"), "payload.tag_id"),
                scan("empty tag_id", valid("{\"tag_id\": \"\", \"location\": \"L\"}"), "payload.tag_id"),
                scan("blank tag_id", valid("{\"tag_id\": \"   \", \"location\": \"L\"}"), "payload.tag_id"),
                scan("tag_id a number", valid("{\"tag_id\": 42, \"location\": \"L\"}"), "payload.tag_id"),
                scan("tag_id too long", valid("{\"tag_id\": \"" + "x".repeat(300) + "\", \"location\": \"L\"}"), "payload.tag_id"),
                scan("tag_id with NUL", valid("{\"tag_id\": \"T\\u0000X\", \"location\": \"L\"}"), "payload.tag_id"),
                scan("tag_id with lone surrogate", valid("{\"tag_id\": \"T\\ud800\", \"location\": \"L\"}"), "payload.tag_id"),
                scan("missing location", valid("{\"tag_id\": \"T\"}"), "payload.location"),
                scan("location null", valid("{\"tag_id\": \"T\", \"location\": null}"), "payload.location"),
                scan("order_id an object", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"order_id\": {}}"), "payload.order_id"),
                scan("station a boolean", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"station\": true}"), "payload.station"),
                scan("extra payload field with NUL", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"note\": \"a\\u0000\"}"),
                        "payload.note"),
                scan("too many payload fields", valid(manyFields.toString()), "payload"),
                // jsonb refuses these: before, the scan was answered 503 forever (the agent retried it without end)
                scan("payload field name with NUL", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"a\\u0000b\": 1}"),
                        "payload"),
                scan("number with a huge exponent", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"n\": 1e200000}"),
                        "payload.n"),
                scan("number with a tiny exponent", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"n\": 1e-20000}"),
                        "payload.n"),
                scan("nested number with a huge exponent",
                        valid("{\"tag_id\": \"T\", \"location\": \"L\", \"x\": {\"y\": [2.5E+999999]}}"), "payload.x.y[0]"),
                scan("deeply nested payload", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"x\": " + deep + "}"), null),
                scan("absurd number", valid("{\"tag_id\": \"T\", \"location\": \"L\", \"n\": 1" + "0".repeat(100) + "}"), null),
                scan("unknown top-level field", valid("{\"tag_id\": \"T\", \"location\": \"L\"}").replace("{\"scan_id\"",
                        "{\"extra\": 1, \"scan_id\""), "extra"),
                new Case("body over 64 KiB", SINGLE, JSON, valid("{\"tag_id\": \"T\", \"location\": \"L\", \"pad\": \""
                        + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8), 413, null),
                new Case("text/plain content type", SINGLE, "text/plain",
                        valid("{\"tag_id\": \"T\", \"location\": \"L\"}").getBytes(StandardCharsets.UTF_8), 415, null),
                new Case("no content type", SINGLE, null,
                        valid("{\"tag_id\": \"T\", \"location\": \"L\"}").getBytes(StandardCharsets.UTF_8), 415, null),
                new Case("latin-1 charset", SINGLE, "application/json; charset=iso-8859-1",
                        valid("{\"tag_id\": \"T\", \"location\": \"L\"}").getBytes(StandardCharsets.ISO_8859_1), 415, null),
                new Case("form encoded", SINGLE, "application/x-www-form-urlencoded",
                        "tag_id=T&location=L".getBytes(StandardCharsets.UTF_8), 415, null),
                new Case("another device's id", SINGLE, JSON, withTop(ID, "\"HANDHELD-99\"", AT)
                        .getBytes(StandardCharsets.UTF_8), 403, "device_id"),
                new Case("batch: body an array", BATCH, JSON, "[]".getBytes(StandardCharsets.UTF_8), 400, null),
                new Case("batch: scans missing", BATCH, JSON, "{}".getBytes(StandardCharsets.UTF_8), 400, "scans"),
                new Case("batch: scans empty", BATCH, JSON, "{\"scans\": []}".getBytes(StandardCharsets.UTF_8), 400, "scans"),
                new Case("batch: scans an object", BATCH, JSON, "{\"scans\": {}}".getBytes(StandardCharsets.UTF_8), 400, "scans"),
                new Case("batch: unknown envelope field", BATCH, JSON, "{\"scans\": [], \"x\": 1}"
                        .getBytes(StandardCharsets.UTF_8), 400, "x"),
                new Case("batch: over 4 MiB", BATCH, JSON, ("{\"scans\": [\"" + "x".repeat(4 * 1024 * 1024 + 10) + "\"]}")
                        .getBytes(StandardCharsets.UTF_8), 413, null),
                new Case("batch: wrong content type", BATCH, "text/csv", "a,b".getBytes(StandardCharsets.UTF_8), 415, null));
    }

    @BeforeAll
    static void start() {
        server = TestServer.start();
        key = server.addDevice("HANDHELD-01");
        server.addDevice("HANDHELD-99");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void is_refused_with_a_clear_error_and_stores_nothing(Case request) {
        Map<String, String> headers = new HashMap<>();
        headers.put("x-client-key", key);
        if (request.contentType() != null) {
            headers.put("Content-Type", request.contentType());
        }

        RawHttp.Response response;
        if (request.body().length > 1024 * 1024) {
            // The server refuses an oversized body by its declared length and closes: read its answer while uploading.
            response = RawHttp.post(server.port(), request.path(), headers, request.body());
        } else {
            HttpResponse<String> http = server.post(request.path(), headers, request.body());
            Map<String, String> names = new HashMap<>();
            http.headers().map().forEach((name, values) -> names.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0)));
            response = new RawHttp.Response(http.statusCode(), names, http.body());
        }

        assertThat(response.status()).as(response.body()).isEqualTo(request.status());
        assertThat(response.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith(JSON));
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) Json.parse(response.body());
        assertThat(error).containsKeys("error", "message", "request_id");
        assertThat(error.get("request_id")).isEqualTo(response.header("X-Request-Id").orElseThrow());
        assertThat((String) error.get("message")).doesNotContain("Exception", "\tat ", "dev.genba");
        if (request.field() != null) {
            assertThat(error).containsEntry("field", request.field());
            assertThat((String) error.get("message")).contains(request.field());
        }
        assertThat(server.count("select count(*) from scans")).isZero();
        assertThat(server.count("select count(*) from part_locations")).isZero();
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int offset = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }
}
