package dev.genba.agent.intake;

import dev.genba.agent.outbox.QueuedScan;
import dev.genba.protocol.Json;
import dev.genba.protocol.JsonFields;
import dev.genba.protocol.ProtocolException;
import dev.genba.protocol.ScanRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what a scanner app hands over into scans ready for the outbox: fills {@code scan_id},
 * {@code device_id} and {@code scanned_at} when absent, then validates with the server's own
 * rules so a scan the server would refuse is refused here, before it is acknowledged.
 */
public final class ScanIntake {
    public static final int MAX_SCANS_PER_REQUEST = 1000;

    private final String clientId;
    private final Clock clock;

    public ScanIntake(String clientId, Clock clock) {
        this.clientId = clientId;
        this.clock = clock;
    }

    /** What one request handed over; {@code batch} when it came as {@code {"scans": [...]}}, however many. */
    public record Received(List<QueuedScan> scans, boolean batch) {
    }

    /** One scan object, or {@code {"scans": [...]}} with up to 1000 of them (all or none are accepted). */
    public Received read(byte[] body) {
        Object parsed = Json.parse(body);
        JsonFields top = JsonFields.of(parsed, "");
        if (top.raw().containsKey("scans") && !top.raw().containsKey("payload")) {
            List<Object> items = top.allowOnly(Set.of("scans")).requiredArray("scans", MAX_SCANS_PER_REQUEST);
            List<QueuedScan> scans = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                scans.add(complete(items.get(i), "scans[" + i + "]"));
            }
            return new Received(scans, true);
        }
        return new Received(List.of(complete(parsed, "")), false);
    }

    /** A scan made from command-line values ({@code genba-agent scan --tag ... --location ...}). */
    public QueuedScan fromFields(Map<String, Object> payload) {
        return fromFields(payload, null);
    }

    /** As {@link #fromFields(Map)}, with the scan's own id when the caller has one (null: a new one). */
    public QueuedScan fromFields(Map<String, Object> payload, String scanId) {
        Map<String, Object> scan = new LinkedHashMap<>();
        if (scanId != null) {
            scan.put("scan_id", scanId);
        }
        scan.put("payload", new LinkedHashMap<>(payload));
        return complete(scan, "");
    }

    private QueuedScan complete(Object node, String path) {
        JsonFields fields = JsonFields.of(node, path);
        Map<String, Object> scan = new LinkedHashMap<>(fields.raw());
        Instant now = clock.instant();
        scan.putIfAbsent("scan_id", ScanIds.newId(now.toEpochMilli()).toString());
        scan.putIfAbsent("device_id", clientId);
        scan.putIfAbsent("scanned_at", now.truncatedTo(ChronoUnit.MILLIS).toString());
        if (!clientId.equals(scan.get("device_id"))) {
            String field = path.isEmpty() ? "device_id" : path + ".device_id";
            throw ProtocolException.invalidField(field, field + " must be this device's client_id \"" + clientId
                    + "\" or left out: the server accepts scans only for the device whose key sent them");
        }
        ScanRequest request = ScanRequest.fromJson(scan, path);
        return new QueuedScan(request.scanId().toString(), Json.write(request.toJson()));
    }
}
