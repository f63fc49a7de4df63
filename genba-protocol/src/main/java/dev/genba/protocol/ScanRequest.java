package dev.genba.protocol;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One barcode scan as a handheld sends it:
 * {@code {"scan_id", "device_id", "scanned_at", "payload": {"tag_id", "order_id", "location", ...}}}.
 *
 * <p>{@code payload} keeps every field the device sent (unknown ones included), with
 * {@code order_id} filled in as {@code ""} when absent.
 */
public record ScanRequest(UUID scanId, String deviceId, Instant scannedAt, String tagId, String orderId,
                          String location, String station, String lot, Map<String, Object> payload) {

    public static final int MAX_TEXT = 256;
    public static final int MAX_PAYLOAD_FIELDS = 64;
    private static final Set<String> TOP_LEVEL = Set.of("scan_id", "device_id", "scanned_at", "payload");

    /** Validates a parsed scan; {@code path} prefixes field names ("" for a single scan, "scans[3]" in a batch). */
    public static ScanRequest fromJson(Object node, String path) {
        JsonFields body = JsonFields.of(node, path).allowOnly(TOP_LEVEL);
        UUID scanId = body.requiredUuid("scan_id");
        String deviceId = DeviceNames.check(body.path("device_id"), body.requiredText("device_id", DeviceNames.MAX_LENGTH));
        Instant scannedAt = body.requiredInstant("scanned_at");
        JsonFields payload = body.requiredObject("payload");
        if (payload.raw().size() > MAX_PAYLOAD_FIELDS) {
            throw ProtocolException.invalidField(body.path("payload"),
                    body.path("payload") + " has " + payload.raw().size() + " fields, at most " + MAX_PAYLOAD_FIELDS + " allowed");
        }
        String tagId = payload.requiredText("tag_id", MAX_TEXT);
        String location = payload.requiredText("location", MAX_TEXT);
        String orderId = payload.optionalText("order_id", MAX_TEXT);
        String station = payload.optionalText("station", MAX_TEXT);
        String lot = payload.optionalText("lot", MAX_TEXT);
        // the whole payload, so its own field names are checked too (jsonb refuses a NUL in one)
        JsonFields.checkStrings(body.path("payload"), payload.raw(), 4096);
        Map<String, Object> kept = new LinkedHashMap<>(payload.raw());
        kept.put("order_id", orderId == null ? "" : orderId);
        return new ScanRequest(scanId, deviceId, scannedAt, tagId, orderId == null ? "" : orderId,
                location, station, lot, kept);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scan_id", scanId.toString());
        json.put("device_id", deviceId);
        json.put("scanned_at", scannedAt.toString());
        json.put("payload", payload);
        return json;
    }
}
