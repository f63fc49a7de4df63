package dev.genba.agent.status;

import dev.genba.agent.db.AgentDatabase;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Status reports not yet taken by the server, kept on disk so history has no gap after an outage
 * or a restart; a report leaves only once the server took it. Bounded: 10,000 reports is about a
 * week at one a minute, and a day even at the shortest interval (10 s); past that the oldest goes.
 */
public final class StatusBacklog {
    public static final int MAX_REPORTS = 10_000;

    public record Stored(long id, String body) {
    }

    private final AgentDatabase database;
    private final int maxReports;

    public StatusBacklog(AgentDatabase database, int maxReports) {
        this.database = database;
        this.maxReports = maxReports;
    }

    public void add(String body) {
        database.write(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO status_reports (body) VALUES (?)")) {
                insert.setString(1, body);
                insert.executeUpdate();
            }
            try (PreparedStatement trim = connection.prepareStatement("""
                    DELETE FROM status_reports WHERE id <= (SELECT max(id) FROM status_reports) - ?""")) {
                trim.setInt(1, maxReports);
                trim.executeUpdate();
            }
            return null;
        });
    }

    /** The report taken last: the Pi's current state. */
    public Optional<Stored> newest() {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, body FROM status_reports ORDER BY id DESC LIMIT 1");
                 ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(new Stored(rows.getLong(1), rows.getString(2))) : Optional.empty();
            }
        });
    }

    public List<Stored> oldest(int limit) {
        return database.read(connection -> {
            List<Stored> reports = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, body FROM status_reports ORDER BY id LIMIT ?")) {
                select.setInt(1, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        reports.add(new Stored(rows.getLong(1), rows.getString(2)));
                    }
                }
            }
            return reports;
        });
    }

    /**
     * Not fsynced: a removal a power cut takes back sends the report again, and the server answers
     * "duplicate" (same client, same sampled_at). A back-fill of 200 reports then costs no 200 fsyncs
     * on the SD card, which the scan intake waits behind.
     */
    public void remove(long id) {
        database.writeWithoutFsync(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM status_reports WHERE id = ?")) {
                delete.setLong(1, id);
                delete.executeUpdate();
            }
            return null;
        });
    }

    public long size() {
        return database.read(connection -> {
            try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM status_reports");
                 ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }
}
