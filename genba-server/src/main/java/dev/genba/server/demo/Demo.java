package dev.genba.server.demo;

import dev.genba.agent.GenbaAgent;
import dev.genba.agent.config.ConfigLoader;
import dev.genba.agent.logs.LogBuffer;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import dev.genba.server.GenbaServer;
import dev.genba.server.agentconfig.AgentConfigStore;
import dev.genba.server.auth.DeviceKeyStore;
import dev.genba.server.auth.Secrets;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.users.Passwords;
import dev.genba.server.users.UserStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code genba demo}: a real server (embedded PostgreSQL) and a handful of simulated client Pis
 * running the real agent code — intake, durable outbox, delivery, config polling, status reports,
 * log shipping — each reading the {@code /proc} files of a {@link SimulatedPi} with its own
 * character: healthy, busy and hot, one logging errors. One more client stopped reporting 13 hours
 * ago (its past is written straight into the database, as is a week of history for every client,
 * so the charts have something to show from the first minute). Handhelds scan every few seconds.
 */
public final class Demo implements AutoCloseable {
    /** A simulated client: its health and what it does. */
    record Profile(String name, String hostname, double cpu, double memory, double temperature, boolean scans, boolean errors) {
    }

    static final List<Profile> PROFILES = List.of(
            new Profile("HANDHELD-01", "line1-handheld-01", 18, 42, 48, true, false),
            new Profile("HANDHELD-02", "line2-handheld-02", 86, 71, 78, true, false),
            new Profile("HANDHELD-03", "line3-handheld-03", 25, 55, 52, true, true),
            new Profile("KIOSK-01", "office-kiosk", 9, 63, 45, false, false),
            new Profile("SIGNAGE-01", "line1-signage", 35, 48, 57, false, false));
    static final String STALE = "DOCK-SIGNAGE";
    static final String USER = "demo";
    /** Reports every 15 s instead of 60 s, so the pages move while you watch. */
    static final int STATUS_INTERVAL_S = 15;

    private static final String[] ERRORS = {
        "スキャナ接続エラー: USB デバイスが応答しません (/dev/ttyACM0)",
        "Scanner read timeout after 3000 ms",
        "バーコードの読み取りに失敗しました（チェックディジット不一致）",
        "Label printer offline: connection refused 10.0.3.20:9100"};

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final GenbaServer server;
    private final String password;
    private final List<Integer> intakePorts = new ArrayList<>();

    private Demo(GenbaServer server, String password) {
        this.server = server;
        this.password = password;
    }

    /** Starts everything under {@code workDir} (an empty directory); the server's data dir is configured in {@code config}. */
    public static Demo start(GenbaConfig config, Path workDir, Clock clock) {
        GenbaServer server = GenbaServer.start(config);
        String password = Secrets.generate("").substring(0, 12);
        Demo demo = new Demo(server, password);
        demo.started.push(server);
        try {
            demo.populate(config, workDir, clock);
            return demo;
        } catch (RuntimeException e) {
            demo.close();
            throw e;
        }
    }

    private void populate(GenbaConfig config, Path workDir, Clock clock) {
        Map<String, String> keys = new LinkedHashMap<>();
        try (Database database = Database.connect(serverTarget(config), 2, "genba-demo", null)) {
            var jdbi = database.jdbi();
            UserStore users = new UserStore(jdbi);
            if (!users.add(USER, UserStore.Role.ADMIN, Passwords.hash(password.toCharArray()))) {
                users.setPassword(USER, Passwords.hash(password.toCharArray()));
            }
            new AgentConfigStore(jdbi).set(AgentConfigStore.FLEET, "status_interval_s", STATUS_INTERVAL_S);
            DeviceKeyStore devices = new DeviceKeyStore(jdbi);
            for (Profile profile : PROFILES) {
                keys.put(profile.name(), devices.add(profile.name()));
            }
            devices.add(STALE);
            Instant now = clock.instant();
            jdbi.useHandle(handle -> {
                for (Profile profile : PROFILES) {
                    seedHistory(handle, profile.name(), profile, now.minus(Duration.ofDays(7)), now.minusSeconds(60));
                }
                Profile stale = new Profile(STALE, "dock-signage", 12, 38, 41, false, false);
                Instant lastReport = now.minus(Duration.ofHours(13));
                seedHistory(handle, STALE, stale, now.minus(Duration.ofDays(7)), lastReport);
                handle.createUpdate("""
                                insert into client_status (client_id, sampled_at, received_at, report)
                                values (:id, :at, :at, cast(:report as jsonb))""")
                        .bind("id", STALE).bind("at", java.time.OffsetDateTime.ofInstant(lastReport, java.time.ZoneOffset.UTC))
                        .bind("report", Json.write(Map.of("client_id", STALE, "hostname", "dock-signage", "ip_address", "10.0.4.31",
                                "cpu_usage", 12.0, "memory_usage", 38.0, "temperature", 41.0, "agent_version", "0.1.0")))
                        .execute();
            });
        }
        ScheduledExecutorService ticker = Executors.newScheduledThreadPool(1, runnable -> {
            Thread thread = new Thread(runnable, "demo-clients");
            thread.setDaemon(true);
            return thread;
        });
        started.push(ticker::shutdownNow);
        Random random = new Random(7);
        long seed = 1;
        for (Profile profile : PROFILES) {
            Path home = workDir.resolve("clients").resolve(profile.name());
            SimulatedPi pi = new SimulatedPi(home.resolve("root"), profile.hostname(), profile.cpu(), profile.memory(),
                    profile.temperature(), clock.instant().minus(Duration.ofHours(20 + 7 * seed)), seed++);
            pi.tick(100, clock.instant());
            ticker.scheduleAtFixedRate(() -> pi.tick(100, clock.instant()), 100, 100, TimeUnit.MILLISECONDS);
            LogBuffer logs = new LogBuffer(1_000);
            GenbaAgent agent = GenbaAgent.start(agentConfig(home, profile.name(), keys.get(profile.name()), server.port()), logs,
                    clock, pi.root());
            started.push(agent);
            intakePorts.add(agent.intakePort());
            if (profile.scans()) {
                int port = agent.intakePort();
                ticker.scheduleWithFixedDelay(() -> scan(port, profile.name(), random), 1_000, 2_000 + random.nextInt(2_000),
                        TimeUnit.MILLISECONDS);
            }
            if (profile.errors()) {
                ticker.scheduleWithFixedDelay(() -> logs.add(new LogBatch.Entry("error", ERRORS[random.nextInt(ERRORS.length)],
                        Map.of("unit", "scanner-app"), clock.instant(), "req-" + Long.toHexString(random.nextLong() >>> 40))),
                        2, 20, TimeUnit.SECONDS);
            }
        }
    }

    private static dev.genba.server.db.DbTarget serverTarget(GenbaConfig config) {
        if (!config.db().embedded()) {
            return config.db().target();
        }
        return dev.genba.server.db.EmbeddedDatabase.attachToRunning(config.embeddedPgDir())
                .orElseThrow(() -> new IllegalStateException("the demo's embedded PostgreSQL is not running"));
    }

    /** Seven days of samples every five minutes with a daily rhythm, ending at {@code to}. */
    private static void seedHistory(org.jdbi.v3.core.Handle handle, String client, Profile profile, Instant from, Instant to) {
        handle.createUpdate("""
                        insert into client_status_history (client_id, sampled_at, received_at, cpu_usage, memory_usage, disk_usage,
                                                           temperature, uptime_seconds, report)
                        select :client, t, t,
                               greatest(1, least(99, :cpu * (0.6 + 0.5 * sin(extract(epoch from t) / 13751.0)) + random() * 8)),
                               greatest(5, least(99, :memory + 4 * sin(extract(epoch from t) / 40000.0) + random() * 2)),
                               38 + extract(epoch from t - :from) / 604800.0 * 3,
                               :temperature + 3 * sin(extract(epoch from t) / 13751.0) + random(),
                               extract(epoch from t - :from)::bigint, '{}'
                        from generate_series(cast(:from as timestamptz), cast(:to as timestamptz), interval '5 minutes') as t
                        on conflict do nothing""")
                .bind("client", client).bind("cpu", profile.cpu()).bind("memory", profile.memory())
                .bind("temperature", profile.temperature())
                .bind("from", java.time.OffsetDateTime.ofInstant(from, java.time.ZoneOffset.UTC))
                .bind("to", java.time.OffsetDateTime.ofInstant(to, java.time.ZoneOffset.UTC))
                .execute();
    }

    /** The agent reads a real agent.json, validated like any other. */
    private static dev.genba.agent.config.AgentFileConfig agentConfig(Path home, String name, String key, int serverPort) {
        try {
            Files.createDirectories(home.resolve("state"));
            Path file = home.resolve("agent.json");
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("server_url", "http://127.0.0.1:" + serverPort);
            json.put("client_id", name);
            json.put("client_key", key);
            json.put("state_dir", home.resolve("state").toString());
            json.put("intake_port", 0);
            json.put("journal_units", List.of());
            Files.writeString(file, Json.write(json));
            return new ConfigLoader(Map.of()).load(file).config();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A handheld hands a scan to its agent, as the scanner app would. */
    private static void scan(int intakePort, String device, Random random) {
        String body = Json.write(Map.of("payload", Map.of("tag_id", "TAG-" + (1000 + random.nextInt(200)),
                "order_id", "PO-" + (70 + random.nextInt(10)), "location", "SHELF-0" + (1 + random.nextInt(9)),
                "station", device.substring(device.length() - 2))));
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + intakePort + "/scans").toURL()
                    .openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setConnectTimeout(2_000);
            connection.setReadTimeout(5_000);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            connection.getResponseCode();
            connection.getInputStream().close();
        } catch (IOException e) {
            // The agent is stopping; the next tick tries again.
        }
    }

    public int port() {
        return server.port();
    }

    public String password() {
        return password;
    }

    public List<Integer> intakePorts() {
        return intakePorts;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }
}
