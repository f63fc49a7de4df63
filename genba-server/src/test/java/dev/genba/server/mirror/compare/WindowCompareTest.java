package dev.genba.server.mirror.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.genba.server.mirror.compare.Difference.Kind;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WindowCompareTest {
    private static final Duration DAY_AND_MARGIN = Duration.ofHours(25);
    private static final Duration IN_FLIGHT = Duration.ofMinutes(5);

    private TwoDatabases databases;

    @BeforeEach
    void startDatabases() {
        databases = new TwoDatabases();
    }

    @AfterEach
    void stopDatabases() {
        databases.close();
    }

    @Test
    void window_mode_finds_recent_differences_and_ignores_old_and_in_flight_rows() {
        databases.fillBoth(1000, "3 hours");
        databases.putPrimary("OLD-CHANGED", "O1", "LOC-1", "ST-1", "LOT-1", "3 days");
        databases.putMirror("OLD-CHANGED", "O1", "LOC-1", "ST-9", "LOT-1", "3 days");
        databases.putPrimary("IN-FLIGHT", "O1", "LOC-1", "ST-1", "LOT-1", "1 minute");
        databases.putMirror("IN-FLIGHT", "O1", "LOC-1", "ST-2", "LOT-1", "10 minutes");
        databases.putPrimary("RECENT-ONLY-PRIMARY", "O1", "LOC-1", "ST-1", "LOT-1", "2 hours");
        databases.putPrimary("OLD-ON-PRIMARY", "O1", "LOC-1", "ST-1", "LOT-1", "3 days");
        databases.putMirror("OLD-ON-PRIMARY", "O1", "LOC-2", "ST-1", "LOT-1", "1 hour");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET station = 'ST-X' WHERE tag_id = 'TAG-000500'");

        CompareResult result = databases.comparator(Normalisation.exact()).window(DAY_AND_MARGIN, IN_FLIGHT);

        assertThat(result.mode()).isEqualTo("window");
        assertThat(result.differences())
                .extracting(difference -> difference.key().get("tag_id"), Difference::kind, Difference::columns)
                .containsExactly(
                        tuple("OLD-ON-PRIMARY", Kind.VALUE_MISMATCH, List.of("location")),
                        tuple("RECENT-ONLY-PRIMARY", Kind.MISSING_IN_MIRROR, List.of("station", "location", "lot")),
                        tuple("TAG-000500", Kind.VALUE_MISMATCH, List.of("station")));
        assertThat(result.rows()).isEqualTo(1002);
        // 1002 recent rows per side, OLD-ON-PRIMARY's older version from the primary, then the
        // three differences re-fetched (RECENT-ONLY-PRIMARY exists on one side only)
        assertThat(result.rowsFetched()).isEqualTo(2 * 1002 + 1 + 5);
        assertThat(result.ok()).isFalse();
    }

    @Test
    void rows_outside_the_window_on_both_sides_are_not_read() {
        databases.fillBoth(300, "3 days");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET lot = 'other' WHERE tag_id = 'TAG-000007'");
        databases.putBoth("RECENT", "O1", "LOC-1", "ST-1", null, "1 hour");

        CompareResult result = databases.comparator(Normalisation.exact()).window(DAY_AND_MARGIN, IN_FLIGHT);

        assertThat(result.ok()).isTrue();
        assertThat(result.rows()).isEqualTo(1);
        assertThat(result.rowsFetched()).isEqualTo(2);
    }

    @Test
    void a_difference_that_heals_before_the_recheck_is_not_counted_but_a_lasting_one_is() {
        databases.fillBoth(200, "1 hour");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET station = 'late' WHERE tag_id IN ('TAG-000010', 'TAG-000020')");
        CompareOptions slowRecheck = TwoDatabases.SMALL_RANGES.withRecheckPause(Duration.ofSeconds(2));
        TableComparator comparator = new TableComparator(databases.primary.jdbi(), databases.mirror.jdbi(),
                TableSpec.partLocations(), Normalisation.exact(), Clock.systemUTC(), slowRecheck);
        // the mirror catches up on TAG-000010 while the comparison waits to re-check
        CompletableFuture<Void> catchUp = CompletableFuture.runAsync(() -> {
            sleep(300);
            TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET station = 'ST-0' WHERE tag_id = 'TAG-000010'");
        });

        CompareResult result = comparator.window(DAY_AND_MARGIN, IN_FLIGHT);
        catchUp.join();

        assertThat(result.differences())
                .extracting(difference -> difference.key().get("tag_id"))
                .containsExactly("TAG-000020");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
