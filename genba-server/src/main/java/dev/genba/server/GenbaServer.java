package dev.genba.server;

import dev.genba.server.agentconfig.AgentConfigRoutes;
import dev.genba.server.agentconfig.AgentConfigStore;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.auth.AccessGuard;
import dev.genba.server.auth.AdminTokenStore;
import dev.genba.server.auth.CredentialCache;
import dev.genba.server.auth.DeviceKeyStore;
import dev.genba.server.clients.ClientIntakeRoutes;
import dev.genba.server.clients.ClientLogStore;
import dev.genba.server.clients.ClientStatusStore;
import dev.genba.server.clients.FleetQueries;
import dev.genba.server.clients.FleetRoutes;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.db.DbEvents;
import dev.genba.server.db.DbTarget;
import dev.genba.server.db.EmbeddedDatabase;
import dev.genba.server.db.ServerLock;
import dev.genba.server.clients.RetentionJob;
import dev.genba.server.health.HealthRoutes;
import dev.genba.server.http.HttpServer;
import dev.genba.server.mirror.MirrorRotation;
import dev.genba.server.mirror.MirrorRoutes;
import dev.genba.server.mirror.MirrorScheduler;
import dev.genba.server.mirror.MirrorService;
import dev.genba.server.scans.PartLocationRoutes;
import dev.genba.server.scans.RequestLog;
import dev.genba.server.scans.ScanBatcher;
import dev.genba.server.scans.ScanRoutes;
import dev.genba.server.users.UserStore;
import dev.genba.server.web.LoginThrottle;
import dev.genba.server.web.WebRoutes;
import dev.genba.server.web.WebSessions;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server, wired by hand: database (embedded or external), stores, routes, HTTP.
 * {@link #close()} stops it in the safe order: stop taking requests, let in-flight ones finish,
 * store what is queued, close the pool, then stop the embedded PostgreSQL.
 */
public final class GenbaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GenbaServer.class);
    public static final String VERSION = versionOf(GenbaServer.class);

    private final GenbaConfig config;
    private final AuditLog audit;
    private final HttpServer http;
    private final int port;
    private final Deque<AutoCloseable> resources;
    private boolean closed;

    private GenbaServer(GenbaConfig config, AuditLog audit, HttpServer http, Deque<AutoCloseable> resources) {
        this.config = config;
        this.audit = audit;
        this.http = http;
        this.port = http.port();
        this.resources = resources;
    }

    public static GenbaServer start(GenbaConfig config) {
        Clock clock = Clock.systemUTC();
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            resources.push(ServerLock.acquire(config.stateDir()));
            DbTarget target = config.db().target();
            if (config.db().embedded()) {
                EmbeddedDatabase embedded = EmbeddedDatabase.start(config.embeddedPgDir(), config.db().embeddedPort(), config.db().sharedBuffersMb(),
                        config.logsDir().resolve("postgresql.log"), Duration.ofSeconds(60));
                resources.push(embedded);
                target = embedded.target();
                resources.push(watchPostmaster(embedded, config));
            }
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            JvmGcMetrics gcMetrics = new JvmGcMetrics();
            gcMetrics.bindTo(registry);
            resources.push(gcMetrics);

            Database database = Database.connect(target, config.db().poolSize(), "genba-server", registry);
            resources.push(database);
            database.checkReachable(target);
            int applied = database.migrate();
            log.info("database {} ready ({} migrations applied)", target.redacted(), applied);

            AuditLog audit = new AuditLog(config.logsDir().resolve("audit.jsonl"), clock);
            DbEvents events = new DbEvents(target);
            CredentialCache credentials = new CredentialCache(events);
            AccessGuard guard = new AccessGuard(new DeviceKeyStore(database.jdbi()),
                    new AdminTokenStore(database.jdbi()), credentials);
            RequestLog requestLog = new RequestLog(config.logsDir(), config.server().timezone(),
                    config.retention().requestLogDays());
            resources.push(requestLog);
            ScanBatcher batcher = new ScanBatcher(database.jdbi(), 2, config.server().maxPendingScans(), registry);
            resources.push(batcher);

            MirrorService mirror = new MirrorService(config, database.jdbi(), target, audit, clock);
            MirrorRotation rotation = new MirrorRotation(config.logsDir(), mirror.files(), requestLog,
                    config.server().timezone(), clock);
            events.on(MirrorRotation.CHANNEL, request -> {
                if (request != null) {
                    mirror.store().markRotated(Long.parseLong(request), rotation.rotate());
                }
            });
            events.start();
            resources.push(events);
            resources.push(new MirrorScheduler(mirror, clock).start());
            resources.push(new RetentionJob(database.jdbi(), config.retention(), clock).start());

            FleetQueries fleetQueries = new FleetQueries(database.jdbi(), config.fleet());
            ClientStatusStore statusStore = new ClientStatusStore(database.jdbi());
            resources.push(statusStore);
            HttpServer http = new HttpServer(config.server().host(), config.server().port(), config.server().maxThreads(),
                    List.of(new HealthRoutes(database, registry, VERSION),
                            new ScanRoutes(guard, batcher, requestLog, clock, registry),
                            new PartLocationRoutes(guard, database.jdbi()),
                            new FleetRoutes(guard, fleetQueries, clock),
                            new ClientIntakeRoutes(guard, statusStore,
                                    new ClientLogStore(database.jdbi()), clock,
                                    Duration.ofDays(config.retention().metricsDays())),
                            new AgentConfigRoutes(guard, new AgentConfigStore(database.jdbi())),
                            new MirrorRoutes(guard, mirror, config.server().timezone()),
                            new WebRoutes(new WebSessions(database.jdbi(), clock), new LoginThrottle(clock),
                                    new UserStore(database.jdbi()), fleetQueries, mirror, rotation::rotate, audit, config,
                                    clock, VERSION)));
            http.start();
            audit.record("system", "server.start", "port " + http.port(), "ok",
                    Map.of("version", VERSION, "database", config.db().embedded() ? "embedded" : target.redacted()));
            log.info("Genba {} listening on {}:{}", VERSION, config.server().host(), http.port());
            return new GenbaServer(config, audit, http, resources);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /**
     * If the embedded PostgreSQL dies under a running server, every request would fail until
     * someone notices; exiting instead lets systemd restart Genba, which restarts PostgreSQL.
     */
    private static AutoCloseable watchPostmaster(EmbeddedDatabase embedded, GenbaConfig config) {
        java.util.concurrent.ScheduledExecutorService watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                runnable -> {
                    Thread thread = new Thread(runnable, "postgres-watchdog");
                    thread.setDaemon(true);
                    return thread;
                });
        ProcessHandle postmaster = embedded.postmaster(config.embeddedPgDir()).orElse(null);
        if (postmaster != null) {
            watchdog.scheduleWithFixedDelay(() -> {
                if (!postmaster.isAlive()) {
                    log.error("the embedded PostgreSQL (pid {}) stopped unexpectedly; exiting so the service manager "
                            + "restarts Genba (see {})", postmaster.pid(), config.logsDir().resolve("postgresql"));
                    System.exit(3);
                }
            }, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
        }
        return watchdog::shutdownNow;
    }

    public GenbaConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("stopping: finishing in-flight requests");
        http.drainAndStop(Duration.ofSeconds(15));
        closeAll(resources);
        audit.record("system", "server.stop", "port " + port, "ok", Map.of());
        log.info("stopped");
    }

    /** Closes in reverse start order: what was started last stops first. */
    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("could not close {}: {}", resource.getClass().getSimpleName(), e.getMessage());
            }
        }
    }

    private static String versionOf(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
