package dev.genba.server.config;

import dev.genba.server.db.DbTarget;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * The validated server configuration. Built once at start by {@link #load}; every problem in
 * the file or the environment is reported together, one plain sentence each.
 */
public record GenbaConfig(Path dataDir, Server server, Db db, Retention retention, List<String> warnings) {

    public static final int DEFAULT_PORT = 8501;

    /** HTTP listener and the factory's time zone (for everything shown to people). */
    public record Server(String host, int port, ZoneId timezone, int maxThreads, int maxPendingScans) {
    }

    /** {@code target} is empty in embedded mode: Genba then runs PostgreSQL under {@code <data-dir>/pg}. */
    public record Db(DbTarget target, int poolSize, int embeddedPort) {
        public boolean embedded() {
            return target == null;
        }
    }

    /** How long history is kept, in days. */
    public record Retention(int requestLogDays, int metricsDays, int logsDays) {
    }

    public Path logsDir() {
        return dataDir.resolve("logs");
    }

    public Path stateDir() {
        return dataDir.resolve("state");
    }

    public Path embeddedPgDir() {
        return dataDir.resolve("pg");
    }

    /**
     * Loads {@code configFile} (may be null), applies {@code GENBA_*} environment overrides and
     * then the command-line overrides (null when not given).
     */
    public static GenbaConfig load(Path configFile, Path dataDirOverride, Integer portOverride,
                                   Map<String, String> environment) {
        Map<String, Object> tree = ConfigTree.load(configFile, environment);
        ConfigReader reader = new ConfigReader(configFile == null ? "configuration" : "config " + configFile, tree);

        Path dataDir = dataDirOverride != null ? dataDirOverride : Path.of(reader.text("", "data_dir", "data"));

        String host = reader.text("server", "host", "0.0.0.0");
        int port = portOverride != null ? portOverride : reader.integer("server", "port", DEFAULT_PORT, 0, 65535);
        if (portOverride != null && (portOverride < 0 || portOverride > 65535)) {
            reader.problem("--port must be between 0 and 65535, got " + portOverride);
        }
        ZoneId zone = ZoneId.of("Asia/Tokyo");
        String zoneName = reader.text("server", "timezone", "Asia/Tokyo");
        try {
            zone = ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            reader.problem("server.timezone must be a time zone such as Asia/Tokyo, got \"" + zoneName + "\"");
        }
        int maxThreads = reader.integer("server", "max_threads", 64, 8, 1000);
        int maxPendingScans = reader.integer("server", "max_pending_scans", 20_000, 100, 1_000_000);

        DbTarget target = null;
        String url = reader.text("db", "url", null);
        String user = reader.text("db", "user", null);
        String password = reader.text("db", "password", null);
        if (url != null) {
            try {
                target = DbTarget.parse(url, user, password);
            } catch (IllegalArgumentException e) {
                reader.problem("db.url " + e.getMessage() + " (example: postgresql://genba:PASSWORD@localhost:5432/genba)");
            }
        }
        int poolSize = reader.integer("db", "pool_size", 8, 2, 100);
        int embeddedPort = reader.integer("db", "embedded_port", 0, 0, 65535);

        Retention retention = new Retention(
                reader.integer("retention", "request_log_days", 30, 1, 3650),
                reader.integer("retention", "metrics_days", 30, 1, 3650),
                reader.integer("retention", "logs_days", 30, 1, 3650));

        if (!reader.problems().isEmpty()) {
            throw new ConfigException(reader.problems());
        }
        List<String> warnings = reader.unusedKeys().stream()
                .map(key -> "ignored unknown setting " + key)
                .toList();
        return new GenbaConfig(dataDir.toAbsolutePath().normalize(),
                new Server(host, port, zone, maxThreads, maxPendingScans),
                new Db(target, poolSize, embeddedPort), retention, warnings);
    }
}
