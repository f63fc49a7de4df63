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

    static DatabaseException from(Path file, SQLException e) {
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
}
