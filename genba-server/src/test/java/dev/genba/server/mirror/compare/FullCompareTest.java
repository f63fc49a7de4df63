package dev.genba.server.mirror.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.genba.server.mirror.compare.Difference.Kind;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FullCompareTest {
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
    void identical_tables_are_ok_and_nothing_is_fetched() {
        databases.fillBoth(3000, "3 days");

        CompareResult result = databases.comparator(Normalisation.exact()).full();

        assertThat(result.errors()).isEmpty();
        assertThat(result.ok()).isTrue();
        assertThat(result.mode()).isEqualTo("full");
        assertThat(result.rows()).isEqualTo(3000);
        assertThat(result.chunks()).isGreaterThan(10);
        assertThat(result.rowsFetched()).isZero();
    }

    @Test
    void full_mode_finds_exactly_the_rows_changed_on_one_side() {
        databases.fillBoth(3000, "3 days");
        TwoDatabases.execute(databases.primary, "UPDATE part_locations SET station = 'ST-X' WHERE tag_id = 'TAG-000100'");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET lot = 'LOT-X', location = 'LOC-X' WHERE tag_id = 'TAG-001001'");
        TwoDatabases.execute(databases.mirror, "DELETE FROM part_locations WHERE tag_id = 'TAG-002000'");
        TwoDatabases.execute(databases.primary, "DELETE FROM part_locations WHERE tag_id = 'TAG-000001'");
        databases.putMirror("TAG-999999", "ORD-1", "LOC-1", "ST-1", null, "1 day");
        databases.putPrimary("TAG-500000", "ORD-2", "LOC-2", "ST-2", "LOT-2", "1 day");

        CompareResult result = databases.comparator(Normalisation.exact()).full();

        assertThat(result.ok()).isFalse();
        assertThat(result.differences())
                .extracting(difference -> difference.key().get("tag_id"), Difference::kind, Difference::columns)
                .containsExactly(
                        tuple("TAG-000001", Kind.MISSING_IN_PRIMARY, List.of("station", "location", "lot")),
                        tuple("TAG-000100", Kind.VALUE_MISMATCH, List.of("station")),
                        tuple("TAG-001001", Kind.VALUE_MISMATCH, List.of("location", "lot")),
                        tuple("TAG-002000", Kind.MISSING_IN_MIRROR, List.of("station", "location", "lot")),
                        tuple("TAG-500000", Kind.MISSING_IN_MIRROR, List.of("station", "location", "lot")),
                        tuple("TAG-999999", Kind.MISSING_IN_PRIMARY, List.of("station", "location", "lot")));
        Difference changed = result.differences().get(1);
        assertThat(changed.key()).containsExactly(Map.entry("tag_id", "TAG-000100"), Map.entry("order_id", "ORD-2"));
        assertThat(changed.primaryValues()).containsEntry("station", "ST-X");
        assertThat(changed.mirrorValues()).containsEntry("station", "ST-0");
        assertThat(result.differences().get(3).mirrorValues()).isEmpty();
        assertThat(result.rowsFetched()).isLessThan(1000);
        assertThat(result.skipped()).isZero();
        assertThat(result.errors()).isEmpty();
    }

    @Test
    void every_row_of_an_empty_mirror_is_missing_in_mirror() {
        databases.fillBoth(500, "3 days");
        TwoDatabases.execute(databases.mirror, "DELETE FROM part_locations");

        CompareResult result = databases.comparator(Normalisation.exact()).full();

        assertThat(result.differences()).hasSize(500).allMatch(difference -> difference.kind() == Kind.MISSING_IN_MIRROR);
        assertThat(result.rowsFetched()).isEqualTo(500);
    }

    @Test
    void a_flood_of_differences_is_cut_at_the_limit_and_said_so() {
        databases.fillBoth(500, "3 days");
        TwoDatabases.execute(databases.mirror, "DELETE FROM part_locations");
        CompareOptions limited = new CompareOptions(100, 40, 16, 5000, java.time.Duration.ZERO, java.time.Duration.ofMinutes(1), 10);

        CompareResult result = new TableComparator(databases.primary.jdbi(), databases.mirror.jdbi(),
                TableSpec.partLocations(), Normalisation.exact(), Clock.systemUTC(), limited).full();

        assertThat(result.differences()).hasSize(10);
        assertThat(result.ok()).isFalse();
        assertThat(result.errors()).isNotEmpty().allMatch(error -> error.contains("10 differences"));
    }

    @Test
    void comparing_a_database_with_itself_finds_nothing() {
        databases.fillBoth(2000, "2 hours");
        TableComparator itself = new TableComparator(databases.mirror.jdbi(), databases.mirror.jdbi(),
                TableSpec.partLocations(), Normalisation.exact(), Clock.systemUTC(), TwoDatabases.SMALL_RANGES);

        assertThat(itself.full().ok()).isTrue();
        assertThat(itself.window(java.time.Duration.ofHours(25), java.time.Duration.ofMinutes(5)).ok()).isTrue();
    }

    @Test
    void keys_of_several_columns_with_unusual_text_are_matched_exactly() {
        List<String[]> keys = List.of(
                new String[] {"部品-東京-001", "受注 42"},
                new String[] {"部品-東京-001", ""},
                new String[] {" leading space", "trailing space "},
                new String[] {"Zebra", "a"},
                new String[] {"zebra", "A"},
                new String[] {"émigré", "ß"},
                new String[] {"😀 emoji", "\uE000 private use"},
                new String[] {"a'quote\"double", "back\\slash"});
        for (String[] key : keys) {
            databases.putBoth(key[0], key[1], "LOC-1", "ST-1", "LOT-1", "1 hour");
        }
        databases.fillBoth(1000, "1 hour");
        TwoDatabases.execute(databases.mirror, "UPDATE part_locations SET lot = 'changed' WHERE tag_id = '部品-東京-001' AND order_id = ''");
        TwoDatabases.execute(databases.primary, "UPDATE part_locations SET lot = 'changed' WHERE tag_id = '😀 emoji'");

        CompareResult full = databases.comparator(Normalisation.exact()).full();
        CompareResult window = databases.comparator(Normalisation.exact()).window(java.time.Duration.ofHours(25), java.time.Duration.ofMinutes(5));

        for (CompareResult result : List.of(full, window)) {
            assertThat(result.differences())
                    .extracting(difference -> List.copyOf(difference.key().values()), Difference::kind)
                    .containsExactlyInAnyOrder(
                            tuple(List.of("部品-東京-001", ""), Kind.VALUE_MISMATCH),
                            tuple(List.of("😀 emoji", "\uE000 private use"), Kind.VALUE_MISMATCH));
        }
    }
}
