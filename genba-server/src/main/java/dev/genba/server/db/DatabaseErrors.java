package dev.genba.server.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Tells "the database is away" (retry later: 503) from a real fault (a bug: 500). */
public final class DatabaseErrors {
    private DatabaseErrors() {
    }

    public static boolean isUnavailable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exceptions; 57P01-57P03: shutdown / cannot connect now; 53300: too many connections;
                // 40001 / 40P01: a serialization failure or deadlock rolled the transaction back, the same again can pass
                if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")
                        || state.equals("40001") || state.equals("40P01")) {
                    return true;
                }
            }
            if (cause instanceof java.net.ConnectException || cause instanceof java.io.EOFException) {
                return true;
            }
        }
        return false;
    }

    /**
     * PostgreSQL refused a value itself (SQLSTATE class 22, "data exception": a number out of range,
     * a character it cannot hold): storing the same thing again cannot succeed, so it is not a 503.
     */
    public static boolean isDataException(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                return true;
            }
        }
        return false;
    }

    /** PostgreSQL's own words for a refused value, without the SQL or the parameters. */
    public static String dataExceptionMessage(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                String message = String.valueOf(sql.getMessage());
                int detail = message.indexOf('\n');
                return (detail < 0 ? message : message.substring(0, detail)).replaceFirst("^ERROR: ", "");
            }
        }
        return "a value the database cannot hold";
    }
}
