package dev.genba.server.mirror;

import dev.genba.server.cli.Times;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code mirrorctl status} and {@code GET /api/v1/mirror/status} show: the same facts,
 * as the seed's lines or as JSON.
 */
public record MirrorStatus(boolean enabled, int okStreak, int targetDays, Instant lastCompareAt, String lastCompareStatus,
                           Instant lastDiffAt, Integer lastDiffRecords, Double primaryLatencyMs, Double mirrorLatencyMs,
                           int agentsOnCurrentConfig, int agentsTotal, Long configVersion, Instant nextCompareAt,
                           String endpoint) {

    public boolean switchOverReady() {
        return okStreak >= targetDays;
    }

    /** The seed's format (§9.3), line for line, plus agents and the next run. */
    public List<String> lines(ZoneId zone) {
        List<String> lines = new ArrayList<>();
        lines.add("Mirror Mode   : " + (enabled ? "enabled" : "disabled"));
        lines.add("OK Streak     : " + okStreak + (okStreak == 1 ? " day" : " days") + " (target " + targetDays + ")"
                + (switchOverReady() ? "  -> switch-over ready" : ""));
        lines.add("Last Compare  : " + (lastCompareAt == null ? "-" : Times.local(lastCompareAt, zone) + " (" + lastCompareStatus + ")"));
        lines.add("Last Diff     : " + (lastDiffAt == null ? "-" : Times.local(lastDiffAt, zone) + " (" + lastDiffRecords + " records)"));
        lines.add("Avg Latency   : primary " + ms(primaryLatencyMs) + " / mirror " + ms(mirrorLatencyMs) + " (24h)");
        lines.add("Agents        : " + agentsOnCurrentConfig + "/" + agentsTotal + " on "
                + (configVersion == null ? "their current config" : "config v" + configVersion));
        lines.add("Next Compare  : " + (nextCompareAt == null ? "- (mirror mode is disabled)" : Times.local(nextCompareAt, zone)));
        return lines;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mirror_mode", enabled ? "enabled" : "disabled");
        json.put("ok_streak", okStreak);
        json.put("target_days", targetDays);
        json.put("switch_over_ready", switchOverReady());
        json.put("last_compare_at", lastCompareAt);
        json.put("last_compare_status", lastCompareStatus);
        json.put("last_diff_at", lastDiffAt);
        json.put("last_diff_records", lastDiffRecords);
        json.put("avg_latency_ms", latency());
        json.put("agents_on_current_config", agentsOnCurrentConfig);
        json.put("agents_total", agentsTotal);
        json.put("config_version", configVersion);
        json.put("next_compare_at", nextCompareAt);
        json.put("mirror_endpoint", endpoint);
        return json;
    }

    private Map<String, Object> latency() {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("primary", primaryLatencyMs == null ? null : Math.round(primaryLatencyMs));
        latency.put("mirror", mirrorLatencyMs == null ? null : Math.round(mirrorLatencyMs));
        return latency;
    }

    private static String ms(Double value) {
        return value == null ? "-" : Math.round(value) + " ms";
    }
}
