package dev.genba.agent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.ConfigLoader;
import dev.genba.agent.config.LiveSettings;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Semaphore;
import java.time.ZoneOffset;
import java.time.ZoneId;
import java.time.Instant;
import dev.genba.agent.config.ServerConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.intake.ScanIntake;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.logs.LogBuffer;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.DeadLetterStore;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.DestinationStats;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the workers step by step (no threads) against stand-in servers. */
class DeliveryWorkerTest {
    private static final List<Destination> BOTH = List.of(Destination.PRIMARY, Destination.MIRROR);

    @TempDir
    Path directory;

    private FakeGenbaServer primaryServer;
    private FakeGenbaServer mirrorServer;
    private AgentDatabase database;
    private OutboxStore outbox;
    private final ScanIntake intake = new ScanIntake("HANDHELD-01", Clock.systemUTC());

    @BeforeEach
    void start() throws Exception {
        primaryServer = new FakeGenbaServer();
        mirrorServer = new FakeGenbaServer();
        database = AgentDatabase.open(directory.resolve("outbox.db"));
        outbox = new OutboxStore(database, 100_000);
    }

    @AfterEach
    void stop() {
        database.close();
        primaryServer.close();
        mirrorServer.close();
    }

    private LiveSettings settings(String extraJson) throws Exception {
        AgentFileConfig file = TestConfig.load(TestConfig.write(directory, primaryServer.url(), extraJson));
        return new LiveSettings(file, Optional.empty());
    }

    private LiveSettings mirrorSettings() throws Exception {
        return settings("\"mirror_mode\": true, \"mirror_endpoint\": \"" + mirrorServer.scansEndpoint() + "\"");
    }

    private DeliveryWorker worker(Destination destination, LiveSettings settings, DeliveryWorker primary) {
        return new DeliveryWorker(destination, outbox, settings, new ScanSender(new AgentHttp("test-key-0001", "test")),
                new LatencyTracker(destination, new LatencyStore(database), Clock.systemUTC()), primary == null ? () -> false : primary::failing, 200,
                Clock.systemUTC());
    }

    private interface Step {
        void run() throws Exception;
    }

    /**
     * One primary step on its own thread while the old server holds its answers to single POSTs
     * ({@code answers} lets some through); {@code check} runs meanwhile, then every answer is let go.
     */
    private void whilePrimaryHeld(DeliveryWorker primary, Semaphore answers, Step check) throws Exception {
        primaryServer.holdSinglePosts(answers);
        Thread primaryThread = new Thread(primary::deliverOnce);
        primaryThread.start();
        try {
            check.run();
        } finally {
            answers.release(1_000);
            primaryThread.join(20_000);
        }
    }

    private List<String> enqueue(int count, String tagPrefix, List<Destination> destinations) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            QueuedScan scan = intake.fromFields(Map.of("tag_id", tagPrefix + i, "location", "SHELF-03"));
            outbox.enqueue(List.of(scan), destinations, Clock.systemUTC().instant());
            ids.add(scan.scanId());
        }
        return ids;
    }

    /** Runs steps until the worker is idle; returns how many failed steps it went through. */
    private static int runUntilIdle(DeliveryWorker worker) {
        int failures = 0;
        for (int step = 0; step < 100; step++) {
            long wait = worker.deliverOnce();
            if (wait == DeliveryWorker.IDLE_POLL_MS) {
                return failures;
            }
            if (wait > 0) {
                failures++;
            }
        }
        throw new AssertionError("worker did not become idle in 100 steps");
    }

    @Test
    void delivers_every_scan_in_order_in_batches_to_a_genba_server() throws Exception {
        List<String> ids = enqueue(1_500, "T", List.of(Destination.PRIMARY));

        runUntilIdle(worker(Destination.PRIMARY, settings(""), null));

        assertThat(primaryServer.storedScanIds()).containsExactlyElementsOf(ids);
        // 20, 20 (read while the first was in flight), 1000, 460: the first batches are small until
        // the batch URL took one (an old server answers it "no such route" and gets one POST per scan)
        assertThat(primaryServer.paths()).containsOnly("POST /api/v1/scans/batch").hasSize(4);
        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isZero();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastSuccess()).isNotNull();
    }

    private List<String> enqueueBacklog(int count) {
        List<QueuedScan> scans = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            scans.add(intake.fromFields(Map.of("tag_id", "T" + i, "location", "SHELF-03")));
        }
        outbox.enqueue(scans, List.of(Destination.PRIMARY), Clock.systemUTC().instant());
        return scans.stream().map(QueuedScan::scanId).toList();
    }

    @Test
    void drains_a_backlog_batch_after_batch_with_one_request_in_flight_in_fifo_order() throws Exception {
        List<String> ids = enqueueBacklog(3_500);

        runUntilIdle(worker(Destination.PRIMARY, settings(""), null));

        assertThat(primaryServer.arrivals()).containsExactlyElementsOf(ids);
        assertThat(primaryServer.paths()).containsOnly("POST /api/v1/scans/batch").hasSize(6); // 20, 20, 1000 x 3, 460
        assertThat(primaryServer.maxBatchesInFlight()).isEqualTo(1);
        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isZero();
    }

    @Test
    void a_batch_that_fails_in_the_middle_of_a_backlog_is_sent_again_before_the_ones_behind_it() throws Exception {
        List<String> ids = enqueueBacklog(3_500);
        primaryServer.failBatchRequest(2);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);

        assertThat(primary.deliverOnce()).isPositive();
        assertThat(outbox.pendingScanIds(Destination.PRIMARY)).containsExactlyElementsOf(ids.subList(20, 3_500));
        runUntilIdle(primary);

        // the read-ahead third batch was never sent before the second was accepted: arrivals keep the order, no repeats
        assertThat(primaryServer.arrivals()).containsExactlyElementsOf(ids);
        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isZero();
    }

    @Test
    void a_backoff_as_long_as_the_idle_poll_is_not_cut_short_by_new_scans() throws Exception {
        enqueue(3, "T", List.of(Destination.PRIMARY));
        Path file = TestConfig.write(directory, primaryServer.url(), "");
        AgentFileConfig config = new ConfigLoader(Map.of("GENBA_AGENT_RETRY_MAX_ATTEMPTS", "1",
                "GENBA_AGENT_RETRY_BACKOFF_MS", String.valueOf(DeliveryWorker.IDLE_POLL_MS))).load(file).config();
        DeliveryWorker primary = new DeliveryWorker(Destination.PRIMARY, outbox, new LiveSettings(config, Optional.empty()),
                new ScanSender(new AgentHttp("test-key-0001", "test")),
                new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), Clock.systemUTC()), () -> false,
                DeliveryWorker.IDLE_POLL_MS, Clock.systemUTC());
        primaryServer.forceStatus(503);
        Thread thread = new Thread(primary, "deliver-test");
        thread.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> primaryServer.paths().size() == 1);
            for (int i = 0; i < 10; i++) {
                primary.newScans();
                Thread.sleep(50);
            }

            assertThat(primaryServer.paths()).hasSize(1);
        } finally {
            primary.stop();
            thread.join(5_000);
        }
    }

    @Test
    void keeps_scans_while_the_server_fails_and_delivers_them_once_it_is_back() throws Exception {
        List<String> ids = enqueue(20, "T", List.of(Destination.PRIMARY));
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);
        primaryServer.forceStatus(503);

        assertThat(primary.deliverOnce()).isPositive();
        assertThat(primary.deliverOnce()).isPositive();
        assertThat(primary.failing()).isTrue();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).contains("HTTP 503");
        primaryServer.forceStatus(0);
        runUntilIdle(primary);

        assertThat(primaryServer.arrivals()).containsExactlyElementsOf(ids);
        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isZero();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).isNull();
    }

    @Test
    void an_error_left_by_a_run_that_was_restarted_during_an_outage_is_cleared_by_the_next_success() throws Exception {
        enqueue(5, "T", List.of(Destination.PRIMARY));
        primaryServer.forceStatus(503);
        DeliveryWorker before = worker(Destination.PRIMARY, settings(""), null);
        assertThat(before.deliverOnce()).isPositive();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).contains("HTTP 503");

        // the agent is restarted (a new worker on the same outbox) and the server is back
        primaryServer.forceStatus(0);
        DeliveryWorker after = worker(Destination.PRIMARY, settings(""), null);
        runUntilIdle(after);

        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isZero();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).isNull();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastErrorAt()).isNull();
    }

    @Test
    void a_new_endpoint_starts_without_the_old_ones_last_success_and_error() throws Exception {
        enqueue(3, "T", List.of(Destination.PRIMARY));
        runUntilIdle(worker(Destination.PRIMARY, settings(""), null));
        assertThat(outbox.stats().get(Destination.PRIMARY).lastSuccess()).isNotNull();

        // the primary becomes the old server (mirror mode on), which is down
        mirrorServer.forceStatus(503);
        enqueue(1, "U", List.of(Destination.PRIMARY));
        DeliveryWorker primary = worker(Destination.PRIMARY,
                settings("\"primary_endpoint\": \"" + mirrorServer.scansEndpoint() + "\""), null);
        assertThat(primary.deliverOnce()).isPositive();

        DestinationStats stats = outbox.stats().get(Destination.PRIMARY);
        assertThat(stats.endpoint()).isEqualTo(mirrorServer.scansEndpoint());
        assertThat(stats.lastSuccess()).isNull();
        assertThat(stats.lastError()).contains("HTTP 503");
    }

    @Test
    void an_auth_failure_is_retried_never_dead_lettered() throws Exception {
        enqueue(3, "T", List.of(Destination.PRIMARY));
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);
        primaryServer.forceStatus(401);

        primary.deliverOnce();
        primary.deliverOnce();

        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(3);
        assertThat(outbox.stats().get(Destination.PRIMARY).deadLetters()).isZero();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).contains("refused this device's key");
    }

    @Test
    void a_scan_the_server_refuses_goes_to_dead_letters_and_the_rest_is_delivered() throws Exception {
        List<String> good = new ArrayList<>(enqueue(2, "T", List.of(Destination.PRIMARY)));
        List<String> bad = enqueue(1, "BAD", List.of(Destination.PRIMARY));
        good.addAll(enqueue(2, "U", List.of(Destination.PRIMARY)));

        runUntilIdle(worker(Destination.PRIMARY, settings(""), null));

        assertThat(primaryServer.storedScanIds()).containsExactlyElementsOf(good);
        assertThat(new DeadLetterStore(database, 100_000).newest(Destination.PRIMARY, 10)).singleElement()
                .satisfies(letter -> assertThat(letter.scanId()).isEqualTo(bad.get(0)))
                .satisfies(letter -> assertThat(letter.reason()).contains("is not a known tag"));
    }

    @Test
    void a_server_without_the_batch_route_gets_one_post_per_scan_and_refusals_are_dead_lettered() throws Exception {
        primaryServer.batchRoute(false);
        List<String> good = new ArrayList<>(enqueue(3, "T", List.of(Destination.PRIMARY)));
        enqueue(1, "BAD", List.of(Destination.PRIMARY));
        good.addAll(enqueue(2, "U", List.of(Destination.PRIMARY)));
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);

        runUntilIdle(primary);
        enqueue(1, "V", List.of(Destination.PRIMARY));
        runUntilIdle(primary);

        assertThat(primaryServer.storedScanIds()).hasSize(6).startsWith(good.toArray(String[]::new));
        assertThat(primaryServer.paths().stream().filter(path -> path.endsWith("/batch"))).hasSize(1);
        assertThat(outbox.stats().get(Destination.PRIMARY).deadLetters()).isEqualTo(1);
    }

    @Test
    void a_page_answering_every_path_200_in_front_of_the_server_takes_no_scan_out_of_the_outbox() throws Exception {
        // a proxy's maintenance page or a captive portal: 200 to the batch URL and to every single POST, storing nothing
        primaryServer.forceStatus(200);
        enqueue(5, "T", List.of(Destination.PRIMARY));
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);

        assertThat(primary.deliverOnce()).as("a failure, retried").isPositive();

        assertThat(primaryServer.paths()).containsExactly("POST /api/v1/scans/batch");
        assertThat(outbox.pendingTotal()).as("nothing was stored by a Genba server").isEqualTo(5);
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).contains("HTTP 200", "not a Genba server's batch answer",
                "must answer 404 there");
    }

    @Test
    void an_old_server_refusing_one_scan_with_404_gets_the_scans_after_it_and_the_refused_one_is_a_dead_letter()
            throws Exception {
        primaryServer.batchRoute(false);
        List<String> before = enqueue(1, "T", List.of(Destination.PRIMARY));
        List<String> gone = enqueue(1, "GONE", List.of(Destination.PRIMARY));
        List<String> after = enqueue(1, "U", List.of(Destination.PRIMARY));

        runUntilIdle(worker(Destination.PRIMARY, settings(""), null));

        assertThat(primaryServer.storedScanIds()).containsExactly(before.get(0), after.get(0));
        assertThat(new DeadLetterStore(database, 100_000).newest(Destination.PRIMARY, 10)).singleElement()
                .satisfies(letter -> assertThat(letter.scanId()).isEqualTo(gone.get(0)))
                .satisfies(letter -> assertThat(letter.reason()).contains("HTTP 404", "no such tag", "about this scan"));
    }

    @Test
    void an_old_server_busy_now_and_then_is_tried_again_soon_while_scans_still_go_through_between_its_503s()
            throws Exception {
        primaryServer.batchRoute(false).failEverySinglePost(4);
        List<String> ids = enqueue(40, "T", List.of(Destination.PRIMARY));
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);

        List<Long> waits = new ArrayList<>();
        for (int step = 0; step < 100 && outbox.pendingTotal() > 0; step++) {
            long wait = primary.deliverOnce();
            if (wait > 0) {
                waits.add(wait);
            }
        }

        assertThat(primaryServer.storedScanIds()).containsExactlyInAnyOrderElementsOf(ids);
        // retry.backoff_ms is 10: each 503 follows accepted scans, so none is a second failure in a row
        assertThat(waits).hasSizeGreaterThan(5).containsOnly(10L);
    }

    @Test
    void a_refused_scan_with_no_scan_behind_it_waits_for_the_next_one_to_tell_whether_the_url_is_wrong()
            throws Exception {
        primaryServer.batchRoute(false);
        enqueue(1, "T", List.of(Destination.PRIMARY));
        List<String> gone = enqueue(1, "GONE", List.of(Destination.PRIMARY));
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);

        assertThat(primary.deliverOnce()).isPositive();
        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(1);
        assertThat(outbox.stats().get(Destination.PRIMARY).deadLetters()).isZero();

        List<String> next = enqueue(1, "U", List.of(Destination.PRIMARY));
        runUntilIdle(primary);

        assertThat(primaryServer.storedScanIds()).hasSize(2).endsWith(next.get(0));
        assertThat(new DeadLetterStore(database, 100_000).newest(Destination.PRIMARY, 10)).singleElement()
                .satisfies(letter -> assertThat(letter.scanId()).isEqualTo(gone.get(0)));
    }

    @Test
    void an_endpoint_answering_404_to_every_scan_is_a_wrong_url_and_nothing_becomes_a_dead_letter() throws Exception {
        enqueue(ScanSender.MAX_REFUSED_IN_A_ROW + 5, "T", List.of(Destination.PRIMARY));
        primaryServer.forceStatus(404);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);

        assertThat(primary.deliverOnce()).isPositive();
        assertThat(primary.deliverOnce()).isPositive();

        assertThat(primary.failing()).isTrue();
        assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(ScanSender.MAX_REFUSED_IN_A_ROW + 5);
        assertThat(outbox.stats().get(Destination.PRIMARY).deadLetters()).isZero();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError())
                .contains("20 scans in a row were refused", "address or this device's key is wrong", "HTTP 404",
                        "genba-agent dead-letters set-aside");
    }

    @Test
    void refused_scans_in_a_row_behind_a_working_endpoint_become_dead_letters_once_a_later_scan_is_accepted()
            throws Exception {
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);
        enqueue(1, "T", List.of(Destination.PRIMARY));
        List<String> gone = enqueue(3, "GONE", List.of(Destination.PRIMARY));
        List<String> after = enqueue(5, "U", List.of(Destination.PRIMARY));

        runUntilIdle(primary);

        assertThat(primaryServer.storedScanIds()).hasSize(6).endsWith(after.toArray(String[]::new));
        assertThat(new DeadLetterStore(database, 100_000).newest(Destination.PRIMARY, 10))
                .extracting(DeadLetter::scanId).containsExactlyInAnyOrderElementsOf(gone);
    }

    @Test
    void a_refused_scan_waiting_for_the_next_one_is_not_sent_again_meanwhile_and_holds_back_neither_side()
            throws Exception {
        LiveSettings settings = mirrorSettings();
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
        enqueue(1, "T", BOTH);
        List<String> gone = enqueue(1, "GONE", BOTH);

        assertThat(primary.deliverOnce()).isEqualTo(DeliveryWorker.IDLE_POLL_MS);
        int posts = primaryServer.singlePostsReceived();
        assertThat(primary.deliverOnce()).isEqualTo(DeliveryWorker.IDLE_POLL_MS);
        assertThat(primaryServer.singlePostsReceived()).as("not sent again without a scan after it").isEqualTo(posts);
        assertThat(primary.failing()).as("one refused scan is no failure: no backoff, the mirror waits").isFalse();
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).contains("kept until a later scan", "HTTP 404");

        List<String> later = enqueue(3, "U", BOTH);
        mirror.deliverOnce();
        assertThat(mirrorServer.storedScanIds()).as("the mirror waits for the primary's attempt")
                .doesNotContainAnyElementsOf(later);

        runUntilIdle(primary);
        runUntilIdle(mirror);
        assertThat(primaryServer.storedScanIds()).hasSize(4).endsWith(later.toArray(String[]::new));
        assertThat(mirrorServer.storedScanIds()).hasSize(5).endsWith(later.toArray(String[]::new));
        assertThat(new DeadLetterStore(database, 100_000).newest(Destination.PRIMARY, 10)).singleElement()
                .satisfies(letter -> assertThat(letter.scanId()).isEqualTo(gone.get(0)));
        assertThat(outbox.stats().get(Destination.PRIMARY).lastError()).isNull();
    }

    @Test
    void a_primary_back_from_an_outage_with_only_a_refused_scan_waiting_is_not_failing_so_the_mirror_waits_for_it()
            throws Exception {
        LiveSettings settings = mirrorSettings();
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
        enqueue(1, "GONE", BOTH);
        primaryServer.forceStatus(503);
        assertThat(primary.deliverOnce()).isPositive();
        assertThat(primary.failing()).isTrue();

        primaryServer.forceStatus(0); // back: it answers the refused scan 404, nothing after it yet
        assertThat(primary.deliverOnce()).isEqualTo(DeliveryWorker.IDLE_POLL_MS);

        assertThat(primary.failing()).as("the primary answers again").isFalse();
        List<String> later = enqueue(1, "U", BOTH);
        mirror.deliverOnce();
        assertThat(mirrorServer.storedScanIds()).as("the mirror waits for the primary's attempt")
                .doesNotContainAnyElementsOf(later);
    }

    @Test
    void a_mirror_that_went_ahead_while_the_primary_was_down_waits_for_it_again_as_soon_as_it_is_back()
            throws Exception {
        LiveSettings settings = mirrorSettings();
        enqueue(100, "T", BOTH); // the primary has tried none of them
        AtomicBoolean firstLook = new AtomicBoolean(true);
        // the primary is failing when the mirror starts its step, and works again from then on
        DeliveryWorker mirror = new DeliveryWorker(Destination.MIRROR, outbox, settings,
                new ScanSender(new AgentHttp("test-key-0001", "test")),
                new LatencyTracker(Destination.MIRROR, new LatencyStore(database), Clock.systemUTC()),
                () -> firstLook.getAndSet(false), 200, Clock.systemUTC());

        mirror.deliverOnce();

        assertThat(mirrorServer.storedScanIds()).as("only the batch read while the primary was failing")
                .hasSize(DeliveryWorker.ONE_BY_ONE_BATCH);
    }

    @Test
    void after_a_start_the_mirror_gets_only_scans_an_old_primary_has_been_sent() throws Exception {
        LiveSettings settings = mirrorSettings();
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
        enqueue(50, "T", BOTH);
        Semaphore answers = new Semaphore(0);
        whilePrimaryHeld(primary, answers, () -> {
            // the batch URL said "no such route"; the old server is working on the first scan
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> primaryServer.singlePostsReceived() == 1);

            mirror.deliverOnce();

            assertThat(mirrorServer.storedScanIds()).hasSizeLessThanOrEqualTo(1);
        });
    }

    @Test
    void after_a_start_an_old_server_gets_small_batches_too_so_a_restart_sends_few_again() throws Exception {
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);
        enqueue(100, "T", List.of(Destination.PRIMARY));
        Semaphore answers = new Semaphore(29);
        whilePrimaryHeld(primary, answers, () -> {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> primaryServer.singlePostsReceived() == 30);

            assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(100 - 20);
        });
    }

    @Test
    void with_an_old_server_as_primary_the_mirror_gets_each_scan_only_after_the_primary_was_tried_with_it()
            throws Exception {
        LiveSettings settings = mirrorSettings();
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
        enqueue(1, "FIRST", BOTH);
        runUntilIdle(primary); // finds out that the primary takes one POST per scan
        runUntilIdle(mirror);
        List<String> ids = enqueue(5, "T", BOTH);
        Semaphore answers = new Semaphore(0);
        whilePrimaryHeld(primary, answers, () -> {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> primaryServer.singlePostsReceived() == 2);
            // the old server is still working on the first of the five

            mirror.deliverOnce();

            assertThat(mirrorServer.storedScanIds()).hasSize(2).endsWith(ids.get(0));
        });
        runUntilIdle(mirror);
        assertThat(mirrorServer.storedScanIds()).hasSize(6).endsWith(ids.toArray(String[]::new));
    }

    @Test
    void scans_sent_one_by_one_are_settled_in_small_batches_so_a_restart_sends_few_again() throws Exception {
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);
        enqueue(1, "FIRST", List.of(Destination.PRIMARY));
        runUntilIdle(primary);
        enqueue(50, "T", List.of(Destination.PRIMARY));
        // the old server answers one batch, then holds the first scan of the next
        Semaphore answers = new Semaphore(DeliveryWorker.ONE_BY_ONE_BATCH);
        whilePrimaryHeld(primary, answers, () -> {
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> primaryServer.singlePostsReceived() == 1 + DeliveryWorker.ONE_BY_ONE_BATCH + 1);

            assertThat(outbox.stats().get(Destination.PRIMARY).pending())
                    .as("scans in the outbox while the old server works on the first scan of the second batch")
                    .isEqualTo(50 - DeliveryWorker.ONE_BY_ONE_BATCH);
        });
        assertThat(primaryServer.storedScanIds()).hasSize(51);
    }

    @Test
    void an_endpoint_without_the_batch_route_is_asked_again_later_and_gets_batches_once_it_has_the_route()
            throws Exception {
        primaryServer.batchRoute(false);
        AtomicLong nowMs = new AtomicLong();
        DeliveryWorker primary = new DeliveryWorker(Destination.PRIMARY, outbox, settings(""),
                new ScanSender(new AgentHttp("test-key-0001", "test"), nowMs::get),
                new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), Clock.systemUTC()), () -> false, 200,
                Clock.systemUTC());
        enqueue(3, "T", List.of(Destination.PRIMARY));
        runUntilIdle(primary);
        primaryServer.batchRoute(true); // the proxy in front of the Genba server works again
        enqueue(3, "U", List.of(Destination.PRIMARY));
        runUntilIdle(primary);
        assertThat(primaryServer.paths().stream().filter(path -> path.endsWith("/batch"))).hasSize(1);

        nowMs.addAndGet(ScanSender.BATCH_ROUTE_RECHECK_MS);
        enqueue(3, "V", List.of(Destination.PRIMARY));
        runUntilIdle(primary);
        enqueue(3, "W", List.of(Destination.PRIMARY));
        runUntilIdle(primary);

        assertThat(primaryServer.paths().stream().filter(path -> path.endsWith("/batch"))).hasSize(3);
        assertThat(primaryServer.storedScanIds()).hasSize(12);
    }

    @Test
    void a_delivery_thread_goes_on_after_an_error_in_one_step() throws Exception {
        LiveSettings settings = mirrorSettings();
        AtomicBoolean thrown = new AtomicBoolean();
        // stands in for an OutOfMemoryError anywhere in a step
        DeliveryWorker mirror = new DeliveryWorker(Destination.MIRROR, outbox, settings,
                new ScanSender(new AgentHttp("test-key-0001", "test")),
                new LatencyTracker(Destination.MIRROR, new LatencyStore(database), Clock.systemUTC()), () -> {
                    if (thrown.compareAndSet(false, true)) {
                        throw new OutOfMemoryError("Java heap space");
                    }
                    return true;
                }, 200, Clock.systemUTC());
        List<String> ids = enqueue(1, "T", BOTH);
        Thread thread = new Thread(mirror, "deliver-mirror");
        thread.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> mirrorServer.storedScanIds().equals(ids));
            assertThat(thrown).isTrue();
            assertThat(thread.isAlive()).isTrue();
        } finally {
            mirror.stop();
            thread.join(10_000);
        }
    }

    @Test
    void in_mirror_mode_both_servers_receive_every_scan() throws Exception {
        LiveSettings settings = mirrorSettings();
        List<String> ids = enqueue(30, "T", BOTH);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);

        assertThat(mirror.deliverOnce()).isEqualTo(DeliveryWorker.IDLE_POLL_MS);
        runUntilIdle(primary);
        runUntilIdle(mirror);

        assertThat(primaryServer.storedScanIds()).containsExactlyElementsOf(ids);
        assertThat(mirrorServer.storedScanIds()).containsExactlyElementsOf(ids);
    }

    /** Settings as the agent holds them after the server's configuration {@code wire} arrived. */
    private LiveSettings fromServer(Map<String, Object> wire) throws Exception {
        AgentFileConfig file = TestConfig.load(TestConfig.write(directory, primaryServer.url(), ""));
        return new LiveSettings(file, Optional.of(ServerConfig.of("\"v" + wire.get("config_version") + "\"", wire)));
    }

    private DeliveryWorker mirrorWorker(LiveSettings settings, Clock clock) {
        return new DeliveryWorker(Destination.MIRROR, outbox, settings, new ScanSender(new AgentHttp("test-key-0001", "test")),
                new LatencyTracker(Destination.MIRROR, new LatencyStore(database), Clock.systemUTC()), () -> false, 200,
                clock);
    }

    /** Five scans delivered to the primary, still waiting for a mirror that answered 503 once. */
    private List<String> mirrorBacklogOfFive() throws Exception {
        LiveSettings on = mirrorSettings();
        List<String> ids = enqueue(5, "T", BOTH);
        mirrorServer.forceStatus(503);
        DeliveryWorker primary = worker(Destination.PRIMARY, on, null);
        runUntilIdle(primary);
        assertThat(worker(Destination.MIRROR, on, primary).deliverOnce()).isPositive();
        assertThat(outbox.stats().get(Destination.MIRROR).lastError()).contains("HTTP 503");
        return ids;
    }

    @Test
    void scans_left_for_a_mirror_the_server_turned_off_become_dead_letters_one_step_later() throws Exception {
        List<String> ids = mirrorBacklogOfFive();
        // `mirrorctl disable`: the server's config has mirror_mode off and no mirror_endpoint
        DeliveryWorker mirror = mirrorWorker(fromServer(Map.of("config_version", 2L, "mirror_mode", false)),
                Clock.systemUTC());

        assertThat(mirror.deliverOnce()).isEqualTo(DeliveryWorker.IDLE_POLL_MS);
        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isEqualTo(5);
        List<String> later = enqueue(2, "U", List.of(Destination.MIRROR));
        mirror.deliverOnce();

        assertThat(primaryServer.storedScanIds()).containsExactlyElementsOf(ids);
        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isEqualTo(2);
        assertThat(outbox.stats().get(Destination.MIRROR).deadLetters()).isEqualTo(5);
        assertThat(outbox.stats().get(Destination.MIRROR).lastError()).isNull();
        List<DeadLetter> letters = new DeadLetterStore(database, 1_000).all();
        assertThat(letters).extracting(DeadLetter::scanId).containsExactlyElementsOf(ids);
        assertThat(letters).allSatisfy(letter -> {
            assertThat(letter.destination()).isEqualTo(Destination.MIRROR);
            assertThat(letter.reason()).contains("no endpoint is configured", "dead-letters retry", "dead-letters discard");
        });
        // the two queued after the first look follow one step later
        mirror.deliverOnce();
        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isZero();
        assertThat(new DeadLetterStore(database, 1_000).all()).extracting(DeadLetter::scanId).endsWith(later.toArray(String[]::new));
    }

    @Test
    void once_the_server_turns_mirroring_off_status_forgets_the_old_mirrors_last_success() throws Exception {
        LiveSettings on = mirrorSettings();
        enqueue(3, "T", BOTH);
        DeliveryWorker primary = worker(Destination.PRIMARY, on, null);
        runUntilIdle(primary);
        runUntilIdle(worker(Destination.MIRROR, on, primary));
        assertThat(outbox.stats().get(Destination.MIRROR).lastSuccess()).isNotNull();

        mirrorWorker(fromServer(Map.of("config_version", 2L, "mirror_mode", false)), Clock.systemUTC()).deliverOnce();

        DestinationStats mirror = outbox.stats().get(Destination.MIRROR);
        assertThat(mirror.lastSuccess()).isNull();
        assertThat(mirror.endpoint()).isNull();
        assertThat(new LatencyTracker(Destination.MIRROR, new LatencyStore(database), Clock.systemUTC()).summary()).isNull();
    }

    @Test
    void a_mirror_backlog_stays_while_mirror_mode_is_on_without_an_endpoint_or_the_server_has_not_answered() throws Exception {
        mirrorBacklogOfFive();
        DeliveryWorker modeOnNoEndpoint = mirrorWorker(fromServer(Map.of("config_version", 3L, "mirror_mode", true)),
                Clock.systemUTC());
        DeliveryWorker fileOnly = mirrorWorker(settings(""), Clock.systemUTC());

        for (int step = 0; step < 3; step++) {
            modeOnNoEndpoint.deliverOnce();
            fileOnly.deliverOnce();
        }

        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isEqualTo(5);
        assertThat(outbox.stats().get(Destination.MIRROR).deadLetters()).isZero();
    }

    @Test
    void nothing_moves_once_mirror_mode_is_switched_on_again_between_the_look_and_the_move() throws Exception {
        mirrorBacklogOfFive();
        LiveSettings live = fromServer(Map.of("config_version", 2L, "mirror_mode", false));
        AtomicBoolean armed = new AtomicBoolean();
        // the configuration arrives right before the move (the clock is read just before it)
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                if (armed.getAndSet(false)) {
                    live.apply(ServerConfig.of("\"v4\"", Map.of("config_version", 4L, "mirror_mode", true,
                            "mirror_endpoint", mirrorServer.scansEndpoint())));
                }
                return Instant.now();
            }
        };
        DeliveryWorker mirror = mirrorWorker(live, clock);
        mirror.deliverOnce();
        armed.set(true);

        mirror.deliverOnce();

        assertThat(outbox.stats().get(Destination.MIRROR).deadLetters()).isZero();
        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isEqualTo(5);
        mirrorServer.forceStatus(0);
        runUntilIdle(mirror);
        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isZero();
        assertThat(mirrorServer.storedScanIds()).hasSize(5);
    }

    @Test
    void a_mirror_that_is_down_catches_up_without_holding_back_the_primary() throws Exception {
        LiveSettings settings = mirrorSettings();
        List<String> ids = enqueue(10, "T", BOTH);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
        mirrorServer.forceStatus(500);

        runUntilIdle(primary);
        assertThat(mirror.deliverOnce()).isPositive();
        assertThat(outbox.stats().get(Destination.MIRROR).pending()).isEqualTo(10);
        mirrorServer.forceStatus(0);
        runUntilIdle(mirror);

        assertThat(primaryServer.storedScanIds()).containsExactlyElementsOf(ids);
        assertThat(mirrorServer.storedScanIds()).containsExactlyElementsOf(ids);
    }

    @Test
    void a_mirror_failing_while_the_primary_takes_the_scans_is_logged_as_primary_ok_mirror_failed() throws Exception {
        // seed 000 §2.2: in mirror mode the case "old server OK / new server failed" is logged and retried
        LogBuffer shipped = new LogBuffer(100);
        AgentLog.toConsoleAndShipping(shipped);
        try {
            LiveSettings settings = mirrorSettings();
            enqueue(3, "T", BOTH);
            DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
            DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
            mirrorServer.forceStatus(503);

            runUntilIdle(primary);
            assertThat(mirror.deliverOnce()).isPositive();
            assertThat(mirror.deliverOnce()).isPositive();
            primaryServer.forceStatus(503);
            enqueue(1, "U", BOTH);
            assertThat(primary.deliverOnce()).isPositive();
            assertThat(mirror.deliverOnce()).isPositive();

            assertThat(failureWarnings(shipped)).as("once while the primary works, again once both fail").satisfiesExactly(
                    first -> assertThat(first).startsWith("mirror delivery failed (primary OK / mirror failed),"
                            + " scans stay in the outbox and are retried: HTTP 503 from " + mirrorServer.scansEndpoint()),
                    second -> assertThat(second).startsWith("primary delivery failed, scans stay in the outbox"),
                    third -> assertThat(third).startsWith("mirror delivery failed, scans stay in the outbox and are"
                            + " retried: HTTP 503 from " + mirrorServer.scansEndpoint()));
            assertThat(outbox.stats().get(Destination.MIRROR).pending()).as("retried, not dropped").isEqualTo(4);
        } finally {
            AgentLog.errorsOnly();
        }
    }

    private static List<String> failureWarnings(LogBuffer shipped) {
        return shipped.take(100).entries().stream().map(entry -> entry.message())
                .filter(message -> message.contains("delivery failed")).toList();
    }

    @Test
    void a_primary_that_is_down_does_not_hold_back_the_mirror() throws Exception {
        LiveSettings settings = mirrorSettings();
        List<String> ids = enqueue(10, "T", BOTH);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings, null);
        DeliveryWorker mirror = worker(Destination.MIRROR, settings, primary);
        primaryServer.forceStatus(503);

        primary.deliverOnce();
        runUntilIdle(mirror);
        primaryServer.forceStatus(0);
        runUntilIdle(primary);

        assertThat(mirrorServer.storedScanIds()).containsExactlyElementsOf(ids);
        assertThat(primaryServer.storedScanIds()).containsExactlyElementsOf(ids);
    }

    @Test
    void scans_set_aside_while_their_request_is_in_flight_do_not_take_a_new_scan_with_them_when_it_is_answered()
            throws Exception {
        // `dead-letters set-aside` run while the agent sends the scans it moves: the outbox is left empty, so
        // SQLite gives the next scan the id of one in flight; settling the answer by id must not delete it
        primaryServer.batchRoute(false);
        DeliveryWorker primary = worker(Destination.PRIMARY, settings(""), null);
        enqueue(1, "FIRST", List.of(Destination.PRIMARY));
        runUntilIdle(primary);
        List<String> setAside = enqueue(3, "T", List.of(Destination.PRIMARY));
        Semaphore answers = new Semaphore(0);
        AtomicReference<String> later = new AtomicReference<>();
        whilePrimaryHeld(primary, answers, () -> {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> primaryServer.singlePostsReceived() == 2);
            assertThat(new DeadLetterStore(database, 100_000).setAside(Destination.PRIMARY, 3, Instant.now()))
                    .extracting(DeadLetter::scanId).containsExactlyElementsOf(setAside);
            later.set(enqueue(1, "LATER", List.of(Destination.PRIMARY)).get(0));
        });
        runUntilIdle(primary);

        assertThat(primaryServer.storedScanIds()).as("the scan acknowledged after the set-aside reaches the server")
                .contains(later.get());
    }

    @Test
    void scans_waiting_go_to_a_new_endpoint_while_the_disk_takes_no_writes() throws Exception {
        LiveSettings live = settings("");
        DeliveryWorker primary = worker(Destination.PRIMARY, live, null);
        enqueue(1, "FIRST", List.of(Destination.PRIMARY));
        runUntilIdle(primary);
        List<String> waiting = enqueue(3, "T", List.of(Destination.PRIMARY));
        // the disk fills: a real failing write, SQLite aborts every write to these tables as a full disk would
        database.write(connection -> connection.createStatement().executeUpdate("""
                CREATE TRIGGER refuse_state BEFORE UPDATE ON agent_state BEGIN SELECT RAISE(ABORT, 'disk full'); END"""));
        database.write(connection -> connection.createStatement().executeUpdate("""
                CREATE TRIGGER refuse_outbox BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"""));
        // meanwhile the server moves this device's scans to another endpoint (mirror mode switched on, say)
        live.apply(ServerConfig.of("\"v1\"", Map.of("config_version", 1L, "primary_endpoint",
                mirrorServer.scansEndpoint())));

        try {
            primary.deliverOnce();
        } catch (RuntimeException e) {
            // the settle cannot be written: the scans stay in the outbox and are sent again later
        }

        assertThat(mirrorServer.storedScanIds()).as("delivered while the disk is full, as RUNBOOK 11.5 promises")
                .containsExactlyElementsOf(waiting);
    }
}
