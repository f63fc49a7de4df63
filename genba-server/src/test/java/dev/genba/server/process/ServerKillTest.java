package dev.genba.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.config.GenbaConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as operators run it (its own JVM, embedded PostgreSQL in its data directory),
 * killed with SIGKILL in the middle of a stream of scans: every scan it acknowledged must be
 * there after the restart, exactly once.
 */
class ServerKillTest {
    @TempDir
    Path dataDir;

    @AfterEach
    void cleanUp() {
        GenbaProcess.stopLeftoverPostgres(dataDir);
    }

    @Test
    void every_acknowledged_scan_survives_kill_9_of_the_server() throws Exception {
        int port = GenbaProcess.freePort();
        Path log = dataDir.resolve("server-output.txt");
        Process server = GenbaProcess.startServer(dataDir, port, log);

        // The CLI works while the server owns the embedded database: it attaches to it.
        GenbaProcess.Result added = GenbaProcess.run(dataDir, "clients", "add", "HANDHELD-01", "--json");
        assertThat(added.exitCode()).as(added.stderr()).isZero();
        String key = (String) ((Map<?, ?>) Json.parse(added.stdout().trim())).get("client_key");

        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean sending = new AtomicBoolean(true);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ExecutorService senders = Executors.newFixedThreadPool(8);
        for (int thread = 0; thread < 8; thread++) {
            senders.submit(() -> {
                while (sending.get()) {
                    UUID scanId = UUID.randomUUID();
                    String body = """
                            {"scan_id": "%s", "device_id": "HANDHELD-01", "scanned_at": "%s",
                             "payload": {"tag_id": "KILL-%s", "location": "L"}}""".formatted(scanId, Instant.now(), scanId);
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/api/v1/scans"))
                                .header("Content-Type", "application/json").header("x-client-key", key)
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            acknowledged.add(scanId);
                        }
                    } catch (Exception e) {
                        GenbaProcess.sleep(20);
                    }
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.size() < 500 && System.nanoTime() < deadline) {
            GenbaProcess.sleep(10);
        }
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
        sending.set(false);
        senders.shutdown();
        assertThat(senders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(500);

        Process restarted = GenbaProcess.startServer(dataDir, port, log);
        Set<UUID> stored = new HashSet<>();
        try (Connection connection = embeddedDatabase();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select scan_id from scans")) {
            while (rows.next()) {
                stored.add((UUID) rows.getObject(1));
            }
        }
        assertThat(stored).containsAll(acknowledged);
        assertThat(sharedBuffersMb()).as("the embedded database's cache follows the machine's memory")
                .isEqualTo(GenbaConfig.defaultSharedBuffersMb(GenbaConfig.machineMemoryBytes() >> 20));

        restarted.destroy();
        assertThat(restarted.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> audit = Files.readAllLines(dataDir.resolve("logs/audit.jsonl"));
        assertThat(audit.get(audit.size() - 1)).contains("\"action\":\"server.stop\"");
        assertThat(dataDir.resolve("pg/postmaster.pid")).doesNotExist();

        // With no server running, the CLI starts the embedded database for itself.
        GenbaProcess.Result listed = GenbaProcess.run(dataDir, "clients", "list");
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        assertThat(listed.stdout()).contains("HANDHELD-01").contains("active");
        assertThat(dataDir.resolve("pg/postmaster.pid")).doesNotExist();
    }

    @Test
    void the_server_exits_for_a_restart_when_its_embedded_postgresql_dies_and_then_recovers() throws Exception {
        int port = GenbaProcess.freePort();
        Path log = dataDir.resolve("server-output.txt");
        Process server = GenbaProcess.startServer(dataDir, port, log);
        long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).trim());

        ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();

        assertThat(server.waitFor(60, TimeUnit.SECONDS)).as(GenbaProcess.read(log)).isTrue();
        assertThat(server.exitValue()).isEqualTo(3);
        assertThat(GenbaProcess.read(log)).contains("stopped unexpectedly");
        Process restarted = GenbaProcess.startServer(dataDir, port, log, Map.of("GENBA_DB_SHARED_BUFFERS_MB", "160"));
        assertThat(sharedBuffersMb()).as("db.shared_buffers_mb reaches the embedded database").isEqualTo(160);
        restarted.destroy();
        assertThat(restarted.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private long sharedBuffersMb() throws Exception {
        try (Connection connection = embeddedDatabase();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(
                     "select setting::bigint * 8192 / 1048576 from pg_settings where name = 'shared_buffers'")) {
            row.next();
            return row.getLong(1);
        }
    }

    private Connection embeddedDatabase() throws Exception {
        List<String> pid = Files.readAllLines(dataDir.resolve("pg/postmaster.pid"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pid.get(3).trim() + "/genba", "postgres", null);
    }
}
