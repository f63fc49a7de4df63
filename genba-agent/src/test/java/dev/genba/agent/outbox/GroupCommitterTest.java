package dev.genba.agent.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.DatabaseException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitterTest {
    @TempDir
    Path directory;

    private static List<QueuedScan> scan() {
        String id = UUID.randomUUID().toString();
        return List.of(new QueuedScan(id, "{\"scan_id\":\"" + id + "\"}"));
    }

    @Test
    void a_failing_step_after_a_commit_neither_refuses_the_stored_scans_nor_stops_the_commit_thread() throws Exception {
        AtomicInteger commits = new AtomicInteger();
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"));
             GroupCommitter committer = new GroupCommitter(new OutboxStore(database, 1_000), () -> List.of(Destination.PRIMARY),
                     () -> {
                         if (commits.incrementAndGet() == 1) {
                             throw new IllegalStateException("wake-up failed");
                         }
                     }, Clock.systemUTC())) {
            GroupCommitter.Submission first = committer.submit(scan());
            first.committed().get(5, TimeUnit.SECONDS);
            GroupCommitter.Submission second = committer.submit(scan());

            second.committed().get(5, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(5)).until(() -> commits.get() == 2);
            assertThat(new OutboxStore(database, 1_000).pendingTotal()).isEqualTo(2);
        }
    }

    /** The COMMIT that fails with an I/O error, and may have been written, is in DurabilityTraceTest (it needs strace). */
    @Test
    void a_commit_refused_for_a_constraint_or_a_write_refused_before_it_is_reported_as_not_written() throws Exception {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"));
             GroupCommitter committer = new GroupCommitter(new OutboxStore(database, 1_000), () -> List.of(Destination.PRIMARY),
                     () -> { }, Clock.systemUTC())) {
            // SQLite checks a deferred foreign key at COMMIT: a real COMMIT that fails, having written nothing
            database.write(connection -> connection.createStatement().executeUpdate("""
                    CREATE TABLE parent (id INTEGER PRIMARY KEY)"""));
            database.write(connection -> connection.createStatement().executeUpdate("""
                    CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"""));
            database.read(connection -> connection.createStatement().execute("PRAGMA foreign_keys = ON"));
            database.write(connection -> connection.createStatement().executeUpdate("""
                    CREATE TRIGGER orphan AFTER INSERT ON outbox BEGIN INSERT INTO child VALUES (-1); END"""));

            Throwable atCommit = catchThrowable(() -> committer.submit(scan()).committed().get(5, TimeUnit.SECONDS));

            database.write(connection -> connection.createStatement().executeUpdate("DROP TRIGGER orphan"));
            database.write(connection -> connection.createStatement().executeUpdate("""
                    CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'refused'); END"""));
            Throwable beforeCommit = catchThrowable(() -> committer.submit(scan()).committed().get(5, TimeUnit.SECONDS));

            assertThat(atCommit).isInstanceOf(ExecutionException.class);
            assertThat(((DatabaseException) atCommit.getCause()).mayHaveBeenWritten()).isFalse();
            assertThat(new OutboxStore(database, 1_000).pendingTotal()).isZero();
            assertThat(beforeCommit).isInstanceOf(ExecutionException.class);
            assertThat(((DatabaseException) beforeCommit.getCause()).mayHaveBeenWritten()).isFalse();
        }
    }
}
