package dev.genba.agent.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentDatabaseTest {
    private static final int NORMAL = 1;
    private static final int FULL = 2;

    @TempDir
    Path directory;

    private static int synchronous(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("PRAGMA synchronous")) {
            row.next();
            return row.getInt(1);
        }
    }

    @Test
    void a_write_without_fsync_commits_and_leaves_every_other_write_fsynced() {
        Path file = directory.resolve("outbox.db");
        try (AgentDatabase database = AgentDatabase.open(file)) {
            assertThat(database.read(AgentDatabaseTest::synchronous)).isEqualTo(FULL);

            int during = database.writeWithoutFsync(connection -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("INSERT INTO agent_state (key, value) VALUES ('k', 'v')");
                }
                return synchronous(connection);
            });

            assertThat(during).isEqualTo(NORMAL);
            assertThat(database.read(AgentDatabaseTest::synchronous)).isEqualTo(FULL);
            assertThat(database.write(AgentDatabaseTest::synchronous)).isEqualTo(FULL);
        }
        try (AgentDatabase reopened = AgentDatabase.open(file)) {
            String value = reopened.read(connection -> {
                try (Statement statement = connection.createStatement();
                     ResultSet row = statement.executeQuery("SELECT value FROM agent_state WHERE key = 'k'")) {
                    return row.next() ? row.getString(1) : null;
                }
            });
            assertThat(value).isEqualTo("v");
        }
    }

    @Test
    void a_failed_write_is_rolled_back_reports_its_own_cause_and_the_next_write_works() {
        try (AgentDatabase database = AgentDatabase.open(directory.resolve("outbox.db"))) {
            IllegalStateException cause = new IllegalStateException("the work failed half way");

            assertThatThrownBy(() -> database.write(connection -> {
                put(connection, "half", "written");
                throw cause;
            })).isSameAs(cause);
            assertThatThrownBy(() -> database.write(connection -> {
                put(connection, "twice", "1");
                put(connection, "twice", "2");
                return null;
            })).isInstanceOf(DatabaseException.class).hasMessageContaining("UNIQUE constraint failed");
            // an Error too (out of memory half way through a group): not left open for the next write to commit
            StackOverflowError error = new StackOverflowError("half way");
            assertThatThrownBy(() -> database.write(connection -> {
                put(connection, "error", "written");
                throw error;
            })).isSameAs(error);

            database.write(connection -> put(connection, "after", "ok"));
            String keys = value(database, "SELECT group_concat(key) FROM agent_state");
            assertThat(keys).as("only the write that went through").isEqualTo("after");
        }
    }

    private static String value(AgentDatabase database, String query) {
        return database.read(connection -> {
            try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(query)) {
                row.next();
                return row.getString(1);
            }
        });
    }

    private static Void put(Connection connection, String key, String value) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO agent_state (key, value) VALUES ('" + key + "', '" + value + "')");
        }
        return null;
    }

    @Test
    void a_begin_that_waits_in_vain_for_another_writer_leaves_the_next_write_atomic() throws Exception {
        Path file = directory.resolve("outbox.db");
        try (AgentDatabase database = AgentDatabase.open(file);
             Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement statement = other.createStatement()) {
                statement.execute("BEGIN IMMEDIATE"); // as `genba-agent scan` holding the write lock too long
            }
            assertThatThrownBy(() -> database.write(connection -> put(connection, "waited", "1")))
                    .isInstanceOf(DatabaseException.class).hasMessageContaining("SQLITE_BUSY");
            try (Statement statement = other.createStatement()) {
                statement.execute("ROLLBACK");
            }

            assertThatThrownBy(() -> database.write(connection -> {
                put(connection, "pair", "1");
                put(connection, "pair", "2");
                return null;
            })).isInstanceOf(DatabaseException.class).hasMessageContaining("UNIQUE constraint failed");
            // an Error too (out of memory half way through a group): not left open for the next write to commit
            StackOverflowError error = new StackOverflowError("half way");
            assertThatThrownBy(() -> database.write(connection -> {
                put(connection, "error", "written");
                throw error;
            })).isSameAs(error);
            String keys = value(database, "SELECT count(*) FROM agent_state");
            assertThat(keys).as("the failed pair left nothing behind: it ran in one transaction").isEqualTo("0");
        }
    }
}
