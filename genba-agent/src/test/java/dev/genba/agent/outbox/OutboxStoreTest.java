package dev.genba.agent.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.genba.agent.db.AgentDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxStoreTest {
    private static final List<Destination> BOTH = List.of(Destination.PRIMARY, Destination.MIRROR);
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path directory;

    private static QueuedScan scan(String id) {
        return new QueuedScan(id, "{\"scan_id\":\"" + id + "\"}");
    }

    private static List<String> ids(List<OutboxEntry> entries) {
        return entries.stream().map(OutboxEntry::scanId).toList();
    }

    @Test
    void dead_lettering_a_destination_moves_only_its_entries_up_to_the_id_in_chunks_and_stops_when_told() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 100_000);
            List<QueuedScan> scans = new ArrayList<>();
            for (int i = 0; i < OutboxStore.MOVE_CHUNK + 5; i++) {
                scans.add(scan("s" + i));
            }
            outbox.enqueue(scans, BOTH, NOW);
            long upTo = outbox.newestPendingId(Destination.MIRROR);
            outbox.enqueue(List.of(scan("late")), BOTH, NOW);

            assertThat(outbox.deadLetterPending(Destination.MIRROR, upTo, "gone", NOW, () -> false)).isZero();
            int moved = outbox.deadLetterPending(Destination.MIRROR, upTo, "gone", NOW, () -> true);

            assertThat(moved).isEqualTo(OutboxStore.MOVE_CHUNK + 5);
            assertThat(outbox.stats().get(Destination.MIRROR).deadLetters()).isEqualTo(OutboxStore.MOVE_CHUNK + 5);
            assertThat(outbox.pendingScanIds(Destination.MIRROR)).containsExactly("late");
            assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(OutboxStore.MOVE_CHUNK + 6);
            assertThat(outbox.newestPendingId(Destination.MIRROR)).isGreaterThan(upTo);
            assertThat(new DeadLetterStore(database, 100_000).all()).first().extracting(DeadLetter::scanId).isEqualTo("s0");
        }
    }

    @Test
    void keeps_one_row_per_scan_and_destination_in_fifo_order_across_reopening() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            outbox.enqueue(List.of(scan("a"), scan("b")), BOTH, NOW);
            outbox.enqueue(List.of(scan("c")), List.of(Destination.PRIMARY), NOW);
            outbox.enqueue(List.of(scan("a")), BOTH, NOW);
        }
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);

            assertThat(ids(outbox.nextBatch(Destination.PRIMARY, 10, 1_000_000, false))).containsExactly("a", "b", "c");
            assertThat(ids(outbox.nextBatch(Destination.MIRROR, 10, 1_000_000, false))).containsExactly("a", "b");
            assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(3);
            assertThat(outbox.stats().get(Destination.PRIMARY).oldestPending()).isEqualTo(NOW);
            assertThat(outbox.pendingTotal()).isEqualTo(5);
        }
    }

    @Test
    void the_mirror_waits_for_the_primarys_first_attempt_of_each_scan() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            outbox.enqueue(List.of(scan("a"), scan("b"), scan("c")), BOTH, NOW);

            assertThat(outbox.nextBatch(Destination.MIRROR, 10, 1_000_000, true)).isEmpty();
            outbox.markAttempted(outbox.nextBatch(Destination.PRIMARY, 2, 1_000_000, false));

            assertThat(ids(outbox.nextBatch(Destination.MIRROR, 10, 1_000_000, true))).containsExactly("a", "b");
        }
    }

    @Test
    void the_batch_after_one_in_flight_starts_behind_it_and_includes_rows_written_meanwhile() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            outbox.enqueue(List.of(scan("a"), scan("b"), scan("c")), List.of(Destination.PRIMARY), NOW);
            List<OutboxEntry> inFlight = outbox.nextBatch(Destination.PRIMARY, 2, 1_000_000, false);
            outbox.enqueue(List.of(scan("d")), List.of(Destination.PRIMARY), NOW);

            List<OutboxEntry> next = outbox.nextBatch(Destination.PRIMARY, inFlight.get(1).id(), 10, 1_000_000, false);

            assertThat(ids(inFlight)).containsExactly("a", "b");
            assertThat(ids(next)).containsExactly("c", "d");
            assertThat(next.get(0).body()).isEqualTo("{\"scan_id\":\"c\"}");
        }
    }

    @Test
    void a_full_outbox_refuses_the_whole_request_and_writes_nothing() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 3);
            outbox.enqueue(List.of(scan("a")), BOTH, NOW);

            assertThatThrownBy(() -> outbox.enqueue(List.of(scan("b")), BOTH, NOW))
                    .isInstanceOf(OutboxFullException.class)
                    .hasMessageContaining("this scan was NOT accepted");
            outbox.enqueue(List.of(scan("c")), List.of(Destination.PRIMARY), NOW);

            assertThat(outbox.pendingScanIds(Destination.PRIMARY)).containsExactly("a", "c");
            assertThat(outbox.pendingScanIds(Destination.MIRROR)).containsExactly("a");
        }
    }

    @Test
    void settling_deletes_delivered_rows_and_keeps_refused_ones_as_dead_letters() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            outbox.enqueue(List.of(scan("a"), scan("b"), scan("c")), List.of(Destination.PRIMARY), NOW);
            List<OutboxEntry> batch = outbox.nextBatch(Destination.PRIMARY, 10, 1_000_000, false);

            outbox.settle(Destination.PRIMARY, "http://genba/api/v1/scans", List.of(batch.get(0), batch.get(2)),
                    List.of(new Rejection(batch.get(1).id(), batch.get(1).scanId(), 200, "payload.tag_id is not a known tag")), NOW);

            DestinationStats stats = outbox.stats().get(Destination.PRIMARY);
            assertThat(stats.pending()).isZero();
            assertThat(stats.deadLetters()).isEqualTo(1);
            assertThat(stats.lastSuccess()).isEqualTo(NOW);
            assertThat(new DeadLetterStore(database, 1_000).newest(Destination.PRIMARY, 10)).singleElement()
                    .satisfies(letter -> assertThat(letter.scanId()).isEqualTo("b"))
                    .satisfies(letter -> assertThat(letter.reason()).isEqualTo("payload.tag_id is not a known tag"));
        }
    }

    @Test
    void two_processes_can_write_the_same_outbox_at_once() throws Exception {
        Path file = directory.resolve("outbox.db");
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (AgentDatabase first = AgentDatabase.open(file); AgentDatabase second = AgentDatabase.open(file)) {
            List<Future<?>> done = new ArrayList<>();
            for (AgentDatabase database : List.of(first, second)) {
                String prefix = database == first ? "first-" : "second-";
                OutboxStore outbox = new OutboxStore(database, 10_000);
                done.add(writers.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        outbox.enqueue(List.of(scan(prefix + i)), List.of(Destination.PRIMARY), NOW);
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            assertThat(new OutboxStore(first, 10_000).pendingScanIds(Destination.PRIMARY)).hasSize(100);
            assertThat(new OutboxStore(first, 10_000).pendingTotal()).isEqualTo(100);
        } finally {
            writers.shutdownNow();
        }
    }
}
