package dev.genba.server.mirror.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CompareErrorsTest {
    private static TwoDatabases databases;

    @BeforeAll
    static void startDatabases() {
        databases = new TwoDatabases();
        databases.putBoth("TAG-1", "O1", "LOC-1", "ST-1", "LOT-1", "1 hour");
    }

    @AfterAll
    static void stopDatabases() {
        databases.close();
    }

    @Test
    void a_missing_column_is_named_with_its_side() {
        TwoDatabases.execute(databases.primary, "CREATE TABLE renamed (LIKE part_locations)");
        TwoDatabases.execute(databases.primary, "ALTER TABLE renamed RENAME COLUMN lot TO lot_no");
        TwoDatabases.execute(databases.mirror, "CREATE TABLE renamed (LIKE part_locations)");
        TableSpec spec = new TableSpec("renamed", List.of("tag_id", "order_id"), List.of("station", "lot"), "updated_at");

        assertThatThrownBy(() -> databases.comparator(spec, Normalisation.exact()).full())
                .isInstanceOf(CompareException.class)
                .hasMessage("primary database: table renamed has no column lot");
    }

    @Test
    void a_missing_table_is_named_with_its_side() {
        TwoDatabases.execute(databases.primary, "CREATE TABLE only_on_primary (LIKE part_locations)");
        TableSpec spec = new TableSpec("only_on_primary", List.of("tag_id", "order_id"), List.of("lot"), "updated_at");

        assertThatThrownBy(() -> databases.comparator(spec, Normalisation.exact()).window(Duration.ofHours(25), Duration.ofMinutes(5)))
                .isInstanceOf(CompareException.class)
                .hasMessage("mirror database: table only_on_primary does not exist");
    }

    @Test
    void a_timestamp_column_that_is_not_a_timestamp_is_refused() {
        TableSpec spec = new TableSpec("part_locations", List.of("tag_id", "order_id"), List.of("lot"), "station");

        assertThatThrownBy(() -> databases.comparator(spec, Normalisation.exact()).full())
                .isInstanceOf(CompareException.class)
                .hasMessageStartingWith("primary database: column station of part_locations is character varying, not a timestamp");
    }

    @Test
    void names_from_the_configuration_never_reach_sql_unchecked() {
        TableSpec injected = new TableSpec("part_locations; DROP TABLE part_locations", List.of("tag_id"), List.of("lot"), "updated_at");

        assertThatThrownBy(() -> databases.comparator(injected, Normalisation.exact()).full())
                .hasMessageContaining("table part_locations; DROP TABLE part_locations does not exist");
        assertThat(databases.comparator(Normalisation.exact()).full().ok()).isTrue();
    }

    @Test
    void a_key_that_names_several_rows_makes_the_run_not_ok() {
        TwoDatabases.execute(databases.primary, """
                CREATE TABLE no_key (tag_id text, lot text, updated_at timestamptz);
                INSERT INTO no_key VALUES ('A', 'x', now() - interval '1 hour'), ('A', 'x', now() - interval '1 hour'), ('B', 'y', now() - interval '1 hour');
                """);
        TwoDatabases.execute(databases.mirror, """
                CREATE TABLE no_key (tag_id text, lot text, updated_at timestamptz);
                INSERT INTO no_key VALUES ('A', 'x', now() - interval '1 hour'), ('B', 'y', now() - interval '1 hour');
                """);
        TableComparator comparator = databases.comparator(new TableSpec("no_key", List.of("tag_id"), List.of("lot"), "updated_at"),
                Normalisation.exact());

        for (CompareResult result : List.of(comparator.full(), comparator.window(Duration.ofHours(25), Duration.ofMinutes(5)))) {
            assertThat(result.ok()).isFalse();
            assertThat(result.errors()).containsExactly(
                    "primary database: 1 rows repeat the key of another row; the key columns must identify a row");
        }
    }

    @Test
    void a_query_that_times_out_skips_its_ranges_and_the_run_is_not_ok() throws Exception {
        CompareOptions impatient = TwoDatabases.SMALL_RANGES.withQueryTimeout(Duration.ofSeconds(1));
        TableComparator comparator = new TableComparator(databases.primary.jdbi(), databases.mirror.jdbi(),
                TableSpec.partLocations(), Normalisation.exact(), Clock.systemUTC(), impatient);

        CompareResult result;
        try (Connection blocker = databases.mirror.dataSource().getConnection(); Statement statement = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            statement.execute("LOCK TABLE part_locations IN ACCESS EXCLUSIVE MODE");
            result = comparator.full();
            blocker.rollback();
        }

        assertThat(result.ok()).isFalse();
        assertThat(result.skipped()).isPositive();
        assertThat(result.errors()).singleElement().asString()
                .startsWith("mirror database: reading the table failed: ")
                .contains("canceling statement");
    }

    @Test
    void an_unreachable_database_is_reported_plainly() {
        try (Database nowhere = Database.connect(new DbTarget("jdbc:postgresql://127.0.0.1:1/none", "postgres", null), 1, "compare-test", null)) {
            TableComparator comparator = new TableComparator(nowhere.jdbi(), databases.mirror.jdbi(), TableSpec.partLocations(),
                    Normalisation.exact(), Clock.systemUTC());

            assertThatThrownBy(comparator::full)
                    .isInstanceOf(CompareException.class)
                    .hasMessageStartingWith("primary database is unreachable: ")
                    .hasMessageContaining("refused");
        }
    }
}
