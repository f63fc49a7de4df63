package dev.genba.agent.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpaceReserveTest {
    @TempDir
    Path directory;

    @Test
    void a_missing_or_short_reserve_is_made_whole_again_and_a_whole_one_is_left_alone() throws Exception {
        Path outbox = directory.resolve("outbox.db");
        Path reserve = directory.resolve(SpaceReserve.NAME);

        SpaceReserve.keep(outbox);
        assertThat(Files.size(reserve)).as("made").isEqualTo(SpaceReserve.SIZE);

        Files.delete(reserve); // used up by a start on a full disk
        Files.write(reserve, new byte[1000]);
        SpaceReserve.keep(outbox);
        assertThat(Files.size(reserve)).as("topped up while running").isEqualTo(SpaceReserve.SIZE);

        var modified = Files.getLastModifiedTime(reserve);
        Thread.sleep(20);
        SpaceReserve.keep(outbox);
        assertThat(Files.getLastModifiedTime(reserve)).as("a whole one is not written again").isEqualTo(modified);
    }

    @Test
    void a_start_that_finds_room_opens_the_outbox_without_touching_the_reserve() {
        Path outbox = directory.resolve("outbox.db");
        SpaceReserve.keep(outbox);

        try (AgentDatabase database = SpaceReserve.open(outbox)) {
            assertThat(database).isNotNull();
        }
        assertThat(directory.resolve(SpaceReserve.NAME)).hasSize(SpaceReserve.SIZE);
    }
}
