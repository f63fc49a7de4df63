package dev.genba.agent.cli;

import static dev.genba.agent.testing.JsonObjects.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.logs.LogInbox;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.DeadLetterStore;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxEntry;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.agent.outbox.Rejection;
import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeadLettersCommandTest {
    private static final String REASON = "HTTP 400 from http://genba/api/v1/scans: payload.tag_id is not a known tag";

    @TempDir
    Path directory;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = AgentCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(exitCode, out.toString(), err.toString());
    }

    /** Two scans the primary refused: scan-1 (TAG-1) and scan-2 (TAG-2). */
    private Path configWithDeadLetters() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            for (String n : List.of("1", "2")) {
                outbox.enqueue(List.of(new QueuedScan("scan-" + n, "{\"payload\":{\"tag_id\":\"TAG-" + n + "\"}}")),
                        List.of(Destination.PRIMARY), Instant.now());
            }
            List<Rejection> rejections = new ArrayList<>();
            for (OutboxEntry entry : outbox.nextBatch(Destination.PRIMARY, 10, 100_000, false)) {
                rejections.add(new Rejection(entry.id(), 400, REASON));
            }
            outbox.settle(Destination.PRIMARY, "http://genba/api/v1/scans", List.of(), rejections, Instant.now());
        }
        return config;
    }

    @Test
    void lists_dead_letters_as_a_table_and_as_json_and_exits_1_while_there_are_any() throws Exception {
        Path config = configWithDeadLetters();

        Run text = run("dead-letters", "--config", config.toString());
        Run json = run("dead-letters", "--json", "--config", config.toString());

        assertThat(text.exitCode()).isEqualTo(1);
        assertThat(text.out().lines().toList().get(0)).startsWith("DESTINATION").contains("SCAN ID", "TAG", "HTTP");
        assertThat(text.out()).containsPattern("primary +scan-1 +TAG-1 +400  \\d{4}-\\d\\d-\\d\\d .*" + "payload.tag_id is not a known tag")
                .contains("2 dead letters.").contains("genba-agent dead-letters retry --all");
        assertThat(json.exitCode()).isEqualTo(1);
        Map<String, Object> body = object(Json.parse(json.out()));
        assertThat(body).containsEntry("count", 2L);
        assertThat(object(((List<?>) body.get("dead_letters")).get(0))).containsEntry("destination", "primary")
                .containsEntry("scan_id", "scan-1").containsEntry("tag_id", "TAG-1").containsEntry("http_status", 400L)
                .containsEntry("reason", REASON).containsKey("failed_at");
    }

    @Test
    void no_dead_letters_is_exit_0() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");

        Run run = run("dead-letters", "--config", config.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("no dead letters");
    }

    @Test
    void retry_needs_all_or_scan_ids_and_names_unknown_ones_with_exit_1() throws Exception {
        Path config = configWithDeadLetters();

        Run nothing = run("dead-letters", "retry", "--config", config.toString());
        Run mixed = run("dead-letters", "retry", "--config", config.toString(), "scan-2", "no-such-scan");

        assertThat(nothing.exitCode()).isEqualTo(2);
        assertThat(nothing.err()).contains("Missing required argument");
        assertThat(mixed.exitCode()).isEqualTo(1);
        assertThat(mixed.out()).contains("queued again: primary scan-2 (tag TAG-2): " + REASON)
                .contains("1 moved back to the outbox");
        assertThat(mixed.err()).contains("no dead letter with scan_id no-such-scan");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new OutboxStore(database, 1_000).pendingScanIds(Destination.PRIMARY)).containsExactly("scan-2");
            assertThat(new DeadLetterStore(database, 1_000).all()).extracting(DeadLetter::scanId).containsExactly("scan-1");
        }
    }

    @Test
    void discard_prints_what_it_removed_and_leaves_a_warning_for_the_server() throws Exception {
        Path config = configWithDeadLetters();

        Run run = run("dead-letters", "discard", "--config", config.toString(), "--destination", "primary", "scan-1");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("discarded: primary scan-1 (tag TAG-1): " + REASON).contains("1 removed for good");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new DeadLetterStore(database, 1_000).all()).extracting(DeadLetter::scanId).containsExactly("scan-2");
            LogBatch.Entry line = new LogInbox(database).oldest(10, Long.MAX_VALUE).get(0).entry();
            assertThat(line.level()).isEqualTo("warn");
            assertThat(line.message()).contains("discarded", "scan-1", "will never reach primary");
            assertThat(line.context()).containsEntry("scan_id", "scan-1").containsEntry("tag_id", "TAG-1");
        }
        assertThat(run("dead-letters", "discard", "--config", config.toString(), "scan-1").exitCode()).isEqualTo(1);
    }

    @Test
    void retry_and_discard_work_while_the_agent_runs_in_another_process() throws Exception {
        int port = AgentProcesses.freePort();
        try (FakeGenbaServer server = new FakeGenbaServer().forceStatus(400)) {
            Path config = TestConfig.write(directory, server.url(), port, "\"log_flush_interval_s\": 1");
            AgentFileConfig file = TestConfig.load(config);
            Process agent = AgentProcesses.start(config);
            try (AgentDatabase observer = AgentDatabase.open(file.outboxFile())) {
                DeadLetterStore deadLetters = new DeadLetterStore(observer, file.outboxMaxRows());
                await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
                List<String> refused = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    refused.add(AgentProcesses.post(port, "TAG-" + i));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> deadLetters.all().size() == 4);
                server.forceStatus(0);

                Run retry = run("dead-letters", "retry", "--config", config.toString(), refused.get(0), refused.get(1));
                assertThat(retry.exitCode()).as(retry.err()).isZero();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> server.storedScanIds().containsAll(refused.subList(0, 2)));

                Run discard = run("dead-letters", "discard", "--config", config.toString(), refused.get(2));
                assertThat(discard.exitCode()).as(discard.err()).isZero();
                assertThat(discard.out()).contains("discarded: primary " + refused.get(2) + " (tag TAG-2)");
                await().atMost(Duration.ofSeconds(30)).until(() -> server.logLines().stream()
                        .anyMatch(line -> "warn".equals(line.level()) && refused.get(2).equals(line.context().get("scan_id"))));

                assertThat(deadLetters.all()).extracting(DeadLetter::tagId).containsExactly("WARMUP");
                assertThat(server.storedScanIds()).doesNotContain(refused.get(2));
                assertThat(new OutboxStore(observer, file.outboxMaxRows()).pendingTotal()).isZero();
            } finally {
                agent.destroy();
                agent.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }
}
