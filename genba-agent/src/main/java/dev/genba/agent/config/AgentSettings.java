package dev.genba.agent.config;

import dev.genba.protocol.AgentSetting;
import dev.genba.agent.outbox.Destination;
import java.util.List;
import java.util.Map;

/**
 * The settings in force right now: the file's values overlaid with the server's last
 * configuration. A null {@code primary_endpoint} means the configured server itself.
 */
public record AgentSettings(long configVersion, String primaryEndpoint, String mirrorEndpoint, boolean mirrorMode,
                            int timeoutMs, int maxAttempts, long backoffMs, int statusIntervalS,
                            int configPollIntervalS, int logFlushIntervalS) {
    /** The most a status report, log batch or config poll waits for its answer; see {@link #jobTimeoutMs()}. */
    public static final int JOB_TIMEOUT_CAP_MS = 10_000;

    /**
     * {@code timeout_ms} for the agent's own small requests (status, logs, config), at most
     * {@value #JOB_TIMEOUT_CAP_MS} ms: they share one thread, and a server that takes a connection
     * but never answers would otherwise hold all three for as long as {@code timeout_ms} allows
     * (up to 10 minutes, meant for scan batches), and keep `genba-agent report` waiting as long.
     */
    public int jobTimeoutMs() {
        return Math.min(timeoutMs, JOB_TIMEOUT_CAP_MS);
    }

    public static AgentSettings from(long configVersion, Map<String, Object> values, String serverUrl) {
        String primary = (String) values.get("primary_endpoint");
        return new AgentSettings(configVersion,
                primary == null ? serverUrl + "/api/v1/scans" : primary,
                (String) values.get("mirror_endpoint"),
                Boolean.TRUE.equals(values.get("mirror_mode")),
                intValue(values, "timeout_ms"),
                intValue(values, "retry.max_attempts"),
                ((Number) value(values, "retry.backoff_ms")).longValue(),
                intValue(values, "status_interval_s"),
                intValue(values, "config_poll_interval_s"),
                intValue(values, "log_flush_interval_s"));
    }

    /**
     * Where a scan committed now goes: the primary always; the mirror while mirror mode is on and
     * a mirror endpoint is set.
     */
    public List<Destination> destinations() {
        return mirrorMode && mirrorEndpoint != null
                ? List.of(Destination.PRIMARY, Destination.MIRROR) : List.of(Destination.PRIMARY);
    }

    private static int intValue(Map<String, Object> values, String key) {
        return ((Number) value(values, key)).intValue();
    }

    private static Object value(Map<String, Object> values, String key) {
        Object value = values.get(key);
        return value != null ? value : AgentSetting.find(key).orElseThrow().defaultValue();
    }
}
