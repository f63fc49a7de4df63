package dev.genba.agent.logs;

import dev.genba.agent.db.AgentDatabase;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * The journal cursor of the last journal line the server took, kept in outbox.db: after a
 * restart the agent follows the journal from just after it, so no line is shipped twice or missed.
 */
public final class JournalCursor {
    private static final String KEY = "journal_cursor";

    private final AgentDatabase database;

    public JournalCursor(AgentDatabase database) {
        this.database = database;
    }

    /** Null before the first journal line was shipped. */
    public String load() {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT value FROM agent_state WHERE key = ?")) {
                select.setString(1, KEY);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getString(1) : null;
                }
            }
        });
    }

    public void save(String cursor) {
        database.write(connection -> {
            try (PreparedStatement upsert = connection.prepareStatement("""
                    INSERT INTO agent_state (key, value) VALUES (?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value""")) {
                upsert.setString(1, KEY);
                upsert.setString(2, cursor);
                upsert.executeUpdate();
            }
            return null;
        });
    }

    /** Forgets the cursor (journalctl could not start from it), so the next start follows from now. */
    public void clear() {
        database.write(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM agent_state WHERE key = ?")) {
                delete.setString(1, KEY);
                delete.executeUpdate();
            }
            return null;
        });
    }
}
