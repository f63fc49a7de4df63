package dev.genba.agent.db;

import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The outbox database cannot be used right now; {@link #diskFull()} tells a full disk apart. */
public class DatabaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean diskFull;

    public DatabaseException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private DatabaseException(String message, Throwable cause, boolean diskFull) {
        super(message, cause);
        this.diskFull = diskFull;
    }

    static DatabaseException from(Path file, SQLException e) {
        if (e instanceof SQLiteException sqlite && (sqlite.getResultCode() == SQLiteErrorCode.SQLITE_FULL
                || sqlite.getResultCode() == SQLiteErrorCode.SQLITE_IOERR)) {
            return new DatabaseException("the disk holding " + file.toAbsolutePath()
                    + " is full or failing; free space there, the agent keeps every scan it already accepted", e, true);
        }
        return new DatabaseException("database " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }

    public boolean diskFull() {
        return diskFull;
    }
}
