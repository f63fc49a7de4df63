package dev.genba.agent.db;

import dev.genba.agent.AgentException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The outbox database cannot be used right now; the message says why and what to do. */
public class DatabaseException extends AgentException {
    private static final long serialVersionUID = 1L;

    private boolean whileCommitting;
    private boolean outcomeUnknown;

    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure after which the scans may or may not have been written (see {@link #mayHaveBeenWritten}). */
    public static DatabaseException outcomeUnknown(String message, Throwable cause) {
        DatabaseException unknown = new DatabaseException(message, cause);
        unknown.outcomeUnknown = true;
        return unknown;
    }

    /** Marks this failure as one of the COMMIT itself; returns this. */
    DatabaseException whileCommitting() {
        whileCommitting = true;
        return this;
    }

    /**
     * True when what the transaction wrote may be there all the same: its COMMIT failed with an I/O
     * error (SQLite had appended the whole transaction to the WAL when the fsync after it failed, and
     * the next start finds it there), or the failure came from somewhere that cannot tell. A COMMIT
     * refused for a full disk or a constraint wrote nothing that counts.
     */
    public boolean mayHaveBeenWritten() {
        return outcomeUnknown || whileCommitting && getCause() instanceof SQLiteException sqlite
                && (sqlite.getResultCode().code & 0xFF) == SQLiteErrorCode.SQLITE_IOERR.code;
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
