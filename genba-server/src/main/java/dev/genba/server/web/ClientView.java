package dev.genba.server.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One client as the pages show it, typed from the fleet query's row. */
public record ClientView(String id, String state, Instant lastSeen, String hostname, String ip, Double cpu, Double memory,
                         Double disk, Double temperature, Long uptimeSeconds, String lastBoot, String agentVersion,
                         Long configVersion, Long pending, long errors24h, Long logsDropped, List<Destination> destinations) {

    /** One delivery destination of the client's agent (primary, mirror). */
    public record Destination(String name, Long pending, Long oldestPendingSeconds, Long deadLetters, Double latencyMs) {
    }

    public static ClientView of(Map<String, Object> row) {
        List<Destination> destinations = new ArrayList<>();
        Map<?, ?> outbox = row.get("outbox") instanceof Map<?, ?> map ? map : Map.of();
        Map<?, ?> latency = row.get("latency_ms") instanceof Map<?, ?> map ? map : Map.of();
        java.util.Set<Object> names = new java.util.TreeSet<>(java.util.Comparator.comparing(String::valueOf));
        names.addAll(outbox.keySet());
        names.addAll(latency.keySet());
        for (Object name : names) {
            Map<?, ?> facts = outbox.get(name) instanceof Map<?, ?> map ? map : Map.of();
            destinations.add(new Destination(String.valueOf(name), whole(facts.get("pending")),
                    whole(facts.get("oldest_pending_s")), whole(facts.get("dead_letters")), latencyOf(latency.get(name))));
        }
        return new ClientView((String) row.get("client_id"), (String) row.get("state"), (Instant) row.get("last_seen_at"),
                text(row.get("hostname")), text(row.get("ip_address")), decimal(row.get("cpu_usage")),
                decimal(row.get("memory_usage")), decimal(row.get("disk_usage")), decimal(row.get("temperature")),
                whole(row.get("uptime_seconds")), text(row.get("last_boot")), text(row.get("agent_version")),
                whole(row.get("config_version")), whole(row.get("pending_scans")),
                row.get("errors_24h") instanceof Number n ? n.longValue() : 0, whole(row.get("logs_dropped")), destinations);
    }

    /** Latency may be reported as a number or as {"avg": n, ...}. */
    private static Double latencyOf(Object value) {
        if (value instanceof Map<?, ?> map) {
            for (String key : List.of("avg_24h", "avg", "mean")) {
                if (map.get(key) instanceof Number number) {
                    return number.doubleValue();
                }
            }
            return null;
        }
        return decimal(value);
    }

    public boolean hot() {
        return temperature != null && temperature >= 70;
    }

    public boolean full() {
        return disk != null && disk >= 90;
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static Double decimal(Object value) {
        return value instanceof Number number ? number.doubleValue() : null;
    }

    private static Long whole(Object value) {
        return value instanceof Number number ? number.longValue() : null;
    }
}
