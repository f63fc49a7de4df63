package dev.genba.agent.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Small named values the agent keeps across restarts, in outbox.db's {@code agent_state} table. */
public final class AgentState {
    private AgentState() {
    }

    /** Null when {@code key} was never set (or was removed). */
    public static String get(Connection connection, String key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT value FROM agent_state WHERE key = ?")) {
            select.setString(1, key);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    public static void put(Connection connection, String key, String value) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("""
                INSERT INTO agent_state (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value""")) {
            upsert.setString(1, key);
            upsert.setString(2, value);
            upsert.executeUpdate();
        }
    }

    public static void remove(Connection connection, String key) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM agent_state WHERE key = ?")) {
            delete.setString(1, key);
            delete.executeUpdate();
        }
    }
}
