package dev.genba.agent.cli;

/** The exit codes every Genba command shares (ARCHITECTURE §5). */
final class ExitCodes {
    static final int OK = 0;
    /** Ran, and found a problem (server unreachable, dead letters, scan not accepted). */
    static final int PROBLEM = 1;
    /** Could not run: bad configuration, bad arguments, unusable state directory. */
    static final int ERROR = 2;

    private ExitCodes() {
    }
}
