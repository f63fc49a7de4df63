package dev.genba.server.mirror.compare;

import dev.genba.server.db.DatabaseErrors;
import java.sql.SQLException;

/** Turns a database failure into one plain sentence naming the side. */
final class Failures {
    private Failures() {
    }

    static CompareException describe(String side, String doing, Throwable failure) {
        if (DatabaseErrors.isUnavailable(failure)) {
            return new CompareException(side + " database is unreachable: " + rootMessage(failure), failure);
        }
        return new CompareException(side + " database: " + doing + ": " + rootMessage(failure), failure);
    }

    static String sentence(String side, String doing, Throwable failure) {
        return describe(side, doing, failure).getMessage();
    }

    /** The most specific message: the innermost SQL error's first line, else the innermost message. */
    static String rootMessage(Throwable failure) {
        String message = failure.getMessage();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && (cause instanceof SQLException || cause.getCause() == null)) {
                message = cause.getMessage();
            }
        }
        if (message == null) {
            return failure.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        String line = (newline < 0 ? message : message.substring(0, newline)).trim();
        return line.startsWith("ERROR: ") ? line.substring("ERROR: ".length()) : line;
    }
}
