package dev.genba.server.mirror.compare;

/**
 * The comparison cannot run: a database is unreachable or the table is not what the
 * configuration says. The message is one plain sentence naming the side, fit for an operator.
 */
public final class CompareException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CompareException(String message) {
        super(message);
    }

    public CompareException(String message, Throwable cause) {
        super(message, cause);
    }
}
