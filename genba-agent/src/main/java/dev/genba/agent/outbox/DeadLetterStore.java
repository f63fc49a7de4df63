package dev.genba.agent.outbox;

import dev.genba.agent.db.AgentDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The {@code dead_letters} table: scans a destination refused for good. An operator lists them,
 * sends them again (back to the end of the outbox) or discards them; nothing else removes one.
 * Safe while {@code genba-agent run} works on the same file: each change is one transaction.
 */
public final class DeadLetterStore {
    private static final String COLUMNS = """
            destination, scan_id, json_extract(body, '$.payload.tag_id'), failed_at, http_status, reason""";

    /**
     * Dead letters moved per transaction by {@link #requeueAll}: a mirror switched off with a long queue
     * leaves tens of thousands (RUNBOOK 10.10), far more than the 24 MB heap of the unit holds at once.
     */
    static final int REQUEUE_CHUNK = 1_000;

    private final AgentDatabase database;
    private final long maxRows;

    public DeadLetterStore(AgentDatabase database, long maxRows) {
        this.database = database;
        this.maxRows = maxRows;
    }

    /** The newest dead letters of a destination. */
    public List<DeadLetter> newest(Destination destination, int limit) {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                    + " FROM dead_letters WHERE destination = ? ORDER BY id DESC LIMIT ?")) {
                select.setString(1, destination.key());
                select.setInt(2, limit);
                return letters(select);
            }
        });
    }

    /** Every dead letter, oldest first. */
    public List<DeadLetter> all() {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM dead_letters ORDER BY id")) {
                return letters(select);
            }
        });
    }

    /**
     * Every dead letter, oldest first, handed to {@code each} as it is read, so a listing of any length
     * holds one at a time; {@code total} gets their number before the first one (0 when there are none),
     * counted by the same query, so it agrees with what follows. Returns that number.
     */
    public long forEach(LongConsumer total, Consumer<DeadLetter> each) {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + ", count(*) OVER () FROM dead_letters ORDER BY id");
                 ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    total.accept(0);
                    return 0L;
                }
                long count = rows.getLong(7);
                total.accept(count);
                do {
                    each.accept(letter(rows));
                } while (rows.next());
                return count;
            }
        });
    }

    /**
     * As {@code requeue(null, only, now)}, for any number of dead letters: moved in transactions of
     * {@value #REQUEUE_CHUNK}, oldest first, each chunk handed to {@code moved} once committed. Those
     * refused again while this runs are not taken a second time. Throws {@link OutboxFullException}
     * and moves nothing when the outbox has no room for all of them; should it fill up on the way
     * (the intake goes on), throws after the chunks already moved. Returns how many moved.
     */
    public long requeueAll(Destination only, Instant now, Consumer<List<DeadLetter>> moved) {
        String key = only == null ? null : only.key();
        long newest = database.read(connection -> {
            try (PreparedStatement max = connection.prepareStatement("SELECT coalesce(max(id), 0) FROM dead_letters");
                 ResultSet rows = max.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
        long total = 0;
        while (true) {
            boolean first = total == 0;
            List<DeadLetter> chunk = database.write(connection -> {
                long pending = OutboxStore.pendingTotal(connection);
                if (first) {
                    try (PreparedStatement count = connection.prepareStatement(
                            "SELECT count(*) FROM dead_letters WHERE (?1 IS NULL OR destination = ?1) AND id <= ?2")) {
                        count.setString(1, key);
                        count.setLong(2, newest);
                        try (ResultSet rows = count.executeQuery()) {
                            rows.next();
                            if (pending + rows.getLong(1) > maxRows) {
                                throw new OutboxFullException(pending, maxRows);
                            }
                        }
                    }
                }
                List<DeadLetter> letters = new ArrayList<>();
                List<Long> ids = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + ", id FROM dead_letters"
                        + " WHERE (?1 IS NULL OR destination = ?1) AND id <= ?2 ORDER BY id LIMIT ?3")) {
                    select.setString(1, key);
                    select.setLong(2, newest);
                    select.setInt(3, REQUEUE_CHUNK);
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            letters.add(letter(rows));
                            ids.add(rows.getLong(7));
                        }
                    }
                }
                if (pending + letters.size() > maxRows) {
                    throw new OutboxFullException(pending, maxRows);
                }
                // by id: the table has no index on (destination, scan_id), and a chunk must not scan it whole per letter
                try (PreparedStatement copy = connection.prepareStatement("""
                        INSERT OR IGNORE INTO outbox (destination, scan_id, body, enqueued_at)
                        SELECT destination, scan_id, body, ? FROM dead_letters WHERE id = ?""");
                     PreparedStatement delete = connection.prepareStatement("DELETE FROM dead_letters WHERE id = ?")) {
                    for (long id : ids) {
                        copy.setLong(1, now.toEpochMilli());
                        copy.setLong(2, id);
                        copy.addBatch();
                        delete.setLong(1, id);
                        delete.addBatch();
                    }
                    copy.executeBatch();
                    delete.executeBatch();
                }
                return letters;
            });
            if (chunk.isEmpty()) {
                return total;
            }
            total += chunk.size();
            moved.accept(chunk);
        }
    }

    /**
     * Moves the dead letters of these scans (all of them when {@code scanIds} is null) back to the
     * end of the outbox, oldest first, as new deliveries; returns what was moved. Throws
     * {@link OutboxFullException} and moves nothing when the outbox has no room for them.
     */
    public List<DeadLetter> requeue(List<String> scanIds, Destination only, Instant now) {
        return database.write(connection -> {
            List<DeadLetter> moved = select(connection, scanIds, only);
            long pending = OutboxStore.pendingTotal(connection);
            if (pending + moved.size() > maxRows) {
                throw new OutboxFullException(pending, maxRows);
            }
            // A scan sent again by the app meanwhile may already be pending: it is delivered once.
            try (PreparedStatement copy = connection.prepareStatement("""
                    INSERT OR IGNORE INTO outbox (destination, scan_id, body, enqueued_at)
                    SELECT destination, scan_id, body, ? FROM dead_letters
                    WHERE destination = ? AND scan_id = ? ORDER BY id""")) {
                for (DeadLetter letter : moved) {
                    copy.setLong(1, now.toEpochMilli());
                    copy.setString(2, letter.destination().key());
                    copy.setString(3, letter.scanId());
                    copy.addBatch();
                }
                copy.executeBatch();
            }
            delete(connection, moved);
            return moved;
        });
    }

    /** Removes the dead letters of these scans for good; returns what was removed. */
    public List<DeadLetter> discard(List<String> scanIds, Destination only) {
        return database.write(connection -> {
            List<DeadLetter> removed = select(connection, scanIds, only);
            delete(connection, removed);
            return removed;
        });
    }

    /**
     * Moves the {@code first} oldest scans waiting for {@code destination} to the dead letters, as
     * an operator decides when that destination refuses them one by one for a reason no setting
     * fixes and the agent keeps sending them again (20 refusals in a row look like a wrong key or
     * address). The destination's last error goes into each one's reason, so the dead letter says
     * why. Returns what was moved, oldest first.
     */
    public List<DeadLetter> setAside(Destination destination, int first, Instant now) {
        return database.write(connection -> {
            String lastError = null;
            try (PreparedStatement state = connection.prepareStatement(
                    "SELECT last_error FROM destination_state WHERE destination = ?")) {
                state.setString(1, destination.key());
                try (ResultSet rows = state.executeQuery()) {
                    if (rows.next()) {
                        lastError = rows.getString(1);
                    }
                }
            }
            long before;
            try (PreparedStatement newest = connection.prepareStatement("SELECT coalesce(max(id), 0) FROM dead_letters");
                 ResultSet rows = newest.executeQuery()) {
                rows.next();
                before = rows.getLong(1);
            }
            String reason = "set aside by an operator (genba-agent dead-letters set-aside)"
                    + (lastError == null ? "" : "; the destination's last error: " + lastError);
            try (PreparedStatement copy = connection.prepareStatement("""
                    INSERT INTO dead_letters (destination, scan_id, body, enqueued_at, failed_at, http_status, reason)
                    SELECT destination, scan_id, body, enqueued_at, ?, NULL, ? FROM outbox
                    WHERE destination = ? ORDER BY id LIMIT ?""");
                 PreparedStatement delete = connection.prepareStatement("""
                    DELETE FROM outbox WHERE id IN
                        (SELECT id FROM outbox WHERE destination = ? ORDER BY id LIMIT ?)""")) {
                copy.setLong(1, now.toEpochMilli());
                copy.setString(2, reason);
                copy.setString(3, destination.key());
                copy.setInt(4, first);
                copy.executeUpdate();
                delete.setString(1, destination.key());
                delete.setInt(2, first);
                delete.executeUpdate();
            }
            try (PreparedStatement moved = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM dead_letters WHERE id > ? ORDER BY id")) {
                moved.setLong(1, before);
                return letters(moved);
            }
        });
    }

    private static List<DeadLetter> select(Connection connection, List<String> scanIds, Destination only)
            throws SQLException {
        List<DeadLetter> letters = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                + " FROM dead_letters WHERE (?1 IS NULL OR destination = ?1) AND (?2 IS NULL OR scan_id = ?2)"
                + " ORDER BY id")) {
            select.setString(1, only == null ? null : only.key());
            if (scanIds == null) {
                select.setString(2, null);
                letters.addAll(letters(select));
            } else {
                for (String scanId : scanIds) {
                    select.setString(2, scanId);
                    letters.addAll(letters(select));
                }
            }
        }
        return letters;
    }

    private static void delete(Connection connection, List<DeadLetter> letters) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM dead_letters WHERE destination = ? AND scan_id = ?")) {
            for (DeadLetter letter : letters) {
                delete.setString(1, letter.destination().key());
                delete.setString(2, letter.scanId());
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }

    private static List<DeadLetter> letters(PreparedStatement select) throws SQLException {
        List<DeadLetter> letters = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                letters.add(letter(rows));
            }
        }
        return letters;
    }

    /** The dead letter in the first six columns ({@link #COLUMNS}) of the current row. */
    private static DeadLetter letter(ResultSet rows) throws SQLException {
        Integer status = rows.getObject(5) == null ? null : rows.getInt(5);
        return new DeadLetter(Destination.valueOf(rows.getString(1).toUpperCase(Locale.ROOT)),
                rows.getString(2), rows.getString(3), Instant.ofEpochMilli(rows.getLong(4)), status,
                rows.getString(6));
    }
}
