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
    private static final String MIRROR_ON = "\"mirror_mode\": true, \"mirror_endpoint\": \"http://127.0.0.1:9/api/v1/scans\"";

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
                rejections.add(new Rejection(entry.id(), entry.scanId(), 400, REASON));
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

    /**
     * `mirrorctl disable` while the mirror is behind moves its whole queue to the dead letters (RUNBOOK
     * 10.10): tens of thousands after an outage. Listing, `--json` and `retry --all` are the documented
     * way out (11.6), and must work in the unit's 24 MB heap, as `genba-agent` runs them.
     */
    @Test
    void lists_and_retries_tens_of_thousands_of_dead_letters_in_the_units_heap() throws Exception {
        int letters = 60_000;
        // mirror mode on again by the time of the retry (they would stay dead letters otherwise)
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", MIRROR_ON);
        String reason = "no endpoint is configured for this destination any more (mirror mode was turned off before"
                + " the scan reached it): `genba-agent dead-letters retry` sends it again once mirror mode is on,"
                + " `genba-agent dead-letters discard` removes it";
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            OutboxStore outbox = new OutboxStore(database, 1_000_000);
            for (int first = 0; first < letters; first += 1_000) {
                List<QueuedScan> scans = new ArrayList<>();
                for (int n = first; n < first + 1_000; n++) {
                    String id = java.util.UUID.randomUUID().toString();
                    scans.add(new QueuedScan(id, "{\"scan_id\":\"" + id + "\",\"device_id\":\"HANDHELD-01\","
                            + "\"scanned_at\":\"2026-11-25T00:38:37.835Z\",\"payload\":{\"tag_id\":\"CH2-" + n
                            + "\",\"order_id\":\"PO-7\",\"location\":\"SHELF-12\",\"station\":\"B\"}}"));
                }
                outbox.enqueue(scans, List.of(Destination.MIRROR), Instant.now());
            }
            assertThat(outbox.deadLetterPending(Destination.MIRROR, Long.MAX_VALUE, reason, Instant.now(), () -> true))
                    .isEqualTo(letters);
        }

        Path text = directory.resolve("list.txt");
        Path json = directory.resolve("list.json");
        Path retry = directory.resolve("retry.txt");
        Process list = AgentProcesses.command(text, "dead-letters", "--config", config.toString());
        assertThat(list.waitFor(120, TimeUnit.SECONDS)).isTrue();
        Process listJson = AgentProcesses.command(json, "dead-letters", "--json", "--config", config.toString());
        assertThat(listJson.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(list.exitValue()).as(java.nio.file.Files.readString(text).lines().reduce((a, b) -> b).orElse(""))
                .isEqualTo(1);
        assertThat(java.nio.file.Files.readString(text)).startsWith("DESTINATION").contains(letters + " dead letters.");
        assertThat(java.nio.file.Files.lines(text).filter(line -> line.startsWith("mirror ")).count()).isEqualTo(letters);
        assertThat(listJson.exitValue()).isEqualTo(1);
        Map<String, Object> body = object(Json.parse(java.nio.file.Files.readAllBytes(json)));
        assertThat(body).containsEntry("count", (long) letters);
        assertThat((List<?>) body.get("dead_letters")).hasSize(letters);

        Process retryAll = AgentProcesses.command(retry, "dead-letters", "retry", "--all", "--destination", "mirror",
                "--config", config.toString());
        assertThat(retryAll.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(retryAll.exitValue()).as(java.nio.file.Files.readString(retry).lines().reduce((a, b) -> b).orElse(""))
                .isZero();
        assertThat(java.nio.file.Files.readString(retry)).contains(letters + " moved back to the outbox");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new OutboxStore(database, 1_000_000).pendingScanIds(Destination.MIRROR)).hasSize(letters);
            assertThat(new DeadLetterStore(database, 1_000_000).all()).isEmpty();
        }
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
    void discard_has_no_all_and_says_so_and_why_removing_nothing() throws Exception {
        Path config = configWithDeadLetters();

        Run all = run("dead-letters", "discard", "--config", config.toString(), "--all");
        Run nothing = run("dead-letters", "discard", "--config", config.toString());

        assertThat(all.exitCode()).isEqualTo(2);
        assertThat(all.err()).contains("discard has no --all, because a discard cannot be undone");
        assertThat(nothing.exitCode()).isEqualTo(2);
        assertThat(nothing.err()).contains("Missing required parameter: 'SCAN_ID'");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new DeadLetterStore(database, 1_000).all()).hasSize(2);
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

    @Test
    void set_aside_moves_the_oldest_scans_waiting_for_one_destination_with_its_last_error_and_retry_undoes_it()
            throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", MIRROR_ON);
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            for (String n : List.of("1", "2", "3")) {
                outbox.enqueue(List.of(new QueuedScan("scan-" + n, "{\"payload\":{\"tag_id\":\"TAG-" + n + "\"}}")),
                        List.of(Destination.PRIMARY, Destination.MIRROR), Instant.now());
            }
            outbox.recordError(Destination.MIRROR, "http://window-a/api/v1/scans",
                    "20 scans in a row were refused, so the address or this device's key is wrong: HTTP 404 from"
                            + " http://window-a/api/v1/scans: no such tag: TAG-1", Instant.now());
        }

        Run run = run("dead-letters", "set-aside", "--config", config.toString(), "--destination", "mirror",
                "--first", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("set aside: mirror scan-1 (tag TAG-1): set aside by an operator")
                .contains("set aside: mirror scan-2 (tag TAG-2)").doesNotContain("scan-3")
                .contains("2 moved to the dead letters")
                .contains("genba-agent dead-letters retry --destination mirror --all");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            assertThat(outbox.pendingScanIds(Destination.MIRROR)).containsExactly("scan-3");
            assertThat(outbox.pendingScanIds(Destination.PRIMARY)).containsExactly("scan-1", "scan-2", "scan-3");
            assertThat(new DeadLetterStore(database, 1_000).all()).allSatisfy(letter -> {
                assertThat(letter.destination()).isEqualTo(Destination.MIRROR);
                assertThat(letter.httpStatus()).isNull();
                assertThat(letter.reason()).contains("the destination's last error: 20 scans in a row were refused")
                        .contains("no such tag: TAG-1");
            }).extracting(DeadLetter::scanId).containsExactly("scan-1", "scan-2");
            LogBatch.Entry line = new LogInbox(database).oldest(10, Long.MAX_VALUE).get(0).entry();
            assertThat(line.level()).isEqualTo("warn");
            assertThat(line.message()).contains("set aside 2 scans waiting for mirror");
            assertThat(line.context()).containsEntry("scan_ids", "scan-1,scan-2");
        }

        Run retry = run("dead-letters", "retry", "--config", config.toString(), "--destination", "mirror", "--all");

        assertThat(retry.exitCode()).as(retry.err()).isZero();
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new OutboxStore(database, 1_000).pendingScanIds(Destination.MIRROR))
                    .containsExactlyInAnyOrder("scan-1", "scan-2", "scan-3");
            assertThat(new DeadLetterStore(database, 1_000).all()).isEmpty();
        }
    }

    @Test
    void retry_leaves_the_mirror_s_dead_letters_while_no_mirror_endpoint_is_configured_and_says_why()
            throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            outbox.enqueue(List.of(new QueuedScan("scan-1", "{\"payload\":{\"tag_id\":\"TAG-1\"}}")),
                    List.of(Destination.PRIMARY, Destination.MIRROR), Instant.now());
            DeadLetterStore letters = new DeadLetterStore(database, 1_000);
            letters.setAside(Destination.PRIMARY, 1, Instant.now());
            letters.setAside(Destination.MIRROR, 1, Instant.now());
        }

        Run onlyMirror = run("dead-letters", "retry", "--config", config.toString(), "--destination", "mirror", "--all");
        Run byId = run("dead-letters", "retry", "--config", config.toString(), "scan-1", "scan-9");
        Run all = run("dead-letters", "retry", "--config", config.toString(), "--all");

        assertThat(onlyMirror.exitCode()).isEqualTo(1);
        assertThat(onlyMirror.err()).contains("no dead letter was moved: no mirror endpoint is configured",
                "run this again once mirror mode is on");
        assertThat(byId.exitCode()).isEqualTo(1);
        assertThat(byId.out()).contains("queued again: primary scan-1");
        assertThat(byId.err()).contains("1 mirror dead letters were left where they are")
                .contains("no dead letter with scan_id scan-9").doesNotContain("scan_id scan-1");
        assertThat(all.exitCode()).isEqualTo(1);
        assertThat(all.err()).contains("1 mirror dead letters were left where they are");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            assertThat(new OutboxStore(database, 1_000).pendingScanIds(Destination.PRIMARY)).containsExactly("scan-1");
            assertThat(new OutboxStore(database, 1_000).pendingScanIds(Destination.MIRROR)).isEmpty();
            assertThat(new DeadLetterStore(database, 1_000).all()).extracting(DeadLetter::destination)
                    .containsExactly(Destination.MIRROR);
        }
    }

    @Test
    void retry_of_the_mirror_s_with_mirror_mode_on_but_no_mirror_endpoint_says_what_is_missing() throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "\"mirror_mode\": true");
        try (AgentDatabase database = AgentDatabase.open(TestConfig.load(config).outboxFile())) {
            new OutboxStore(database, 1_000).enqueue(List.of(new QueuedScan("scan-1", "{\"payload\":{}}")),
                    List.of(Destination.MIRROR), Instant.now());
            new DeadLetterStore(database, 1_000).setAside(Destination.MIRROR, 1, Instant.now());
        }

        Run retry = run("dead-letters", "retry", "--config", config.toString(), "--destination", "mirror", "--all");

        assertThat(retry.exitCode()).isEqualTo(1);
        assertThat(retry.err()).contains("mirror mode is on in configuration version 0 this agent has, but without a"
                + " mirror_endpoint").contains("genba agent-config set mirror_endpoint URL");
    }

    @Test
    void set_aside_with_nothing_waiting_is_exit_1_and_a_count_out_of_range_is_exit_2_naming_the_option()
            throws Exception {
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");

        Run nothing = run("dead-letters", "set-aside", "--config", config.toString(), "--destination", "primary",
                "--first", "5");
        Run zero = run("dead-letters", "set-aside", "--config", config.toString(), "--destination", "primary",
                "--first", "0");
        Run noDestination = run("dead-letters", "set-aside", "--config", config.toString(), "--first", "5");

        assertThat(nothing.exitCode()).isEqualTo(1);
        assertThat(nothing.err()).contains("no scan is waiting for primary");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--first must be between 1 and 10000 (it was 0)");
        assertThat(noDestination.exitCode()).isEqualTo(2);
        assertThat(noDestination.err()).contains("--destination");
    }

    @Test
    void set_aside_frees_a_destination_that_refuses_more_than_20_scans_in_a_row_while_the_agent_runs()
            throws Exception {
        int port = AgentProcesses.freePort();
        // an old server that takes one scan per POST and does not know the GONE tags
        try (FakeGenbaServer server = new FakeGenbaServer().batchRoute(false)) {
            Path config = TestConfig.write(directory, server.url(), port, "");
            AgentFileConfig file = TestConfig.load(config);
            Process agent = AgentProcesses.start(config);
            try (AgentDatabase observer = AgentDatabase.open(file.outboxFile())) {
                OutboxStore outbox = new OutboxStore(observer, file.outboxMaxRows());
                await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "WARMUP") != null);
                await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().size() == 1);
                List<String> refused = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    refused.add(AgentProcesses.post(port, "GONE-" + i));
                }
                String later = AgentProcesses.post(port, "TAG-LATER");
                await().atMost(Duration.ofSeconds(30)).until(() -> String.valueOf(
                        outbox.stats().get(Destination.PRIMARY).lastError()).contains("20 scans in a row were refused"));
                assertThat(outbox.pendingScanIds(Destination.PRIMARY)).as("taken for a wrong address: all kept")
                        .hasSize(26);

                Run run = run("dead-letters", "set-aside", "--config", config.toString(), "--destination", "primary",
                        "--first", "25");

                assertThat(run.exitCode()).as(run.err()).isZero();
                await().atMost(Duration.ofSeconds(30)).until(() -> server.storedScanIds().contains(later));
                // the agent settles a scan once it has the server's answer, a moment after the server stored it
                await().atMost(Duration.ofSeconds(30)).until(() -> outbox.pendingTotal() == 0);
                assertThat(new DeadLetterStore(observer, file.outboxMaxRows()).all()).extracting(DeadLetter::scanId)
                        .containsExactlyElementsOf(refused);
            } finally {
                agent.destroy();
                agent.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }
}
