package dev.genba.agent.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ScanIdsTest {
    @Test
    void ids_are_version_7_uuids_that_sort_by_the_time_they_were_made() {
        UUID earlier = ScanIds.newId(1_795_000_000_000L);
        UUID later = ScanIds.newId(1_795_000_000_001L);

        assertThat(earlier.version()).isEqualTo(7);
        assertThat(earlier.variant()).isEqualTo(2);
        assertThat(earlier.toString()).startsWith("01a1e");
        assertThat(earlier.toString().compareTo(later.toString())).isNegative();
        assertThat(UUID.fromString(later.toString())).isEqualTo(later);
    }

    @Test
    void ids_made_in_the_same_millisecond_differ() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(ScanIds.newId(1_795_000_000_000L));
        }
        assertThat(ids).hasSize(100_000);
    }
}
