package dev.genba.agent.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.genba.agent.db.AgentDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeadLetterStoreTest {
    private static final List<Destination> BOTH = List.of(Destination.PRIMARY, Destination.MIRROR);
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path directory;

    private static QueuedScan scan(String id) {
        return new QueuedScan(id, "{\"scan_id\":\"" + id + "\",\"payload\":{\"tag_id\":\"TAG-" + id + "\"}}");
    }

    /** Enqueues the scans for both destinations and has each destination refuse {@code refused}. */
    private static void refuse(OutboxStore outbox, List<String> all, List<String> refused) {
        outbox.enqueue(all.stream().map(DeadLetterStoreTest::scan).toList(), BOTH, NOW);
        for (Destination destination : BOTH) {
            List<OutboxEntry> entries = outbox.nextBatch(destination, 100, 1_000_000, false);
            outbox.settle(destination, "http://genba/api/v1/scans", List.of(),
                    entries.stream().filter(entry -> refused.contains(entry.scanId()))
                            .map(entry -> new Rejection(entry.id(), entry.scanId(), 400, "payload.tag_id is not a known tag")).toList(),
                    NOW);
        }
    }

    @Test
    void lists_every_dead_letter_oldest_first_with_its_tag_status_and_reason() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            refuse(outbox, List.of("a", "b"), List.of("a", "b"));

            assertThat(new DeadLetterStore(database, 1_000).all()).containsExactly(
                    new DeadLetter(Destination.PRIMARY, "a", "TAG-a", NOW, 400, "payload.tag_id is not a known tag"),
                    new DeadLetter(Destination.PRIMARY, "b", "TAG-b", NOW, 400, "payload.tag_id is not a known tag"),
                    new DeadLetter(Destination.MIRROR, "a", "TAG-a", NOW, 400, "payload.tag_id is not a known tag"),
                    new DeadLetter(Destination.MIRROR, "b", "TAG-b", NOW, 400, "payload.tag_id is not a known tag"));
        }
    }

    @Test
    void retry_moves_dead_letters_to_the_end_of_the_outbox_with_their_body_unchanged() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            refuse(outbox, List.of("a", "b", "c"), List.of("a"));
            DeadLetterStore deadLetters = new DeadLetterStore(database, 1_000);

            List<DeadLetter> moved = deadLetters.requeue(List.of("a"), Destination.PRIMARY, NOW.plusSeconds(60));

            assertThat(moved).extracting(DeadLetter::destination, DeadLetter::scanId)
                    .containsExactly(tuple(Destination.PRIMARY, "a"));
            assertThat(outbox.pendingScanIds(Destination.PRIMARY)).containsExactly("b", "c", "a");
            assertThat(outbox.pendingScanIds(Destination.MIRROR)).containsExactly("b", "c");
            assertThat(outbox.nextBatch(Destination.PRIMARY, 10, 1_000_000, false).get(2).body())
                    .isEqualTo(scan("a").body());
            assertThat(deadLetters.all()).extracting(DeadLetter::destination).containsExactly(Destination.MIRROR);
            assertThat(outbox.stats().get(Destination.PRIMARY).pending()).isEqualTo(3);
            assertThat(outbox.stats().get(Destination.PRIMARY).deadLetters()).isZero();
        }
    }

    @Test
    void retry_all_takes_every_destination_and_a_second_retry_finds_nothing() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            refuse(outbox, List.of("a", "b"), List.of("a", "b"));
            DeadLetterStore deadLetters = new DeadLetterStore(database, 1_000);

            assertThat(deadLetters.requeue(null, null, NOW)).hasSize(4);
            assertThat(deadLetters.requeue(null, null, NOW)).isEmpty();
            assertThat(outbox.pendingScanIds(Destination.MIRROR)).containsExactly("a", "b");
            assertThat(deadLetters.all()).isEmpty();
        }
    }

    @Test
    void retry_moves_nothing_when_the_outbox_has_no_room() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            refuse(outbox, List.of("a", "b"), List.of("a", "b"));
            outbox.enqueue(List.of(scan("c")), BOTH, NOW);
            DeadLetterStore tight = new DeadLetterStore(database, 4);

            assertThatThrownBy(() -> tight.requeue(null, null, NOW)).isInstanceOf(OutboxFullException.class)
                    .hasMessageContaining("outbox_max_rows is 4");
            assertThat(tight.all()).hasSize(4);
            assertThat(outbox.pendingTotal()).isEqualTo(2);
        }
    }

    @Test
    void discard_removes_only_the_named_dead_letters_and_returns_them() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            OutboxStore outbox = new OutboxStore(database, 1_000);
            refuse(outbox, List.of("a", "b"), List.of("a", "b"));
            DeadLetterStore deadLetters = new DeadLetterStore(database, 1_000);

            List<DeadLetter> removed = deadLetters.discard(List.of("b", "unknown"), Destination.MIRROR);

            assertThat(removed).singleElement().satisfies(letter -> {
                assertThat(letter.scanId()).isEqualTo("b");
                assertThat(letter.destination()).isEqualTo(Destination.MIRROR);
            });
            assertThat(deadLetters.all()).extracting(DeadLetter::destination, DeadLetter::scanId).containsExactly(
                    tuple(Destination.PRIMARY, "a"),
                    tuple(Destination.PRIMARY, "b"),
                    tuple(Destination.MIRROR, "a"));
            assertThat(outbox.pendingTotal()).isZero();
        }
    }
}
