package dev.genba.agent.db;

import static org.assertj.core.api.Assertions.assertThat;

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
}
