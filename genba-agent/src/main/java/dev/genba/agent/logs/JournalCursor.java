package dev.genba.agent.logs;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.AgentState;

/**
 * The journal cursor of the last journal line the server took, kept in outbox.db: after a
 * restart the agent follows the journal from just after it, so no line is shipped twice or missed.
 * Until the server has taken a first line, the cursor of the first line read is kept instead, and a
 * restart follows the journal from that line on.
 */
public final class JournalCursor {
    private static final String KEY = "journal_cursor";
    private static final String FIRST_UNSHIPPED_KEY = "journal_first_unshipped";

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
            AgentState.remove(connection, FIRST_UNSHIPPED_KEY);
            return null;
        });
    }

    /** The first line read while no line was shipped yet (the next start begins with it); null when none. */
    public String loadFirstUnshipped() {
        return database.read(connection -> AgentState.get(connection, FIRST_UNSHIPPED_KEY));
    }

    public void saveFirstUnshipped(String cursor) {
        database.write(connection -> {
            AgentState.put(connection, FIRST_UNSHIPPED_KEY, cursor);
            return null;
        });
    }

    /** Forgets both cursors (journalctl could not start from one), so the next start follows from now. */
    public void clear() {
        database.write(connection -> {
            AgentState.remove(connection, KEY);
            AgentState.remove(connection, FIRST_UNSHIPPED_KEY);
            return null;
        });
    }
}
