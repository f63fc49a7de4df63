package dev.genba.agent;

/**
 * The agent's one unchecked exception family: every message is a plain sentence that says what
 * is wrong and what to do, fit to print to an operator as it is.
 */
public class AgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
