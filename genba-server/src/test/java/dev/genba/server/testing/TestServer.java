package dev.genba.server.testing;

import dev.genba.server.GenbaServer;
import dev.genba.server.auth.AdminTokenStore;
import dev.genba.server.auth.DeviceKeyStore;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * A real Genba server on a free port, backed by its own fresh database, plus a raw HTTP client
 * so tests can send exactly the bytes they want.
 */
public final class TestServer implements AutoCloseable {
    private final GenbaServer server;
    private final Database database;
    private final DbTarget target;
    private final Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(GenbaServer server, Database database, DbTarget target, Path dataDir) {
        this.server = server;
        this.database = database;
        this.target = target;
        this.dataDir = dataDir;
    }

    public static TestServer start() {
        try {
            DbTarget target = TestPostgres.newDatabase();
            Path dataDir = Files.createTempDirectory("genba-test");
            GenbaConfig config = GenbaConfig.load(null, dataDir, 0,
                    Map.of("GENBA_DB_URL", target.jdbcUrl(), "GENBA_DB_USER", target.user(), "GENBA_SERVER_HOST", "127.0.0.1"));
            GenbaServer server = GenbaServer.start(config);
            return new TestServer(server, Database.connect(target, 4, "genba-test", null), target, dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Jdbi jdbi() {
        return database.jdbi();
    }

    public DbTarget target() {
        return target;
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return server.port();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    public String addDevice(String name) {
        return new DeviceKeyStore(jdbi()).add(name);
    }

    public String adminToken() {
        return new AdminTokenStore(jdbi()).create("test").token();
    }

    public long count(String sql) {
        return jdbi().withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }

    public HttpResponse<String> post(String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    public HttpResponse<String> postJson(String path, String key, String json) {
        return post(path, Map.of("Content-Type", "application/json", "x-client-key", key),
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public HttpResponse<String> get(String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(request::header);
        return send(request.build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        database.close();
    }
}
