package dev.genba.protocol;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A client's health sample, sent every minute by the agent to {@code POST /api/clients/status}.
 * Every metric is optional but typed and range-checked. {@code sampled_at} lets an agent
 * back-fill samples it took while the server was unreachable.
 */
public record ClientStatusReport(String clientId, String hostname, String ipAddress, Double cpuUsage,
                                 Double memoryUsage, Double diskUsage, Double temperature, Long uptimeSeconds,
                                 Instant lastBoot, Instant sampledAt, String agentVersion, Long configVersion,
                                 Long logsDropped, Map<String, Object> outbox, Map<String, Object> latencyMs) {

    private static final Set<String> FIELDS = Set.of("client_id", "hostname", "ip_address", "cpu_usage",
            "memory_usage", "disk_usage", "temperature", "uptime_seconds", "last_boot", "sampled_at",
            "agent_version", "config_version", "logs_dropped", "outbox", "latency_ms");
    private static final Set<String> OUTBOX_FIELDS = Set.of("pending", "oldest_pending_s", "dead_letters",
            "last_success_at");
    private static final Set<String> LATENCY_FIELDS = Set.of("avg", "p50", "p95", "p99", "max", "samples");
    private static final int MAX_DESTINATIONS = 8;
    private static final long TEN_YEARS_S = 10L * 366 * 24 * 3600;
    /** The temperatures (°C) a report may carry; a sensor reading outside them is a broken sensor. */
    public static final double MIN_TEMPERATURE = -60;
    public static final double MAX_TEMPERATURE = 150;
    private static final double HOUR_MS = 3_600_000;

    public static ClientStatusReport fromJson(Object node) {
        JsonFields body = JsonFields.of(node, "").allowOnly(FIELDS);
        String clientId = DeviceNames.check("client_id", body.requiredText("client_id", DeviceNames.MAX_LENGTH));
        return new ClientStatusReport(
                clientId,
                body.optionalText("hostname", 253),
                body.optionalText("ip_address", 64),
                body.optionalNumber("cpu_usage", 0, 100),
                body.optionalNumber("memory_usage", 0, 100),
                body.optionalNumber("disk_usage", 0, 100),
                body.optionalNumber("temperature", MIN_TEMPERATURE, MAX_TEMPERATURE),
                body.optionalInteger("uptime_seconds", 0, TEN_YEARS_S),
                body.optionalInstant("last_boot"),
                body.optionalInstant("sampled_at"),
                body.optionalText("agent_version", 64),
                body.optionalInteger("config_version", 0, Long.MAX_VALUE),
                body.optionalInteger("logs_dropped", 0, Long.MAX_VALUE),
                perDestination(body, "outbox", OUTBOX_FIELDS),
                perDestination(body, "latency_ms", LATENCY_FIELDS));
    }

    /** {@code {"primary": {...}, "mirror": {...}}}: a few named destinations with numeric facts each. */
    private static Map<String, Object> perDestination(JsonFields body, String name, Set<String> fields) {
        JsonFields destinations = body.optionalObject(name);
        if (destinations == null) {
            return null;
        }
        if (destinations.raw().size() > MAX_DESTINATIONS) {
            throw ProtocolException.invalidField(body.path(name),
                    body.path(name) + " has more than " + MAX_DESTINATIONS + " destinations");
        }
        Map<String, Object> checked = new LinkedHashMap<>();
        for (String destination : destinations.raw().keySet()) {
            DeviceNames.check(destinations.path(destination), destination);
            JsonFields facts = destinations.requiredObject(destination).allowOnly(fields);
            Map<String, Object> values = new LinkedHashMap<>();
            for (String field : facts.raw().keySet()) {
                Object value = switch (field) {
                    case "pending", "dead_letters", "samples" -> facts.optionalInteger(field, 0, Long.MAX_VALUE);
                    case "last_success_at" -> facts.optionalInstant(field);
                    case "oldest_pending_s" -> facts.optionalNumber(field, 0, TEN_YEARS_S);
                    default -> facts.optionalNumber(field, 0, HOUR_MS);
                };
                values.put(field, value instanceof Instant instant ? instant.toString() : value);
            }
            checked.put(destination, values);
        }
        return checked;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("client_id", clientId);
        json.put("hostname", hostname);
        json.put("ip_address", ipAddress);
        json.put("cpu_usage", cpuUsage);
        json.put("memory_usage", memoryUsage);
        json.put("disk_usage", diskUsage);
        json.put("temperature", temperature);
        json.put("uptime_seconds", uptimeSeconds);
        json.put("last_boot", lastBoot);
        json.put("sampled_at", sampledAt);
        json.put("agent_version", agentVersion);
        json.put("config_version", configVersion);
        json.put("logs_dropped", logsDropped);
        json.put("outbox", outbox);
        json.put("latency_ms", latencyMs);
        json.values().removeIf(java.util.Objects::isNull);
        return json;
    }
}
