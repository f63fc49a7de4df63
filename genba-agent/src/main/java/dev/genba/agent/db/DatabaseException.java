package dev.genba.agent.db;

import dev.genba.agent.AgentException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The outbox database cannot be used right now; the message says why and what to do. */
public class DatabaseException extends AgentException {
    private static final long serialVersionUID = 1L;

    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when SQLite found the file damaged (not a database, or corrupt pages). */
    public boolean damaged() {
        return getCause() instanceof SQLiteException sqlite && damaged(sqlite.getResultCode());
    }

    /** True when the disk is full or failing (SQLITE_FULL, SQLITE_IOERR). */
    public boolean diskProblem() {
        return getCause() instanceof SQLiteException sqlite && spaceOrDisk(sqlite.getResultCode());
    }

    static DatabaseException from(Path file, SQLException e) {
        if (e instanceof SQLiteException sqlite && damaged(sqlite.getResultCode())) {
            return new DatabaseException("the outbox file " + file.toAbsolutePath() + " is damaged (" + e.getMessage()
                    + "): the agent service sets it aside and starts a new one when it starts"
                    + " (sudo systemctl restart genba-agent); see RUNBOOK 11.7", e);
        }
        if (e instanceof SQLiteException sqlite && spaceOrDisk(sqlite.getResultCode())) {
            return new DatabaseException("the disk holding " + file.toAbsolutePath()
                    + " is full or failing; free space there, the agent keeps every scan it already accepted", e);
        }
        return new DatabaseException("database " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }

    /** SQLITE_FULL or SQLITE_IOERR, extended codes (SQLITE_IOERR_WRITE, ...) included. */
    private static boolean spaceOrDisk(SQLiteErrorCode code) {
        int primary = code.code & 0xFF;
        return primary == SQLiteErrorCode.SQLITE_FULL.code || primary == SQLiteErrorCode.SQLITE_IOERR.code;
    }

    /** SQLITE_CORRUPT or SQLITE_NOTADB, extended codes included. */
    static boolean damaged(SQLiteErrorCode code) {
        int primary = code.code & 0xFF;
        return primary == SQLiteErrorCode.SQLITE_CORRUPT.code || primary == SQLiteErrorCode.SQLITE_NOTADB.code;
    }
}
