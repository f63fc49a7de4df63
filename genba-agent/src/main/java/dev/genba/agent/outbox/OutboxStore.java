package dev.genba.agent.outbox;

import dev.genba.agent.db.AgentDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Map;

/**
 * The durable outbox: one row per (scan, destination), delivered in id order per destination.
 * A scan is accepted only when its rows are committed; delivered rows are deleted; refused rows
 * move to {@code dead_letters} (where {@link DeadLetterStore} lets an operator send them again).
 * Nothing else ever removes a row.
 */
public final class OutboxStore {
    private final AgentDatabase database;
    static final int MOVE_CHUNK = 10_000;
    private final long maxRows;

    public OutboxStore(AgentDatabase database, long maxRows) {
        this.database = database;
        this.maxRows = maxRows;
    }

    public long maxRows() {
        return maxRows;
    }

    /** Enqueues one request's scans, or throws {@link OutboxFullException} and writes nothing. */
    public void enqueue(List<QueuedScan> scans, List<Destination> destinations, Instant now) {
        if (!enqueueGroup(List.of(scans), destinations, now).get(0)) {
            throw new OutboxFullException(pendingTotal(), maxRows);
        }
    }

    /**
     * Writes several requests in one transaction (one fsync for all of them); a request that
     * would push the outbox past its cap is left out whole. Returns, per request, whether it was written.
     */
    public List<Boolean> enqueueGroup(List<List<QueuedScan>> requests, List<Destination> destinations, Instant now) {
        return database.write(connection -> {
            long pending = pendingTotal(connection);
            List<Boolean> accepted = new ArrayList<>(requests.size());
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT OR IGNORE INTO outbox (destination, scan_id, body, enqueued_at) VALUES (?, ?, ?, ?)""")) {
                for (List<QueuedScan> request : requests) {
                    long rows = (long) request.size() * destinations.size();
                    if (pending + rows > maxRows) {
                        accepted.add(false);
                        continue;
                    }
                    pending += rows;
                    accepted.add(true);
                    for (QueuedScan scan : request) {
                        for (Destination destination : destinations) {
                            insert.setString(1, destination.key());
                            insert.setString(2, scan.scanId());
                            insert.setString(3, scan.body());
                            insert.setLong(4, now.toEpochMilli());
                            insert.addBatch();
                        }
                    }
                }
                insert.executeBatch();
            }
            return accepted;
        });
    }

    /**
     * The oldest entries of one destination, at most {@code maxItems} and about {@code maxBytes}
     * of bodies (always at least one). With {@code afterPrimaryAttempt} the batch stops at the
     * first scan the primary has not tried yet, so the primary is always attempted first.
     */
    public List<OutboxEntry> nextBatch(Destination destination, int maxItems, long maxBytes, boolean afterPrimaryAttempt) {
        return nextBatch(destination, 0, maxItems, maxBytes, afterPrimaryAttempt);
    }

    /**
     * As {@link #nextBatch(Destination, int, long, boolean)}, only entries with an id above
     * {@code afterId}: the batch after one still in flight. Call it only while that batch's rows
     * are still in the outbox, so every row written since has a higher id (SQLite gives a new row
     * max(id) + 1) and none is skipped.
     */
    public List<OutboxEntry> nextBatch(Destination destination, long afterId, int maxItems, long maxBytes,
                                       boolean afterPrimaryAttempt) {
        return database.read(connection -> {
            List<OutboxEntry> batch = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(afterPrimaryAttempt ? """
                    SELECT m.id, m.scan_id, m.body, m.enqueued_at,
                           EXISTS (SELECT 1 FROM outbox p WHERE p.scan_id = m.scan_id
                                   AND p.destination = 'primary' AND p.attempts = 0) AS primary_untried
                    FROM outbox m WHERE m.destination = ? AND m.id > ? ORDER BY m.id LIMIT ?""" : """
                    SELECT id, scan_id, body, enqueued_at, 0
                    FROM outbox WHERE destination = ? AND id > ? ORDER BY id LIMIT ?""")) {
                select.setString(1, destination.key());
                select.setLong(2, afterId);
                select.setInt(3, maxItems);
                long bytes = 0;
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        if (afterPrimaryAttempt && rows.getBoolean(5)) {
                            break;
                        }
                        // the TEXT column's bytes are its UTF-8 encoding: no String in between
                        byte[] body = rows.getBytes(3);
                        bytes += body.length;
                        if (!batch.isEmpty() && bytes > maxBytes) {
                            break;
                        }
                        batch.add(new OutboxEntry(rows.getLong(1), rows.getString(2), body, rows.getLong(4)));
                    }
                }
            }
            return batch;
        });
    }

    /**
     * Counts an attempt before the request goes out (the mirror waits for the primary's first one).
     * Not fsynced: lost in a power cut, the mark is made again when the primary sends the scan again.
     */
    public void markAttempted(List<OutboxEntry> entries) {
        database.writeWithoutFsync(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE outbox SET attempts = attempts + 1 WHERE id = ? AND scan_id = ?")) {
                for (OutboxEntry entry : entries) { // by scan_id too: see settle
                    update.setLong(1, entry.id());
                    update.setString(2, entry.scanId());
                    update.addBatch();
                }
                update.executeBatch();
            }
            return null;
        });
    }

    /**
     * Removes delivered entries and dead-letters refused ones, in one transaction. Not fsynced:
     * what a power cut takes back is delivered again, and the server answers "duplicate" (by
     * scan_id) or refuses it again, so no scan is lost or stored twice.
     *
     * <p>An entry is matched by id and scan_id: `dead-letters set-aside` may have moved it while its
     * request was in flight, and when that emptied the end of the outbox, SQLite gives the next scan
     * the same id (max(id) + 1); that scan is not the one answered for.
     */
    public void settle(Destination destination, String endpoint, List<OutboxEntry> delivered,
                       List<Rejection> rejected, Instant now) {
        if (delivered.isEmpty() && rejected.isEmpty()) {
            return;
        }
        database.writeWithoutFsync(connection -> {
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM outbox WHERE id = ? AND scan_id = ?")) {
                for (OutboxEntry entry : delivered) {
                    delete.setLong(1, entry.id());
                    delete.setString(2, entry.scanId());
                    delete.addBatch();
                }
                delete.executeBatch();
            }
            if (!rejected.isEmpty()) {
                deadLetter(connection, rejected, now);
            }
            if (!delivered.isEmpty()) {
                upsertState(connection, destination, endpoint, "last_success_at = excluded.last_success_at",
                        now.toEpochMilli(), null, null);
            }
            return null;
        });
    }

    private static void deadLetter(Connection connection, List<Rejection> rejected, Instant now) throws SQLException {
        try (PreparedStatement copy = connection.prepareStatement("""
                INSERT INTO dead_letters (destination, scan_id, body, enqueued_at, failed_at, http_status, reason)
                SELECT destination, scan_id, body, enqueued_at, ?, ?, ? FROM outbox WHERE id = ? AND scan_id = ?""");
             PreparedStatement delete = connection.prepareStatement("DELETE FROM outbox WHERE id = ? AND scan_id = ?")) {
            for (Rejection rejection : rejected) {
                copy.setLong(1, now.toEpochMilli());
                copy.setObject(2, rejection.httpStatus());
                copy.setString(3, rejection.reason());
                copy.setLong(4, rejection.entryId());
                copy.setString(5, rejection.scanId());
                copy.addBatch();
                delete.setLong(1, rejection.entryId());
                delete.setString(2, rejection.scanId());
                delete.addBatch();
            }
            copy.executeBatch();
            delete.executeBatch();
        }
    }

    /** The id of the newest entry waiting for {@code destination}; -1 when none waits. */
    public long newestPendingId(Destination destination) {
        return database.read(connection -> {
            try (PreparedStatement newest = connection.prepareStatement(
                    "SELECT coalesce(max(id), -1) FROM outbox WHERE destination = ?")) {
                newest.setString(1, destination.key());
                try (ResultSet rows = newest.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    /**
     * Moves the entries of {@code destination} up to id {@code upToId} to the dead letters with
     * {@code reason}: for a destination that has no endpoint any more (mirror mode turned off with
     * scans still waiting for the mirror). They stay there, counted and shown, until an operator
     * retries or discards them. Works in transactions of {@value #MOVE_CHUNK} entries so the intake
     * never waits long, and checks {@code stillApplies} inside each one, under the lock the intake
     * also takes: once the settings change, nothing more moves. Returns how many moved.
     */
    public int deadLetterPending(Destination destination, long upToId, String reason, Instant now,
                                 BooleanSupplier stillApplies) {
        int moved = 0;
        while (true) {
            int chunk = database.write(connection -> {
                if (!stillApplies.getAsBoolean()) {
                    return 0;
                }
                long chunkEnd = upToId;
                try (PreparedStatement end = connection.prepareStatement(
                        "SELECT id FROM outbox WHERE destination = ? AND id <= ? ORDER BY id LIMIT 1 OFFSET ?")) {
                    end.setString(1, destination.key());
                    end.setLong(2, upToId);
                    end.setInt(3, MOVE_CHUNK - 1);
                    try (ResultSet rows = end.executeQuery()) {
                        if (rows.next()) {
                            chunkEnd = rows.getLong(1);
                        }
                    }
                }
                try (PreparedStatement copy = connection.prepareStatement("""
                        INSERT INTO dead_letters (destination, scan_id, body, enqueued_at, failed_at, http_status, reason)
                        SELECT destination, scan_id, body, enqueued_at, ?, NULL, ? FROM outbox
                        WHERE destination = ? AND id <= ? ORDER BY id""");
                     PreparedStatement delete = connection.prepareStatement(
                             "DELETE FROM outbox WHERE destination = ? AND id <= ?")) {
                    copy.setLong(1, now.toEpochMilli());
                    copy.setString(2, reason);
                    copy.setString(3, destination.key());
                    copy.setLong(4, chunkEnd);
                    copy.executeUpdate();
                    delete.setString(1, destination.key());
                    delete.setLong(2, chunkEnd);
                    return delete.executeUpdate();
                }
            });
            moved += chunk;
            if (chunk < MOVE_CHUNK) {
                return moved;
            }
        }
    }

    /** Remembers the last delivery problem of a destination for {@code status}. */
    public void recordError(Destination destination, String endpoint, String error, Instant now) {
        database.writeWithoutFsync(connection -> {
            upsertState(connection, destination, endpoint,
                    "last_error = excluded.last_error, last_error_at = excluded.last_error_at", null, error,
                    now.toEpochMilli());
            return null;
        });
    }

    /** Clears the last problem once a destination works again. */
    public void clearError(Destination destination, String endpoint) {
        database.writeWithoutFsync(connection -> {
            upsertState(connection, destination, endpoint, "last_error = NULL, last_error_at = NULL", null, null, null);
            return null;
        });
    }

    private static void upsertState(Connection connection, Destination destination, String endpoint, String set,
                                    Long lastSuccessAt, String lastError, Long lastErrorAt) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("""
                INSERT INTO destination_state (destination, endpoint, last_success_at, last_error, last_error_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (destination) DO UPDATE SET endpoint = excluded.endpoint, """ + set)) {
            upsert.setString(1, destination.key());
            upsert.setString(2, endpoint);
            upsert.setObject(3, lastSuccessAt);
            upsert.setString(4, lastError);
            upsert.setObject(5, lastErrorAt);
            upsert.executeUpdate();
        }
    }

    public long pendingTotal() {
        return database.read(OutboxStore::pendingTotal);
    }

    static long pendingTotal(Connection connection) throws SQLException {
        try (PreparedStatement sum = connection.prepareStatement("SELECT coalesce(sum(pending), 0) FROM pending_counts");
             ResultSet rows = sum.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    public Map<Destination, DestinationStats> stats() {
        return database.read(connection -> {
            Map<Destination, DestinationStats> stats = new EnumMap<>(Destination.class);
            for (Destination destination : Destination.values()) {
                stats.put(destination, stats(connection, destination));
            }
            return stats;
        });
    }

    private static DestinationStats stats(Connection connection, Destination destination) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                SELECT (SELECT pending FROM pending_counts WHERE destination = :d),
                       (SELECT enqueued_at FROM outbox WHERE destination = :d ORDER BY id LIMIT 1),
                       (SELECT count(*) FROM dead_letters WHERE destination = :d),
                       s.endpoint, s.last_success_at, s.last_error, s.last_error_at
                FROM (SELECT 1) LEFT JOIN destination_state s ON s.destination = :d""".replace(":d", "?1"))) {
            query.setString(1, destination.key());
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return new DestinationStats(destination, row.getLong(1), instant(row, 2), row.getLong(3),
                        row.getString(4), instant(row, 5), row.getString(6), instant(row, 7));
            }
        }
    }

    private static Instant instant(ResultSet row, int column) throws SQLException {
        long millis = row.getLong(column);
        return row.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    /** Scan ids pending for a destination, oldest first (for tests and diagnostics). */
    public List<String> pendingScanIds(Destination destination) {
        return database.read(connection -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT scan_id FROM outbox WHERE destination = ? ORDER BY id")) {
                select.setString(1, destination.key());
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
            }
            return ids;
        });
    }
}
