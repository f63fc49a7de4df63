package dev.genba.agent.delivery;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.AgentState;
import dev.genba.agent.outbox.Destination;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;

/**
 * Request latency per destination in hourly histograms ({@code latency_hours} in outbox.db), the
 * last 24 hours kept: the running agent adds to it, and any process can read the same summary.
 */
public final class LatencyStore {
    static final int HOURS_KEPT = 24;
    private static final long HOUR_MS = 3_600_000;

    private final AgentDatabase database;

    public LatencyStore(AgentDatabase database) {
        this.database = database;
    }

    static long hourOf(long epochMillis) {
        return epochMillis / HOUR_MS;
    }

    /** Adds measurements to an hour's histogram and drops hours that fell out of the 24-hour window. */
    void add(Destination destination, long hour, LatencyHistogram measured, Instant now) {
        database.write(connection -> {
            LatencyHistogram merged = new LatencyHistogram();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT counts, total_ms, max_ms FROM latency_hours WHERE destination = ? AND hour = ?")) {
                select.setString(1, destination.key());
                select.setLong(2, hour);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        merged.add(row.getString(1), row.getLong(2), row.getLong(3));
                    }
                }
            }
            merged.add(measured.countsText(), measured.totalMs(), measured.maxMs());
            try (PreparedStatement upsert = connection.prepareStatement("""
                    INSERT INTO latency_hours (destination, hour, counts, total_ms, max_ms) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (destination, hour) DO UPDATE SET counts = excluded.counts,
                        total_ms = excluded.total_ms, max_ms = excluded.max_ms""")) {
                upsert.setString(1, destination.key());
                upsert.setLong(2, hour);
                upsert.setString(3, merged.countsText());
                upsert.setLong(4, merged.totalMs());
                upsert.setLong(5, merged.maxMs());
                upsert.executeUpdate();
            }
            try (PreparedStatement trim = connection.prepareStatement("DELETE FROM latency_hours WHERE hour <= ?")) {
                trim.setLong(1, hourOf(now.toEpochMilli()) - HOURS_KEPT);
                trim.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Makes {@code endpoint} the one this destination's latency is about: when another endpoint
     * was measured before (mirror mode turned on, an endpoint changed, in this run or an earlier
     * one), its hours are dropped, so the 24-hour figure never mixes two servers, and so are its
     * last success and last error.
     */
    void useEndpoint(Destination destination, String endpoint) {
        String key = "latency_endpoint." + destination.key();
        database.write(connection -> {
            String measured = AgentState.get(connection, key);
            if (endpoint.equals(measured)) {
                return null;
            }
            if (measured != null) {
                try (PreparedStatement drop = connection.prepareStatement("DELETE FROM latency_hours WHERE destination = ?")) {
                    drop.setString(1, destination.key());
                    drop.executeUpdate();
                }
                // `status` shows the last success and error next to the endpoint: they were the old one's
                try (PreparedStatement forget = connection.prepareStatement("""
                        UPDATE destination_state SET endpoint = ?, last_success_at = NULL, last_error = NULL,
                            last_error_at = NULL WHERE destination = ?""")) {
                    forget.setString(1, endpoint.isEmpty() ? null : endpoint);
                    forget.setString(2, destination.key());
                    forget.executeUpdate();
                }
            }
            AgentState.put(connection, key, endpoint);
            return null;
        });
    }

    /**
     * As {@link #summary}, but null unless the hours kept are about {@code endpoint} (null: none):
     * for a process that reads what the running agent measured, and must not report the old
     * endpoint's hours after a configuration change the agent has not acted on yet.
     */
    public LatencyTracker.Summary summaryOf(Destination destination, String endpoint, Instant now) {
        String measured = database.read(connection -> AgentState.get(connection, "latency_endpoint." + destination.key()));
        String key = endpoint == null ? LatencyTracker.NONE : endpoint;
        return key.equals(measured) ? summary(destination, now) : null;
    }

    /** The last 24 hours (the current hour and the 23 before it); null when nothing was measured. */
    public LatencyTracker.Summary summary(Destination destination, Instant now) {
        return database.read(connection -> {
            LatencyHistogram day = new LatencyHistogram();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT counts, total_ms, max_ms FROM latency_hours WHERE destination = ? AND hour > ?")) {
                select.setString(1, destination.key());
                select.setLong(2, hourOf(now.toEpochMilli()) - HOURS_KEPT);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        day.add(rows.getString(1), rows.getLong(2), rows.getLong(3));
                    }
                }
            }
            return day.summary();
        });
    }
}
