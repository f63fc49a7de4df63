package dev.genba.server.mirror;

import dev.genba.server.agentconfig.AgentConfigStore;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import dev.genba.server.mirror.compare.CompareOptions;
import dev.genba.server.mirror.compare.CompareResult;
import dev.genba.server.mirror.compare.Difference;
import dev.genba.server.mirror.compare.Normalisation;
import dev.genba.server.mirror.compare.TableComparator;
import dev.genba.server.mirror.compare.TableSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.jdbi.v3.core.Jdbi;

/**
 * Mirror verification: compares the old server's database with Genba's, records the result
 * (database and the seed's files), keeps the OK streak, and switches mirror mode on and off for
 * the agents. Used by the CLI ({@code genba mirror ...}), the nightly schedule and the web API.
 */
public final class MirrorService {
    private static final int MAX_DIFFS_PRINTED = 100;

    private final GenbaConfig config;
    private final GenbaConfig.Mirror settings;
    private final Jdbi genba;
    private final DbTarget genbaTarget;
    private final MirrorStore store;
    private final MirrorFiles files;
    private final AgentConfigStore agentConfig;
    private final AuditLog audit;
    private final Clock clock;
    private final ZoneId zone;

    public MirrorService(GenbaConfig config, Jdbi genba, DbTarget genbaTarget, AuditLog audit, Clock clock) {
        this.config = config;
        this.settings = config.mirror();
        this.genba = genba;
        this.genbaTarget = genbaTarget;
        this.store = new MirrorStore(genba);
        this.zone = config.server().timezone();
        this.files = new MirrorFiles(config.logsDir(), config.stateDir(), zone, clock);
        this.agentConfig = new AgentConfigStore(genba);
        this.audit = audit;
        this.clock = clock;
    }

    public MirrorStore store() {
        return store;
    }

    public MirrorFiles files() {
        return files;
    }

    /** The outcome of one comparison: what is printed, logged and stored. */
    public record Outcome(String status, Map<String, Object> summary, List<Map<String, Object>> differences) {
        public int exitCode() {
            return switch (status) {
                case "OK" -> 0;
                case "NG" -> 1;
                default -> 2;
            };
        }
    }

    /**
     * Runs one comparison. {@code scheduled} runs count toward the streak; {@code dryRun} prints
     * the result and changes nothing.
     */
    public Outcome compare(boolean full, boolean scheduled, boolean dryRun) {
        Instant started = clock.instant();
        String mode = full ? "full" : "window";
        CompareResult result = null;
        List<String> errors = new ArrayList<>();
        try {
            result = runComparison(full);
            errors.addAll(result.errors());
        } catch (RuntimeException e) {
            errors.add(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        Instant finished = clock.instant();
        String status = result == null || !result.errors().isEmpty() ? "ERROR" : result.ok() ? "OK" : "NG";

        List<Map<String, Object>> differences = new ArrayList<>();
        int diffRows = 0;
        if (result != null) {
            for (Difference difference : result.differences()) {
                differences.add(describe(difference, finished));
                diffRows += difference.kind() == Difference.Kind.VALUE_MISMATCH ? 2 : 1;
            }
        }
        LocalDate day = started.atZone(zone).toLocalDate();
        List<Streak.Day> days = new ArrayList<>(store.scheduledDays());
        if (scheduled) {
            days.add(new Streak.Day(day, "OK".equals(status)));
        }
        int streak = Streak.of(days, finished.atZone(zone).toLocalDate());

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("ts", finished.toString());
        summary.put("status", status);
        summary.put("mode", mode);
        summary.put("scheduled", scheduled);
        summary.put("rows", result == null ? 0 : result.rows());
        summary.put("diffs", differences.size());
        summary.put("diff_rows", diffRows);
        summary.put("chunks", result == null ? 0 : result.chunks());
        summary.put("skipped", result == null ? 0 : result.skipped());
        summary.put("errors", errors);
        summary.put("time_s", Math.round(Duration.between(started, finished).toMillis() / 10.0) / 100.0);
        summary.put("ok_streak", streak);
        summary.put("rows_fetched", result == null ? 0 : result.rowsFetched());
        if (dryRun) {
            summary.put("dry_run", true);
            return new Outcome(status, summary, differences);
        }

        store.record(new MirrorStore.Run(0, started, finished, day, mode, scheduled, status,
                result == null ? 0 : result.rows(), differences.size(), diffRows, result == null ? 0 : result.chunks(),
                result == null ? 0 : result.skipped(), errors, (Double) summary.get("time_s"), streak), differences);
        files.appendDiffs(differences);
        files.appendStatus(summary);
        files.writeOkCounter(streak);
        return new Outcome(status, summary, differences);
    }

    private CompareResult runComparison(boolean full) {
        if (settings.primaryDb() == null) {
            throw new IllegalStateException("mirror.primary_db_uri is not configured (the old server's database, e.g. "
                    + "postgresql://USER:PASSWORD@window-a.local:5432/DB)");
        }
        TableSpec spec = new TableSpec(settings.table(), settings.keyColumns(), settings.compareColumns(),
                settings.timestampColumn());
        Normalisation normalisation = new Normalisation(settings.trim(), settings.nullEqualsEmpty(),
                settings.timestampTolerance());
        try (Database primary = Database.connect(settings.primaryDb(), 3, "genba-mirror-compare", null);
             Database mirror = Database.connect(settings.mirrorDb() == null ? genbaTarget : settings.mirrorDb(), 3,
                     "genba-mirror-compare", null)) {
            TableComparator comparator = new TableComparator(primary.jdbi(), mirror.jdbi(), spec, normalisation, clock,
                    CompareOptions.defaults().withRecheckPause(settings.recheckDelay()));
            return full ? comparator.full() : comparator.window(windowLookback(), settings.inFlight());
        }
    }

    /**
     * The window never reaches back before mirroring began: rows the old server changed before
     * then never reached Genba and would show as differences on the first night.
     */
    private Duration windowLookback() {
        MirrorStore.State state = store.state();
        Duration lookback = settings.lookback();
        if (state.enabled()) {
            Duration sinceEnabled = Duration.between(state.changedAt(), clock.instant());
            if (sinceEnabled.compareTo(lookback) < 0) {
                lookback = sinceEnabled;
            }
        }
        Duration shortest = settings.inFlight().plusMinutes(1);
        return lookback.compareTo(shortest) < 0 ? shortest : lookback;
    }

    private static Map<String, Object> describe(Difference difference, Instant detected) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("key", difference.key());
        line.put("kind", difference.kind().name().toLowerCase(Locale.ROOT));
        line.put("primary", difference.kind() == Difference.Kind.MISSING_IN_PRIMARY ? null : difference.primaryValues());
        line.put("mirror", difference.kind() == Difference.Kind.MISSING_IN_MIRROR ? null : difference.mirrorValues());
        line.put("columns", difference.columns());
        line.put("detected_at", detected.toString());
        return line;
    }

    /** Turns mirror mode on, after checking the mirror endpoint and both databases answer. */
    public void enable(String actor) {
        String endpoint = settings.endpoint();
        if (endpoint == null) {
            throw new MirrorException("mirror.endpoint is not configured: set it to the scan URL of the mirror server "
                    + "(e.g. http://raspi-server.local:8501/api/v1/scans); mirror mode was NOT enabled");
        }
        List<String> problems = new ArrayList<>();
        Object primaryEndpoint = agentConfig.effective(AgentConfigStore.FLEET).values().get("primary_endpoint");
        if (primaryEndpoint == null) {
            problems.add("agents still send their scans to this server (primary_endpoint is not set), so mirroring would send "
                    + "both copies here; point them at the old server first: genba agent-config set primary_endpoint "
                    + "http://window-a.local:8501/api/v1/scans");
        } else if (primaryEndpoint.equals(endpoint)) {
            problems.add("mirror.endpoint is the same URL as the agents' primary_endpoint (" + endpoint
                    + "); the mirror must be the other server");
        }
        String health = healthCheck(endpoint);
        if (health != null) {
            problems.add(health);
        }
        problems.addAll(databaseChecks());
        if (!problems.isEmpty()) {
            audit.record(actor, "mirror.enable", endpoint, "refused", Map.of("problems", problems));
            throw new MirrorException("mirror mode was NOT enabled:\n  - " + String.join("\n  - ", problems));
        }
        agentConfig.set(AgentConfigStore.FLEET, "mirror_endpoint", endpoint);
        agentConfig.set(AgentConfigStore.FLEET, "mirror_mode", true);
        store.setEnabled(true, endpoint, actor);
        audit.record(actor, "mirror.enable", endpoint, "ok", Map.of());
    }

    /**
     * The one-command rollback: agents stop mirroring, the schedule stops, and {@code archive}
     * (the log rotation of whoever owns the request log) archives the mirror logs.
     */
    public List<String> disable(String actor, java.util.function.Supplier<List<String>> archive) {
        agentConfig.set(AgentConfigStore.FLEET, "mirror_mode", false);
        agentConfig.unset(AgentConfigStore.FLEET, "mirror_endpoint");
        store.setEnabled(false, null, actor);
        List<String> archived = archive.get();
        audit.record(actor, "mirror.disable", "fleet", "ok", Map.of("archived", archived));
        return archived;
    }

    private String healthCheck(String endpoint) {
        URI scans = URI.create(endpoint);
        URI health = scans.resolve("/healthz");
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200 ? null
                    : "mirror endpoint " + health + " answered " + response.statusCode() + " instead of 200; is the mirror server healthy?";
        } catch (java.io.IOException e) {
            return "mirror endpoint " + health + " is not answering (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); start the mirror server first";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while checking " + health;
        }
    }

    private List<String> databaseChecks() {
        List<String> problems = new ArrayList<>();
        if (settings.primaryDb() == null) {
            problems.add("mirror.primary_db_uri is not configured (the old server's database)");
        } else {
            check("primary database " + settings.primaryDb().redacted(), settings.primaryDb(), problems);
        }
        DbTarget mirror = settings.mirrorDb() == null ? genbaTarget : settings.mirrorDb();
        check("mirror database " + mirror.redacted(), mirror, problems);
        return problems;
    }

    private static void check(String name, DbTarget target, List<String> problems) {
        try (Database database = Database.connect(target, 2, "genba-mirror-check", null)) {
            if (!database.ping()) {
                problems.add(name + " is not reachable");
            }
        } catch (RuntimeException e) {
            problems.add(name + " is not reachable: " + e.getMessage());
        }
    }

    /** The facts behind {@code mirrorctl status}. */
    public MirrorStatus status() {
        MirrorStore.State state = store.state();
        Instant now = clock.instant();
        int streak = Streak.of(store.scheduledDays(), now.atZone(zone).toLocalDate());
        var last = store.lastRun();
        var lastDiff = store.lastRunWithDifferences();
        // each client's current configuration version, from one query
        ToLongFunction<String> versions = agentConfig.versions();
        Map<String, Double> latency = latencies(now.minus(Duration.ofHours(24)), versions);
        int[] agents = new int[2];
        Long version = agentVersions(agents, versions);
        return new MirrorStatus(state.enabled(), streak, settings.targetDays(),
                last.map(MirrorStore.Run::finishedAt).orElse(null), last.map(MirrorStore.Run::status).orElse(null),
                lastDiff.map(MirrorStore.Run::finishedAt).orElse(null), lastDiff.map(MirrorStore.Run::diffs).orElse(null),
                latency.get("primary"), latency.get("mirror"), agents[0], agents[1], version,
                state.enabled() ? nextCompare(now) : null, state.endpoint());
    }

    /** Next daily slot (factory time) after {@code now}. */
    public Instant nextCompare(Instant now) {
        ZonedDateTime local = now.atZone(zone);
        ZonedDateTime slot = local.toLocalDate().atTime(settings.compareAt()).atZone(zone);
        return (slot.isAfter(local) ? slot : slot.plusDays(1)).toInstant();
    }

    /** The most recent slot at or before {@code now}. */
    public Instant lastSlot(Instant now) {
        ZonedDateTime local = now.atZone(zone);
        ZonedDateTime slot = local.toLocalDate().atTime(settings.compareAt()).atZone(zone);
        return (slot.isAfter(local) ? slot.minusDays(1) : slot).toInstant();
    }

    /**
     * Average 24 h latency per destination over the latest reports of agents on their current
     * configuration, weighted by samples. A report made before its agent received the current
     * configuration (mirror mode just enabled, an endpoint just changed) measured the old endpoints,
     * so it is left out until that agent's next report.
     */
    private Map<String, Double> latencies(Instant since, ToLongFunction<String> versions) {
        List<Map<String, Object>> reports = genba.withHandle(handle -> handle.createQuery("""
                        select client_id, (report->>'config_version')::bigint as config_version,
                               (report->'latency_ms'->'primary'->>'avg')::float8 as primary_avg,
                               coalesce((report->'latency_ms'->'primary'->>'samples')::float8, 1) as primary_samples,
                               (report->'latency_ms'->'mirror'->>'avg')::float8 as mirror_avg,
                               coalesce((report->'latency_ms'->'mirror'->>'samples')::float8, 1) as mirror_samples
                        from client_status
                        where received_at >= :since and report->'latency_ms' is not null
                        """)
                .bind("since", java.time.OffsetDateTime.ofInstant(since, java.time.ZoneOffset.UTC))
                .mapToMap().list());
        Map<String, Double> result = new LinkedHashMap<>();
        for (String destination : List.of("primary", "mirror")) {
            double weighted = 0;
            double samples = 0;
            for (Map<String, Object> report : reports) {
                Object version = report.get("config_version");
                Object average = report.get(destination + "_avg");
                if (average == null || version == null
                        || ((Number) version).longValue() != versions.applyAsLong((String) report.get("client_id"))) {
                    continue;
                }
                double weight = ((Number) report.get(destination + "_samples")).doubleValue();
                weighted += ((Number) average).doubleValue() * weight;
                samples += weight;
            }
            result.put(destination, samples > 0 ? weighted / samples : null);
        }
        return result;
    }

    /**
     * Fills {@code counts} with [agents on their current config, agents that have reported];
     * returns the version they should all be on, when it is the same for all.
     */
    private Long agentVersions(int[] counts, ToLongFunction<String> versions) {
        List<Map<String, Object>> devices = genba.withHandle(handle -> handle.createQuery("""
                        select d.name, (s.report->>'config_version')::bigint as reported
                        from devices d join client_status s on s.client_id = d.name
                        where d.revoked_at is null order by d.name
                        """).mapToMap().list());
        Long shared = null;
        boolean same = true;
        for (Map<String, Object> device : devices) {
            long current = versions.applyAsLong((String) device.get("name"));
            Object reported = device.get("reported");
            if (reported != null && ((Number) reported).longValue() == current) {
                counts[0]++;
            }
            counts[1]++;
            if (shared == null) {
                shared = current;
            } else if (shared != current) {
                same = false;
            }
        }
        return same ? shared : null;
    }
}
