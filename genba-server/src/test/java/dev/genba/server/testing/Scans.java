package dev.genba.server.testing;

import java.time.Instant;
import java.util.UUID;

/** Scan bodies for tests, as a handheld would send them. */
public final class Scans {
    private Scans() {
    }

    public static String json(UUID scanId, String device, Instant scannedAt, String tag, String order, String location) {
        return """
                {"scan_id": "%s", "device_id": "%s", "scanned_at": "%s",
                 "payload": {"tag_id": "%s", "order_id": "%s", "location": "%s", "station": "A", "lot": "LOT-1"}}
                """.formatted(scanId, device, scannedAt, tag, order, location);
    }

    public static String json(String device, String tag, String location) {
        return json(UUID.randomUUID(), device, Instant.now(), tag, "", location);
    }
}
