package dev.genba.server.mirror.compare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.server.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NormalisationTest {
    private static final TableSpec WITH_SCAN_TIME = new TableSpec("part_locations", List.of("tag_id", "order_id"),
            List.of("station", "location", "lot", "scanned_at"), "updated_at");
    private static final Normalisation LENIENT = new Normalisation(true, true, Duration.ofSeconds(2));

    private TwoDatabases databases;

    @BeforeEach
    void startDatabases() {
        databases = new TwoDatabases();
        databases.putBoth("SPACES", "O1", "LOC-1", "ST-1", "LOT-1", "1 hour");
        databases.putBoth("EMPTY", "O1", "LOC-1", "ST-1", null, "1 hour");
        databases.putBoth("CLOCK", "O1", "LOC-1", "ST-1", "LOT-1", "1 hour");
        databases.putBoth("FAR", "O1", "LOC-1", "ST-1", "LOT-1", "1 hour");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET station = ' ST-1  ' WHERE tag_id = 'SPACES'");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET lot = '' WHERE tag_id = 'EMPTY'");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET scanned_at = scanned_at + interval '1.5 seconds' WHERE tag_id = 'CLOCK'");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET scanned_at = scanned_at + interval '3 seconds' WHERE tag_id = 'FAR'");
    }

    @AfterEach
    void stopDatabases() {
        databases.close();
    }

    @Test
    void exact_comparison_reports_spaces_empty_text_and_clock_skew() {
        TableComparator comparator = databases.comparator(WITH_SCAN_TIME, Normalisation.exact());

        for (CompareResult result : List.of(comparator.full(), comparator.window(Duration.ofHours(25), Duration.ofMinutes(5)))) {
            assertThat(result.differences())
                    .extracting(difference -> difference.key().get("tag_id"), Difference::columns)
                    .containsExactly(
                            org.assertj.core.api.Assertions.tuple("CLOCK", List.of("scanned_at")),
                            org.assertj.core.api.Assertions.tuple("EMPTY", List.of("lot")),
                            org.assertj.core.api.Assertions.tuple("FAR", List.of("scanned_at")),
                            org.assertj.core.api.Assertions.tuple("SPACES", List.of("station")));
        }
    }

    @Test
    void trimming_null_as_empty_and_a_tolerance_leave_only_the_real_difference() {
        TableComparator comparator = databases.comparator(WITH_SCAN_TIME, LENIENT);

        for (CompareResult result : List.of(comparator.full(), comparator.window(Duration.ofHours(25), Duration.ofMinutes(5)))) {
            assertThat(result.differences())
                    .extracting(difference -> difference.key().get("tag_id"))
                    .containsExactly("FAR");
            assertThat(result.differences().get(0).primaryValues().get("scanned_at").toString()).endsWith("Z");
        }
    }

    @Test
    void numbers_compare_by_value_across_column_types_in_a_schema_qualified_table() {
        Database primary = databases.primary;
        Database mirror = databases.mirror;
        TwoDatabases.execute(primary, """
                CREATE SCHEMA stock;
                CREATE TABLE stock.items (item_no integer PRIMARY KEY, quantity numeric(10, 2), note text, changed_at timestamp);
                INSERT INTO stock.items SELECT i, i * 1.5, 'n' || i, localtimestamp FROM generate_series(1, 400) AS i;
                """);
        TwoDatabases.execute(mirror, """
                CREATE SCHEMA stock;
                CREATE TABLE stock.items (item_no bigint PRIMARY KEY, quantity double precision, note varchar(10), changed_at timestamptz);
                INSERT INTO stock.items SELECT i, i * 1.5, 'n' || i, now() FROM generate_series(1, 400) AS i;
                UPDATE stock.items SET quantity = 0.25 WHERE item_no = 77;
                """);
        TableSpec items = new TableSpec("stock.items", List.of("item_no"), List.of("quantity", "note"), "changed_at");
        TableComparator comparator = new TableComparator(primary.jdbi(), mirror.jdbi(), items, Normalisation.exact(),
                Clock.systemUTC(), TwoDatabases.SMALL_RANGES);

        for (CompareResult result : List.of(comparator.full(), comparator.window(Duration.ofHours(25), Duration.ofMinutes(-1)))) {
            assertThat(result.differences()).singleElement().satisfies(difference -> {
                assertThat(difference.key()).containsEntry("item_no", "77");
                assertThat(difference.columns()).containsExactly("quantity");
                assertThat(difference.primaryValues()).containsEntry("quantity", "115.5");
            });
        }
    }

    @Test
    void compared_values_are_the_same_on_any_server_time_zone() {
        TwoDatabases.execute(databases.mirror, "ALTER DATABASE " + currentDatabase(databases.mirror) + " SET timezone = 'Asia/Tokyo'");
        TwoDatabases.execute(databases.primary, "ALTER DATABASE " + currentDatabase(databases.primary) + " SET timezone = 'America/New_York'");
        databases.mirror.close();
        databases.primary.close();
        // fresh pools, so that every connection has the new time zone
        TwoDatabases reopened = databases.reopen();

        CompareResult result = reopened.comparator(WITH_SCAN_TIME, LENIENT).full();

        assertThat(result.differences()).extracting(difference -> difference.key().get("tag_id")).containsExactly("FAR");
        reopened.close();
    }

    private static String currentDatabase(Database database) {
        return database.jdbi().withHandle(handle -> handle.createQuery("SELECT current_database()").mapTo(String.class).one());
    }
}
