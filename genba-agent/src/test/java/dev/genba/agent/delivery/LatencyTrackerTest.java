package dev.genba.agent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.outbox.Destination;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyTrackerTest {
    private static final Instant START = Instant.parse("2026-11-23T00:00:00Z");

    @TempDir
    Path directory;

    @Test
    void summarises_the_last_24_hours_only() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            LatencyTracker early = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database),
                    Clock.fixed(START, ZoneOffset.UTC));
            assertThat(early.summary()).isNull();
            for (int i = 1; i <= 100; i++) {
                early.record(i);
            }

            LatencyTracker.Summary summary = early.summary();

            assertThat(summary.samples()).isEqualTo(100);
            assertThat(summary.avg()).isEqualTo(50.5);
            assertThat(summary.p50()).isEqualTo(50);
            assertThat(summary.p99()).isEqualTo(100);
            assertThat(summary.max()).isEqualTo(100);
        }
    }

    @Test
    void a_new_endpoint_starts_a_new_24_hours_also_across_a_restart() {
        Clock clock = Clock.fixed(START, ZoneOffset.UTC);
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            LatencyTracker genba = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            genba.endpoint("http://raspi-server.local:8501/api/v1/scans");
            genba.record(8);
            genba.record(9);
            assertThat(genba.summary().samples()).isEqualTo(2);

            // restarted with the same endpoint: the hours are kept
            LatencyTracker restarted = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            restarted.endpoint("http://raspi-server.local:8501/api/v1/scans");
            assertThat(restarted.summary().samples()).isEqualTo(2);

            // mirror mode on: the primary is now the old server; Genba's 8-9 ms must not show as its latency
            restarted.record(30);
            restarted.endpoint("http://window-a.local:8501/api/v1/scans");
            assertThat(restarted.summary()).isNull();
            restarted.record(120);
            assertThat(restarted.summary().samples()).isEqualTo(1);
            assertThat(restarted.summary().max()).isEqualTo(120);

            LatencyTracker mirror = new LatencyTracker(Destination.MIRROR, new LatencyStore(database), clock);
            mirror.endpoint("http://raspi-server.local:8501/api/v1/scans");
            mirror.record(7);
            assertThat(new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock).summary().samples())
                    .isEqualTo(1);
        }
    }

    @Test
    void forgets_samples_older_than_a_day() {
        MutableClock clock = new MutableClock(START);
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            LatencyTracker tracker = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            tracker.record(40);
            clock.advance(Duration.ofHours(25));
            tracker.record(10);

            assertThat(tracker.summary().samples()).isEqualTo(1);
            assertThat(tracker.summary().max()).isEqualTo(10);
        }
    }

    @Test
    void measurements_survive_a_restart_and_are_read_by_another_connection_per_destination() {
        MutableClock clock = new MutableClock(START);
        Path file = directory.resolve("outbox.db");
        try (AgentDatabase running = AgentDatabase.open(file)) {
            LatencyStore store = new LatencyStore(running);
            LatencyTracker primary = new LatencyTracker(Destination.PRIMARY, store, clock);
            LatencyTracker mirror = new LatencyTracker(Destination.MIRROR, store, clock);
            primary.record(20);
            clock.advance(Duration.ofMinutes(90));
            primary.record(40);
            mirror.record(300);
            primary.flush();
            mirror.flush();

            try (AgentDatabase report = AgentDatabase.open(file)) {
                LatencyTracker.Summary seen = new LatencyStore(report).summary(Destination.PRIMARY, clock.instant());
                assertThat(seen).isEqualTo(primary.summary());
                assertThat(seen.samples()).isEqualTo(2);
                assertThat(seen.avg()).isEqualTo(30.0);
            }
        }
        try (AgentDatabase restarted = AgentDatabase.open(file)) {
            LatencyTracker primary = new LatencyTracker(Destination.PRIMARY, new LatencyStore(restarted), clock);
            primary.record(60);

            assertThat(primary.summary().samples()).isEqualTo(3);
            assertThat(primary.summary().max()).isEqualTo(60);
            assertThat(new LatencyStore(restarted).summary(Destination.MIRROR, clock.instant()).max()).isEqualTo(300);
        }
    }

    @Test
    void a_running_tracker_writes_at_most_every_ten_seconds_without_being_asked() {
        MutableClock clock = new MutableClock(START);
        Path file = directory.resolve("outbox.db");
        try (AgentDatabase running = AgentDatabase.open(file); AgentDatabase other = AgentDatabase.open(file)) {
            LatencyTracker tracker = new LatencyTracker(Destination.PRIMARY, new LatencyStore(running), clock);
            LatencyStore seenByOther = new LatencyStore(other);
            tracker.record(5);
            assertThat(seenByOther.summary(Destination.PRIMARY, clock.instant())).isNull();

            clock.advance(Duration.ofSeconds(11));
            tracker.record(7);

            assertThat(seenByOther.summary(Destination.PRIMARY, clock.instant()).samples()).isEqualTo(2);
        }
    }

    @Test
    void a_status_report_made_after_a_configuration_change_carries_no_latency_of_the_old_endpoint() {
        Clock clock = Clock.fixed(START, ZoneOffset.UTC);
        String genba = "http://raspi-server.local:8501/api/v1/scans";
        String windowA = "http://window-a.local:8501/api/v1/scans";
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            LatencyTracker tracker = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            tracker.endpoint(genba);
            tracker.record(8);
            tracker.flush();
            LatencyStore readByReport = new LatencyStore(database);

            // mirror mode enabled: the primary is now Window A, and delivery has not made a step yet
            assertThat(readByReport.summaryOf(Destination.PRIMARY, windowA, clock.instant())).isNull();
            assertThat(tracker.summaryFor(windowA)).isNull();
            assertThat(tracker.summaryFor(null)).isNull();
            assertThat(tracker.summaryFor(genba).samples()).as("asking dropped nothing").isEqualTo(1);
            // a new process whose delivery has not made a step: the store says whose hours they are
            LatencyTracker restarted = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            assertThat(restarted.summaryFor(windowA)).isNull();
            assertThat(restarted.summaryFor(genba).samples()).isEqualTo(1);

            // delivery's next step switches, and measures Window A from then on
            tracker.endpoint(windowA);
            tracker.record(30);
            assertThat(tracker.summaryFor(windowA).max()).isEqualTo(30);
            assertThat(tracker.summaryFor(windowA).samples()).isEqualTo(1);
            assertThat(readByReport.summaryOf(Destination.PRIMARY, windowA, clock.instant()).samples()).isEqualTo(1);
            assertThat(readByReport.summaryOf(Destination.PRIMARY, genba, clock.instant())).isNull();
        }
    }

    @Test
    void samples_kept_in_memory_while_writes_fail_across_an_hour_boundary_are_written_to_their_own_hour() {
        MutableClock clock = new MutableClock(START.plus(Duration.ofMinutes(59)).plusSeconds(50));
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            LatencyTracker tracker = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            tracker.record(5);
            // a real failing write: SQLite aborts every write to the table, as a disk that takes none would
            database.write(connection -> connection.createStatement().executeUpdate("""
                    CREATE TRIGGER refuse BEFORE INSERT ON latency_hours BEGIN SELECT RAISE(ABORT, 'refused'); END"""));

            clock.advance(Duration.ofSeconds(15));
            tracker.record(7);
            tracker.flush();
            database.write(connection -> connection.createStatement().executeUpdate("DROP TRIGGER refuse"));
            clock.advance(Duration.ofSeconds(15));
            tracker.record(9);
            tracker.flush();

            Map<Long, Long> totalPerHour = database.read(connection -> {
                Map<Long, Long> rows = new TreeMap<>();
                try (var result = connection.createStatement().executeQuery("SELECT hour, total_ms FROM latency_hours")) {
                    while (result.next()) {
                        rows.put(result.getLong(1), result.getLong(2));
                    }
                }
                return rows;
            });
            long firstHour = LatencyStore.hourOf(START.toEpochMilli());
            assertThat(totalPerHour).containsExactly(Map.entry(firstHour, 5L), Map.entry(firstHour + 1, 16L));
            assertThat(tracker.summary().samples()).isEqualTo(3);
        }
    }

    @Test
    void a_new_endpoint_the_disk_cannot_record_is_measured_in_memory_and_never_mixed_with_the_old_one() {
        Clock clock = Clock.fixed(START, ZoneOffset.UTC);
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            LatencyTracker tracker = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
            tracker.endpoint("http://raspi-server.local:8501/api/v1/scans");
            tracker.record(8);
            tracker.flush();
            // a real failing write: SQLite aborts every write to the table, as a disk that takes none would
            database.write(connection -> connection.createStatement().executeUpdate("""
                    CREATE TRIGGER refuse BEFORE UPDATE ON agent_state BEGIN SELECT RAISE(ABORT, 'refused'); END"""));

            tracker.endpoint("http://window-a.local:8501/api/v1/scans");
            tracker.record(30);

            assertThat(tracker.summary().samples()).as("Genba's 8 ms is not Window A's").isEqualTo(1);
            assertThat(tracker.summary().max()).isEqualTo(30);
            database.write(connection -> connection.createStatement().executeUpdate("DROP TRIGGER refuse"));
            tracker.flush();
            assertThat(new LatencyStore(database).summaryOf(Destination.PRIMARY, "http://window-a.local:8501/api/v1/scans",
                    clock.instant()).samples()).as("written once the disk takes writes").isEqualTo(1);
        }
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
