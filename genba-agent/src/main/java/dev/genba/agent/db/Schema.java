package dev.genba.agent.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The tables of outbox.db; every statement is idempotent so any version of the file can be opened. */
final class Schema {
    private static final String[] STATEMENTS = {
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id          INTEGER PRIMARY KEY,
            destination TEXT    NOT NULL,
            scan_id     TEXT    NOT NULL,
            body        TEXT    NOT NULL,
            enqueued_at INTEGER NOT NULL,
            attempts    INTEGER NOT NULL DEFAULT 0,
            UNIQUE (scan_id, destination)
        )""",
        "CREATE INDEX IF NOT EXISTS outbox_fifo ON outbox (destination, id)",
        """
        CREATE TABLE IF NOT EXISTS dead_letters (
            id          INTEGER PRIMARY KEY,
            destination TEXT    NOT NULL,
            scan_id     TEXT    NOT NULL,
            body        TEXT    NOT NULL,
            enqueued_at INTEGER NOT NULL,
            failed_at   INTEGER NOT NULL,
            http_status INTEGER,
            reason      TEXT    NOT NULL
        )""",
        // Pending rows per destination, kept by triggers so the capacity check never counts a
        // million rows, and stays right when the `scan` command writes from another process.
        "CREATE TABLE IF NOT EXISTS pending_counts (destination TEXT PRIMARY KEY, pending INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO pending_counts (destination, pending) VALUES ('primary', 0), ('mirror', 0)",
        """
        CREATE TRIGGER IF NOT EXISTS outbox_count_insert AFTER INSERT ON outbox BEGIN
            UPDATE pending_counts SET pending = pending + 1 WHERE destination = NEW.destination;
        END""",
        """
        CREATE TRIGGER IF NOT EXISTS outbox_count_delete AFTER DELETE ON outbox BEGIN
            UPDATE pending_counts SET pending = pending - 1 WHERE destination = OLD.destination;
        END""",
        """
        CREATE TABLE IF NOT EXISTS destination_state (
            destination     TEXT PRIMARY KEY,
            endpoint        TEXT,
            last_success_at INTEGER,
            last_error      TEXT,
            last_error_at   INTEGER
        )""",
        "CREATE TABLE IF NOT EXISTS status_reports (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        // Request latency per destination and hour (a histogram as comma-separated counts), so the
        // running agent and `genba-agent report` read the same 24 hours, across restarts.
        """
        CREATE TABLE IF NOT EXISTS latency_hours (
            destination TEXT    NOT NULL,
            hour        INTEGER NOT NULL,
            counts      TEXT    NOT NULL,
            total_ms    INTEGER NOT NULL,
            max_ms      INTEGER NOT NULL,
            PRIMARY KEY (destination, hour)
        )""",
        // Log lines written by the short commands (another process) for the running agent to ship.
        "CREATE TABLE IF NOT EXISTS log_inbox (id INTEGER PRIMARY KEY, line TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS agent_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    };

    private Schema() {
    }

    static Void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : STATEMENTS) {
                statement.execute(sql);
            }
        }
        return null;
    }
}
