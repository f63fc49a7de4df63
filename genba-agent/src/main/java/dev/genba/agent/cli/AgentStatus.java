package dev.genba.agent.cli;

import dev.genba.agent.AgentVersion;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.AgentSettings;
import dev.genba.agent.http.ServerClock;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.DestinationStats;
import dev.genba.protocol.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The facts {@code genba-agent status} shows, as text for people (local time) or JSON (UTC). */
record AgentStatus(AgentFileConfig file, AgentSettings settings, boolean serverConfigReceived,
                   List<DestinationStats> destinations,
                   Map<Destination, List<DeadLetter>> newestDeadLetters, long statusReportsWaiting, ServerProbe server,
                   IntakeProbe intake, List<String> damagedSetAside, long stateDiskFreeBytes, Instant now) {
    /** Below this, SQLite cannot grow the outbox or its WAL: the intake refuses scans (503). */
    static final long DISK_FULL_BELOW_BYTES = 1024 * 1024;

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z")
            .withZone(ZoneId.systemDefault());

    boolean needsAttention() {
        return !server.reachable() || intake.notListening() || outboxFull() || diskFull() || !damagedSetAside.isEmpty()
                || !clockAgrees()
                || destinations.stream().anyMatch(d -> d.deadLetters() > 0 || d.lastError() != null);
    }

    /** True unless the server's clock, when known, is more than a minute from this Pi's. */
    boolean clockAgrees() {
        return server.serverAheadMs() == null || ServerClock.agrees(server.serverAheadMs());
    }

    /** The disk holding the state directory has (next to) no room left; -1 = could not be read. */
    boolean diskFull() {
        return stateDiskFreeBytes >= 0 && stateDiskFreeBytes < DISK_FULL_BELOW_BYTES;
    }

    long pendingDeliveries() {
        return destinations.stream().mapToLong(DestinationStats::pending).sum();
    }

    /** True when the intake would refuse a single scan now (one delivery per destination it would go to). */
    boolean outboxFull() {
        return pendingDeliveries() + settings.destinations().size() > file.outboxMaxRows();
    }

    String toText() {
        StringBuilder text = new StringBuilder();
        text.append("genba-agent ").append(AgentVersion.current()).append(" as ").append(file.clientId()).append('\n');
        text.append("config:   ").append(!serverConfigReceived
                ? "no configuration received from the server yet, using " + file.source()
                : "version " + settings.configVersion() + " from the server (kept in " + file.serverConfigFile() + ")")
                .append('\n');
        text.append("server:   ").append(file.serverUrl()).append(server.reachable() ? " reachable (" : " NOT reachable (")
                .append(server.detail()).append(")\n");
        text.append("clock:    ").append(server.serverAheadMs() == null
                ? "not compared (" + (server.reachable() ? "the server sent no time" : "the server did not answer") + ")"
                : clockAgrees() ? "agrees with the server's (within 1 min)"
                : ServerClock.describe(server.serverAheadMs()) + ": scans stamped here get a wrong scanned_at"
                        + " (RUNBOOK 11.1 step 8)").append('\n');
        text.append("mirror:   ").append(settings.mirrorMode() ? "on" : "off").append('\n');
        text.append("intake:   ").append(intake.notListening()
                ? intake.problem()
                : diskFull()
                ? "probably REFUSING new scans (503): the disk holding " + file.stateDir() + " is nearly full ("
                        + stateDiskFreeBytes / 1024 + " KiB free); free space there (RUNBOOK 11.5), the scans already"
                        + " taken are kept"
                : outboxFull()
                ? "REFUSING new scans (503, outbox full): " + pendingDeliveries() + " deliveries waiting, outbox_max_rows is "
                        + file.outboxMaxRows() + "; scans are taken again as soon as the server takes the waiting ones"
                : "accepting scans (" + pendingDeliveries() + " of " + file.outboxMaxRows() + " deliveries waiting)")
                .append('\n');
        text.append('\n').append(String.format("%-12s %8s  %-14s %12s  %-25s %s%n", "DESTINATION", "PENDING",
                "OLDEST", "DEAD LETTERS", "LAST SUCCESS", "ENDPOINT"));
        for (DestinationStats stats : destinations) {
            String endpoint = stats.destination().endpoint(settings);
            text.append(String.format("%-12s %8d  %-14s %12d  %-25s %s%n", stats.destination().key(), stats.pending(),
                    stats.oldestPending() == null ? "-" : age(Duration.between(stats.oldestPending(), now)),
                    stats.deadLetters(), stats.lastSuccess() == null ? "never" : LOCAL.format(stats.lastSuccess()),
                    endpoint == null ? "(none configured)" : endpoint
                            + (stats.destination() == Destination.MIRROR && !settings.mirrorMode()
                                    ? " (mirror mode off: only scans queued before go here)" : "")));
        }
        for (DestinationStats stats : destinations) {
            if (stats.lastError() != null) {
                text.append("\n").append(stats.destination().key()).append(" last error at ")
                        .append(LOCAL.format(stats.lastErrorAt())).append(":\n  ").append(stats.lastError()).append('\n');
            }
        }
        if (destinations.stream().anyMatch(d -> d.deadLetters() > 0)) {
            text.append("\nDead letters are scans a destination refused for good; they are kept in ")
                    .append(file.outboxFile()).append(" until an operator acts (`genba-agent dead-letters`). Newest:\n");
            newestDeadLetters.forEach((destination, letters) -> letters.forEach(letter -> text.append("  ")
                    .append(destination.key()).append(' ').append(letter.scanId()).append(' ')
                    .append(LOCAL.format(letter.failedAt())).append(": ").append(letter.reason()).append('\n')));
        }
        if (!damagedSetAside.isEmpty()) {
            text.append("\nA damaged outbox was set aside (RUNBOOK 11.7; remove the folder once it has been dealt with):\n");
            damagedSetAside.forEach(line -> text.append("  ").append(line).append('\n'));
        }
        text.append("\nstatus reports waiting to be sent: ").append(statusReportsWaiting).append('\n');
        return text.toString();
    }

    String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("agent_version", AgentVersion.current());
        json.put("client_id", file.clientId());
        json.put("config_version", settings.configVersion());
        json.put("server_url", file.serverUrl());
        json.put("server_reachable", server.reachable());
        json.put("server_detail", server.detail());
        json.put("server_clock_ahead_s", server.serverAheadMs() == null ? null : Math.round(server.serverAheadMs() / 1000.0));
        json.put("mirror_mode", settings.mirrorMode());
        json.put("intake_listening", intake.listening());
        json.put("outbox_full", outboxFull());
        json.put("disk_full", diskFull());
        json.put("state_disk_free_bytes", stateDiskFreeBytes < 0 ? null : stateDiskFreeBytes);
        json.put("outbox_max_rows", file.outboxMaxRows());
        Map<String, Object> perDestination = new LinkedHashMap<>();
        for (DestinationStats stats : destinations) {
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("endpoint", stats.destination().endpoint(settings));
            facts.put("pending", stats.pending());
            facts.put("oldest_pending_s", stats.oldestPending() == null ? null
                    : Math.max(0, Duration.between(stats.oldestPending(), now).toSeconds()));
            facts.put("dead_letters", stats.deadLetters());
            facts.put("last_success_at", stats.lastSuccess());
            facts.put("last_error", stats.lastError());
            facts.put("last_error_at", stats.lastErrorAt());
            perDestination.put(stats.destination().key(), facts);
        }
        json.put("destinations", perDestination);
        json.put("status_reports_waiting", statusReportsWaiting);
        json.put("damaged_outboxes_set_aside", damagedSetAside);
        return Json.write(json);
    }

    private static String age(Duration age) {
        long seconds = Math.max(0, age.toSeconds());
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return seconds / 60 + " min";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }
}
