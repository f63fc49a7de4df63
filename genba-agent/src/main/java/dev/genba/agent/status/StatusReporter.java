package dev.genba.agent.status;

import dev.genba.agent.config.AgentSettings;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.config.ServerContact;
import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.delivery.LatencyTracker;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.DestinationStats;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.protocol.ClientStatusReport;
import dev.genba.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds the status report (Pi health + the agent's own state) and sends it to
 * {@code POST /api/clients/status}. Reports taken while the server is away wait in the
 * {@link StatusBacklog} and go out later, each with its own {@code sampled_at}.
 */
public final class StatusReporter {
    private static final AgentLog LOG = AgentLog.of(StatusReporter.class);
    private static final int SENDS_PER_TICK = 200;

    private final LiveSettings settings;
    private final SystemSampler sampler;
    private final OutboxStore outbox;
    private final StatusBacklog backlog;
    private final Function<Destination, LatencyTracker.Summary> latency;
    /** Gives null where the count is unknown: only the running agent counts the log lines it dropped. */
    private final Supplier<Long> logsDropped;
    private final AgentHttp http;
    private final ServerContact contact;
    private final Clock clock;
    private final String agentVersion;

    public StatusReporter(LiveSettings settings, SystemSampler sampler, OutboxStore outbox, StatusBacklog backlog,
                          Function<Destination, LatencyTracker.Summary> latency, Supplier<Long> logsDropped,
                          AgentHttp http, ServerContact contact, Clock clock, String agentVersion) {
        this.settings = settings;
        this.sampler = sampler;
        this.outbox = outbox;
        this.backlog = backlog;
        this.latency = latency;
        this.logsDropped = logsDropped;
        this.http = http;
        this.contact = contact;
        this.clock = clock;
        this.agentVersion = agentVersion;
    }

    /** The periodic job: take a sample, keep it, send what is waiting. */
    public void tick() throws InterruptedException {
        String report = Json.write(sample().toJson());
        try {
            backlog.add(report);
        } catch (DatabaseException e) {
            // The disk is full or failing: this report cannot wait on disk, so it goes now or not at
            // all, and the server sees the full disk in it. The reports already waiting wait on.
            LOG.warn("status report sent without keeping it (it is lost if the server does not take it now): "
                    + e.getMessage());
            send(report);
            return;
        }
        sendBacklog();
    }

    public ClientStatusReport sample() throws InterruptedException {
        SystemSample system = sampler.sample(serverHost(settings.file().serverUrl()));
        Instant now = clock.instant();
        AgentSettings current = settings.current();
        Map<String, Object> outboxFacts = new LinkedHashMap<>();
        Map<String, Object> latencies = new LinkedHashMap<>();
        for (DestinationStats stats : outbox.stats().values()) {
            Destination destination = stats.destination();
            if (destination == Destination.MIRROR && destination.endpoint(current) == null && stats.pending() == 0
                    && stats.deadLetters() == 0) {
                continue;
            }
            outboxFacts.put(destination.key(), outboxFacts(stats, now));
            LatencyTracker.Summary summary = latency.apply(destination);
            if (summary != null) {
                latencies.put(destination.key(), summary.toJson());
            }
        }
        return new ClientStatusReport(settings.file().clientId(), system.hostname(), system.ipAddress(),
                system.cpuUsage(), system.memoryUsage(), system.diskUsage(), system.temperature(),
                system.uptimeSeconds(), system.lastBoot(), now.truncatedTo(ChronoUnit.MILLIS), agentVersion,
                current.configVersion(), logsDropped.get(), outboxFacts, latencies.isEmpty() ? null : latencies);
    }

    private static String serverHost(String serverUrl) {
        try {
            return URI.create(serverUrl).getHost();
        } catch (IllegalArgumentException e) {
            return null; // the config loader has checked it; a sample does not fail over the address
        }
    }

    private static Map<String, Object> outboxFacts(DestinationStats stats, Instant now) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("pending", stats.pending());
        if (stats.oldestPending() != null) {
            facts.put("oldest_pending_s", Math.max(0, Duration.between(stats.oldestPending(), now).toSeconds()));
        }
        facts.put("dead_letters", stats.deadLetters());
        if (stats.lastSuccess() != null) {
            facts.put("last_success_at", stats.lastSuccess().toString());
        }
        return facts;
    }

    /**
     * Sends the newest waiting report, then the older ones oldest first; stops at the first one the
     * server does not take now. The newest goes first because the fleet page shows the newest sample
     * the server has: a day's back-fill takes several ticks, and sent oldest first it would show
     * hours-old figures meanwhile. The server files an older sample into history only.
     */
    public void sendBacklog() {
        Optional<StatusBacklog.Stored> newest = backlog.newest();
        if (newest.isEmpty() || !sendStored(newest.get())) {
            return;
        }
        for (StatusBacklog.Stored report : backlog.oldest(SENDS_PER_TICK - 1)) {
            if (!sendStored(report)) {
                return;
            }
        }
    }

    /** False when the server did not take the report now: it stays in the backlog for a later tick. */
    private boolean sendStored(StatusBacklog.Stored report) {
        if (send(report.body()) == SendResult.RETRY_LATER) {
            return false;
        }
        backlog.remove(report.id());
        return true;
    }

    public enum SendResult { TAKEN, REFUSED, RETRY_LATER }

    /** One report to the server; a 400/422 is final (the report is malformed, sending it again cannot help). */
    public SendResult send(String body) {
        String url = settings.file().serverUrl() + "/api/clients/status";
        try {
            HttpAnswer answer = http.postJson(url, body.getBytes(StandardCharsets.UTF_8),
                    settings.current().jobTimeoutMs());
            if (answer.ok()) {
                contact.answered(ServerContact.Call.STATUS, null);
                return SendResult.TAKEN;
            }
            contact.answered(ServerContact.Call.STATUS, answer.describe(url));
            if (answer.status() == 400 || answer.status() == 422) {
                LOG.warn("the server refused a status report for good (" + answer.errorSummary() + "); it is dropped");
                return SendResult.REFUSED;
            }
            return SendResult.RETRY_LATER;
        } catch (IOException e) {
            contact.unreachable(ServerContact.Call.STATUS, NoAnswer.describe(url, e));
            return SendResult.RETRY_LATER;
        }
    }
}
