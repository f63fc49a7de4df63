package dev.genba.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.http.AgentHttp;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import dev.genba.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LogShipper against a stand-in for the server's log route that applies the server's rules: a body
 * over 4 MiB is refused with 413 (JsonBodies.BATCH_LIMIT), a batch LogBatch.fromJson refuses is
 * refused whole with 400, and nothing of a refused batch is stored.
 */
class LogShipperTest {
    private static final int SERVER_BODY_LIMIT = 4 * 1024 * 1024;
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private final List<String> stored = new CopyOnWriteArrayList<>();
    private final List<Integer> bodySizes = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    /** From this request on (counted from 1) the server answers 503; 0 for never. */
    private volatile int unavailableFrom;
    /** How long the server takes to answer, as over a Pi's Wi-Fi; 0 for at once. */
    private volatile long answerDelayMs;
    private HttpServer server;
    private AgentDatabase database;
    private LogBuffer buffer;
    private LogShipper shipper;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/clients/logs", this::logs);
        server.start();
        database = AgentDatabase.open(directory.resolve("outbox.db"));
        buffer = new LogBuffer(5_000);
        shipper = new LogShipper(buffer, new LogInbox(database), new JournalCursor(database),
                new AgentHttp("test-key-0001", "test"), "http://127.0.0.1:" + server.getAddress().getPort(),
                "HANDHELD-01", () -> 5_000);
    }

    @AfterEach
    void stop() {
        AgentLog.install(System.err, AgentLog.Level.WARN, null);
        database.close();
        server.stop(0);
    }

    private void logs(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readNBytes(SERVER_BODY_LIMIT + 1);
            int request = requests.incrementAndGet();
            if (answerDelayMs > 0) {
                try {
                    Thread.sleep(answerDelayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = 200;
            if (unavailableFrom != 0 && request >= unavailableFrom) {
                status = 503;
            } else if (body.length > SERVER_BODY_LIMIT) {
                status = 413;
            } else {
                try {
                    List<String> messages = LogBatch.fromJson(Json.parse(body)).logs().stream()
                            .map(LogBatch.Entry::message).toList();
                    stored.addAll(messages);
                    bodySizes.add(body.length);
                } catch (ProtocolException e) {
                    status = 400;
                }
            }
            exchange.sendResponseHeaders(status, -1);
        }
    }

    private static LogBatch.Entry line(String message) {
        return new LogBatch.Entry("warn", message, Map.of("source", "genba-agent"), AT, null);
    }

    /** A line with a context over the server's 16 KiB: the server refuses it, and its batch with it. */
    private static LogBatch.Entry refusedLine(String message) {
        return new LogBatch.Entry("warn", message, Map.of("dump", "x".repeat(20_000)), AT, null);
    }

    private String savedCursor() {
        return new JournalCursor(database).load();
    }

    @Test
    void a_message_cut_at_a_surrogate_pair_is_taken_by_the_server_with_the_rest_of_its_batch() {
        buffer.add(new LogBatch.Entry("error", "scanner offline", null, AT, null));
        String message = "x".repeat(LogBatch.MAX_MESSAGE - 2) + "\uD83D\uDE00 and more";
        buffer.add(JournalTail.toEntry("{\"__CURSOR\":\"s=1;i=1\",\"PRIORITY\":\"3\",\"MESSAGE\":\"" + message + "\"}"),
                "s=1;i=1");

        shipper.flush();

        assertThat(stored).hasSize(2).startsWith("scanner offline");
        assertThat(buffer.dropped()).isZero();
        assertThat(buffer.take(10).entries()).isEmpty();
        assertThat(savedCursor()).isEqualTo("s=1;i=1");
    }

    @Test
    void a_line_the_server_refuses_is_counted_as_dropped_and_the_rest_of_its_batch_is_shipped() {
        for (int i = 1; i <= 7; i++) {
            buffer.add(i == 3 ? refusedLine("line 3") : line("line " + i), "s=1;i=" + i);
        }

        shipper.flush();

        assertThat(stored).containsExactly("line 1", "line 2", "line 4", "line 5", "line 6", "line 7");
        assertThat(buffer.dropped()).isEqualTo(1);
        assertThat(buffer.take(10).entries()).isEmpty();
        assertThat(savedCursor()).isEqualTo("s=1;i=7");
    }

    @Test
    void while_the_disk_takes_no_writes_the_lines_in_memory_are_shipped_too() {
        new LogInbox(database).add(line("an operator discarded a dead letter"));
        buffer.add(line("the disk holding the outbox is full"), "s=1;i=1");
        // a real failing write: SQLite aborts every write to these tables, as a full disk would
        database.write(connection -> connection.createStatement().executeUpdate("""
                CREATE TRIGGER refuse_inbox BEFORE DELETE ON log_inbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"""));
        database.write(connection -> connection.createStatement().executeUpdate("""
                CREATE TRIGGER refuse_cursor BEFORE INSERT ON agent_state BEGIN SELECT RAISE(ABORT, 'disk full'); END"""));

        shipper.flush();

        assertThat(stored).containsExactly("an operator discarded a dead letter", "the disk holding the outbox is full");
        assertThat(buffer.take(10).entries()).isEmpty();
        database.write(connection -> connection.createStatement().executeUpdate("DROP TRIGGER refuse_inbox"));
        shipper.flush();
        assertThat(stored).as("the inbox line is sent again once it can be removed; the server stores it once")
                .hasSize(3);
        assertThat(new LogInbox(database).oldest(10, 100_000)).isEmpty();
    }

    @Test
    void a_line_from_the_inbox_the_server_refuses_is_counted_as_dropped_too() {
        LogInbox inbox = new LogInbox(database);
        inbox.add(line("discarded a dead letter"));
        inbox.add(refusedLine("refused"));

        shipper.flush();

        assertThat(stored).containsExactly("discarded a dead letter");
        assertThat(buffer.dropped()).isEqualTo(1);
        assertThat(inbox.oldest(10, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void a_refused_inbox_line_is_counted_as_dropped_once_however_many_flushes_the_full_disk_lasts() {
        LogInbox inbox = new LogInbox(database);
        inbox.add(line("discarded a dead letter"));
        inbox.add(refusedLine("refused"));
        database.write(connection -> connection.createStatement().executeUpdate("""
                CREATE TRIGGER refuse_inbox BEFORE DELETE ON log_inbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"""));

        shipper.flush();
        shipper.flush();
        shipper.flush();
        database.write(connection -> connection.createStatement().executeUpdate("DROP TRIGGER refuse_inbox"));
        shipper.flush();

        assertThat(buffer.dropped()).as("logs_dropped counts lines, not the flushes that sent them again").isEqualTo(1);
        assertThat(inbox.oldest(10, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void when_the_server_goes_away_while_a_refused_batch_is_split_the_cursor_covers_only_the_settled_lines() {
        buffer.add(line("line 1"), "s=1;i=1");
        buffer.add(refusedLine("line 2"), "s=1;i=2");
        buffer.add(line("line 3"), "s=1;i=3");
        buffer.add(line("line 4"), "s=1;i=4");
        // 1: all four, refused; 2: lines 1-2, refused; 3: line 1, taken; 4: line 2, refused; 5: lines 3-4, away
        unavailableFrom = 5;

        shipper.flush();

        assertThat(stored).containsExactly("line 1");
        assertThat(buffer.dropped()).isEqualTo(1);
        assertThat(savedCursor()).isEqualTo("s=1;i=2");
        assertThat(buffer.take(10).entries()).extracting(LogBatch.Entry::message).containsExactly("line 3", "line 4");
    }

    @Test
    void a_pause_is_said_once_and_its_end_too() {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        AgentLog.install(new PrintStream(console, true, StandardCharsets.UTF_8), AgentLog.Level.INFO, null);
        unavailableFrom = 1;
        buffer.add(line("while away"));

        shipper.flush();
        shipper.flush();
        unavailableFrom = 0;
        shipper.flush();
        buffer.add(line("later"));
        shipper.flush();

        assertThat(stored).containsExactly("while away", "later");
        assertThat(console.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(2)
                .first().asString().startsWith("INFO LogShipper: log shipping paused, HTTP 503");
        assertThat(console.toString(StandardCharsets.UTF_8)).endsWith("INFO LogShipper: log shipping resumed\n");
    }

    @Test
    void the_warning_about_refused_lines_is_printed_once_and_not_shipped() {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        AgentLog.install(new PrintStream(console, true, StandardCharsets.UTF_8), AgentLog.Level.INFO, buffer);
        buffer.add(refusedLine("first"));
        buffer.add(line("fine"));
        buffer.add(refusedLine("second"));

        shipper.flush();
        shipper.flush();

        assertThat(console.toString(StandardCharsets.UTF_8)).startsWith(
                        "WARN LogShipper: dropped 2 log lines the server refused for good (last: HTTP 400")
                .endsWith("; counted in logs_dropped\n")
                .containsOnlyOnce("WARN");
        assertThat(stored).containsExactly("fine");
        assertThat(buffer.take(10).entries()).isEmpty();
    }

    /**
     * The agent's one job thread also sends the status reports and polls the configuration: a flush
     * must end even while a unit keeps logging warnings (journald lets a unit log hundreds a second).
     */
    @Test
    void a_flush_ends_while_lines_keep_coming_so_status_reports_and_config_polls_are_not_starved() throws Exception {
        answerDelayMs = 50;
        AtomicBoolean logging = new AtomicBoolean(true);
        Thread unit = new Thread(() -> {
            for (int i = 0; logging.get(); i++) {
                buffer.add(line("retrying " + i), "s=1;i=" + i);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        unit.start();
        try {
            Thread.sleep(100);
            CompletableFuture<Void> flush = CompletableFuture.runAsync(shipper::flush);
            assertThat(flush).succeedsWithin(5, TimeUnit.SECONDS);
            assertThat(stored).isNotEmpty();
        } finally {
            logging.set(false);
            unit.join();
        }
    }

    @Test
    void long_lines_are_shipped_in_batches_the_server_takes() {
        for (int i = 1; i <= 300; i++) {
            buffer.add(line(LogText.clip(i + " " + "スキャナが応答しません。".repeat(1_000))));
        }
        int waiting = buffer.take(5_000).entries().size();

        shipper.flush();

        assertThat(stored).hasSize(waiting);
        assertThat(stored.size() + buffer.dropped()).isEqualTo(300);
        assertThat(stored.get(stored.size() - 1)).startsWith("300 ");
        assertThat(bodySizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(BatchSize.MAX_BYTES));
    }
}
