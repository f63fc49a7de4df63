package dev.genba.agent.logs;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.AgentState;

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
        return database.read(connection -> AgentState.get(connection, KEY));
    }

    public void save(String cursor) {
        database.write(connection -> {
            AgentState.put(connection, KEY, cursor);
            return null;
        });
    }

    /** Forgets the cursor (journalctl could not start from it), so the next start follows from now. */
    public void clear() {
        database.write(connection -> {
            AgentState.remove(connection, KEY);
            return null;
        });
    }
}
