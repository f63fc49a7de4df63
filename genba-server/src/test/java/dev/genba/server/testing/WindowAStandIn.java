package dev.genba.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.genba.protocol.Json;
import dev.genba.protocol.ScanRequest;
import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jdbi.v3.core.Jdbi;

/**
 * The old server ("Window A") as far as Genba can see it: a single-scan endpoint that keeps its
 * own {@code part_locations} in its own PostgreSQL database, with a schema that is not Genba's.
 */
public final class WindowAStandIn implements AutoCloseable {
    static {
        // The JDK server otherwise sends headers and body in two packets; with the client's delayed
        // ACK every single-scan POST waits ~40 ms. The real old server is not a JDK HttpServer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer http;
    private final Database database;
    private final DbTarget target;

    private WindowAStandIn(HttpServer http, Database database, DbTarget target) {
        this.http = http;
        this.database = database;
        this.target = target;
    }

    public static WindowAStandIn start() {
        DbTarget target = TestPostgres.newDatabase();
        Database database = Database.connect(target, 4, "window-a", null);
        database.jdbi().useHandle(handle -> handle.execute("""
                create table part_locations (
                    tag_id varchar(128) not null, order_id varchar(128) not null default '',
                    station varchar(64), location varchar(128) not null, lot varchar(64),
                    scanned_at timestamptz not null, updated_at timestamptz not null default now(),
                    primary key (tag_id, order_id))"""));
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            WindowAStandIn standIn = new WindowAStandIn(http, database, target);
            http.createContext("/api/v1/scans", standIn::scan);
            http.createContext("/healthz", exchange -> standIn.answer(exchange, 200, "{\"status\":\"ok\"}"));
            http.start();
            return standIn;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void scan(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals("/api/v1/scans") || !"POST".equals(exchange.getRequestMethod())) {
            answer(exchange, 404, "{\"error\":\"not found\"}");
            return;
        }
        ScanRequest scan = ScanRequest.fromJson(Json.parse(exchange.getRequestBody().readAllBytes()), "");
        database.jdbi().useHandle(handle -> handle.createUpdate("""
                        insert into part_locations (tag_id, order_id, station, location, lot, scanned_at)
                        values (:tag, :order, :station, :location, :lot, :scanned)
                        on conflict (tag_id, order_id) do update
                            set station = excluded.station, location = excluded.location, lot = excluded.lot,
                                scanned_at = excluded.scanned_at, updated_at = now()
                            where excluded.scanned_at >= part_locations.scanned_at""")
                .bind("tag", scan.tagId()).bind("order", scan.orderId()).bind("station", scan.station())
                .bind("location", scan.location()).bind("lot", scan.lot())
                .bind("scanned", OffsetDateTime.ofInstant(scan.scannedAt(), ZoneOffset.UTC)).execute());
        answer(exchange, 200, "{\"status\":\"ok\"}");
    }

    private void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    public String scanUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/api/v1/scans";
    }

    public DbTarget target() {
        return target;
    }

    public Jdbi jdbi() {
        return database.jdbi();
    }

    @Override
    public void close() {
        http.stop(0);
        database.close();
    }
}
