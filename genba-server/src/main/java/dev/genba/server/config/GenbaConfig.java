package dev.genba.server.config;

import dev.genba.server.db.DbTarget;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The validated server configuration. Built once at start by {@link #load}; every problem in
 * the file or the environment is reported together, one plain sentence each.
 */
public record GenbaConfig(Path dataDir, Server server, Db db, Retention retention, Mirror mirror, Fleet fleet,
                          List<String> warnings) {

    /** When a client counts as late (amber) and as gone (red), by the time since its last report. */
    public record Fleet(java.time.Duration amberAfter, java.time.Duration redAfter) {
    }

    public static final int DEFAULT_PORT = 8501;

    /** HTTP listener and the factory's time zone (for everything shown to people). */
    public record Server(String host, int port, ZoneId timezone, int maxThreads, int maxPendingScans) {
    }

    /** {@code target} is empty in embedded mode: Genba then runs PostgreSQL under {@code <data-dir>/pg}. */
    public record Db(DbTarget target, int poolSize, int embeddedPort, int sharedBuffersMb) {
        public boolean embedded() {
            return target == null;
        }
    }

    /**
     * Mirror verification (C3): the old server's database ({@code primaryDb}, "Window A"), the
     * database compared with it ({@code mirrorDb}; empty = Genba's own), the table and columns
     * to compare, the nightly schedule and the URL agents send the mirror copy to.
     */
    public record Mirror(DbTarget primaryDb, DbTarget mirrorDb, String table, List<String> keyColumns,
                         List<String> compareColumns, String timestampColumn, boolean trim, boolean nullEqualsEmpty,
                         java.time.Duration timestampTolerance, java.time.LocalTime compareAt, int targetDays,
                         java.time.Duration lookback, java.time.Duration inFlight, java.time.Duration recheckDelay,
                         String endpoint) {
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

        // Read even when overridden, so a value in the file is not reported as unknown.
        Path fileDataDir = Path.of(reader.text("", "data_dir", "data"));
        Path dataDir = dataDirOverride != null ? dataDirOverride : fileDataDir;

        String host = reader.text("server", "host", "0.0.0.0");
        int filePort = reader.integer("server", "port", DEFAULT_PORT, 0, 65535);
        int port = portOverride != null ? portOverride : filePort;
        if (portOverride != null && (portOverride < 0 || portOverride > 65535)) {
            reader.problem("--port must be between 0 and 65535, got " + portOverride);
        }
        ZoneId zone = ZoneId.of("Asia/Tokyo");
        String zoneName = reader.text("server", "timezone", "Asia/Tokyo");
        try {
            zone = ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            reader.problem("server", "timezone", "must be a time zone such as Asia/Tokyo, got \"" + zoneName + "\"");
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
                reader.problem("db", "url", e.getMessage() + " (example: postgresql://genba:PASSWORD@localhost:5432/genba)");
            }
        }
        int poolSize = reader.integer("db", "pool_size", 8, 2, 100);
        int embeddedPort = reader.integer("db", "embedded_port", 0, 0, 65535);
        long machineMb = machineMemoryBytes() / (1024 * 1024);
        int sharedBuffersMb = reader.integer("db", "shared_buffers_mb", defaultSharedBuffersMb(machineMb), 16, 65_536);
        if (reader.raw("db", "shared_buffers_mb") != null && machineMb > 0 && sharedBuffersMb > machineMb / 2) {
            reader.problem("db", "shared_buffers_mb", "must be at most half of this machine's memory ("
                    + machineMb / 2 + " of " + machineMb + " MB), got " + sharedBuffersMb);
        }

        Retention retention = new Retention(
                reader.integer("retention", "request_log_days", 30, 1, 3650),
                reader.integer("retention", "metrics_days", 30, 1, 3650),
                reader.integer("retention", "logs_days", 30, 1, 3650));

        Mirror mirror = readMirror(reader);
        Fleet fleet = new Fleet(java.time.Duration.ofMinutes(reader.integer("fleet", "stale_amber_minutes", 5, 1, 24 * 60)),
                java.time.Duration.ofHours(reader.integer("fleet", "stale_red_hours", 12, 1, 24 * 30)));
        if (fleet.redAfter().compareTo(fleet.amberAfter()) <= 0) {
            reader.problem("fleet", "stale_red_hours", "must be longer than fleet.stale_amber_minutes");
        }

        if (!reader.problems().isEmpty()) {
            throw new ConfigException(reader.problems());
        }
        List<String> warnings = new ArrayList<>(reader.unusedKeys().stream()
                .map(key -> "ignored unknown setting " + key)
                .toList());
        if (target != null && reader.raw("db", "shared_buffers_mb") != null) {
            warnings.add("db.shared_buffers_mb is for the embedded database only; the external PostgreSQL at db.url keeps its own setting");
        }
        return new GenbaConfig(dataDir.toAbsolutePath().normalize(),
                new Server(host, port, zone, maxThreads, maxPendingScans),
                new Db(target, poolSize, embeddedPort, sharedBuffersMb), retention, mirror, fleet, warnings);
    }

    /**
     * The embedded PostgreSQL's cache when {@code db.shared_buffers_mb} is not set: a quarter of
     * the machine's memory (PostgreSQL's own advice for a dedicated server), at least PostgreSQL's
     * default of 128 MB and at most 1 GB, so a 4 GB Pi 5 keeps room for the server's heap. With the
     * default 128 MB the scan tables' indexes stop fitting after a few million scans and the
     * p99 of a steady 1,000 scans/s grows from under 10 ms to 50-75 ms (docs/PERFORMANCE.md).
     */
    public static int defaultSharedBuffersMb(long machineMemoryMb) {
        return (int) Math.max(128, Math.min(1024, machineMemoryMb / 4));
    }

    /** This machine's memory (a container's limit when there is one), 0 when the JVM cannot tell. */
    public static long machineMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    private static Mirror readMirror(ConfigReader reader) {
        DbTarget primary = dbUri(reader, "primary_db_uri");
        DbTarget mirrorDb = dbUri(reader, "mirror_db_uri");
        String table = reader.text("mirror", "table", "part_locations");
        List<String> keys = reader.list("mirror", "key_columns", List.of("tag_id", "order_id"));
        List<String> compared = reader.list("mirror", "compare_columns", List.of("station", "location", "lot"));
        String timestamp = reader.text("mirror", "timestamp_column", "updated_at");
        for (String name : concat(List.of(table, timestamp), keys, compared)) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
                reader.problem("mirror: \"" + name + "\" is not a valid table or column name");
            }
        }
        if (keys.isEmpty()) {
            reader.problem("mirror.key_columns must name at least one column");
        }
        java.time.LocalTime at = java.time.LocalTime.of(2, 0);
        String atText = reader.text("mirror", "compare_at", "02:00");
        try {
            at = java.time.LocalTime.parse(atText);
        } catch (java.time.format.DateTimeParseException e) {
            reader.problem("mirror.compare_at must be a time of day like 02:00, got \"" + atText + "\"");
        }
        String endpoint = reader.text("mirror", "endpoint", null);
        if (endpoint != null && !endpoint.matches("https?://[^/\\s]+(/\\S*)?")) {
            reader.problem("mirror.endpoint must be an http:// URL such as http://raspi-server.local:8501/api/v1/scans, got \""
                    + endpoint + "\"");
        }
        return new Mirror(primary, mirrorDb, table, keys, compared, timestamp,
                reader.bool("mirror", "trim", true), reader.bool("mirror", "null_equals_empty", true),
                java.time.Duration.ofMillis(reader.integer("mirror", "timestamp_tolerance_ms", 0, 0, 3_600_000)),
                at, reader.integer("mirror", "target_days", 14, 1, 365),
                java.time.Duration.ofHours(reader.integer("mirror", "lookback_hours", 25, 1, 24 * 31)),
                java.time.Duration.ofMinutes(reader.integer("mirror", "in_flight_minutes", 5, 0, 24 * 60)),
                java.time.Duration.ofSeconds(reader.integer("mirror", "recheck_delay_s", 5, 0, 600)),
                endpoint);
    }

    private static DbTarget dbUri(ConfigReader reader, String key) {
        String uri = reader.text("mirror", key, null);
        if (uri == null) {
            return null;
        }
        try {
            return DbTarget.parse(uri, null, null);
        } catch (IllegalArgumentException e) {
            reader.problem("mirror." + key + " " + e.getMessage() + " (example: postgresql://USER:PASSWORD@window-a.local:5432/DB)");
            return null;
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new java.util.ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return all;
    }
}
