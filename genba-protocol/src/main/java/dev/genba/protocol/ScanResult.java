package dev.genba.protocol;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** What the server did with one scan: {@code stored}, {@code duplicate} or {@code rejected}. */
public record ScanResult(UUID scanId, Status status, String error, String field, String message) {

    public enum Status { STORED, DUPLICATE, REJECTED }

    public static ScanResult stored(UUID scanId) {
        return new ScanResult(scanId, Status.STORED, null, null, null);
    }

    public static ScanResult duplicate(UUID scanId) {
        return new ScanResult(scanId, Status.DUPLICATE, null, null, null);
    }

    public static ScanResult rejected(UUID scanId, String error, String field, String message) {
        return new ScanResult(scanId, Status.REJECTED, error, field, message);
    }

    public boolean accepted() {
        return status != Status.REJECTED;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scan_id", scanId == null ? null : scanId.toString());
        json.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        json.put("duplicate", status == Status.DUPLICATE);
        if (status == Status.REJECTED) {
            json.put("error", error);
            json.put("field", field);
            json.put("message", message);
        }
        return json;
    }
}
