package dev.genba.agent.logs;

import dev.genba.protocol.LogBatch;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;

/**
 * The agent's logger, made for a systemd service: one line per event on stderr (journald adds the
 * time), and under {@code run} warnings and errors also go to the {@link LogBuffer} that is shipped
 * to the server. Not java.util.logging: its handlers, records and formatters would stay loaded for
 * the life of the process (docs/PERFORMANCE.md, "Agent"). Until {@link #install} is called, as in
 * {@code genba demo} where the agent runs inside the server, only warnings and errors are printed.
 */
public final class AgentLog {
    /** How much is printed: a level and everything above it. */
    public enum Level { INFO, WARN, ERROR }

    private record Output(PrintStream console, Level threshold, LogBuffer shipping) {
    }

    // The JVM's one setting, like java.util.logging's root logger: set once by the command that runs.
    private static volatile Output output = new Output(System.err, Level.WARN, null);

    private final String logger;
    private final String source;

    private AgentLog(String logger) {
        this.logger = logger;
        this.source = logger.substring(logger.lastIndexOf('.') + 1);
    }

    public static AgentLog of(Class<?> source) {
        return new AgentLog(source.getName());
    }

    /** Events from another library's logging, under that library's logger name. */
    static AgentLog named(String logger) {
        return new AgentLog(logger);
    }

    /** For {@code run}: everything from INFO on stderr; warnings and errors also into {@code shipping}. */
    public static void toConsoleAndShipping(LogBuffer shipping) {
        install(System.err, Level.INFO, shipping);
    }

    /** For the short commands, which print their own results: only errors, nothing shipped. */
    public static void errorsOnly() {
        install(System.err, Level.ERROR, null);
    }

    static void install(PrintStream console, Level threshold, LogBuffer shipping) {
        output = new Output(console, threshold, shipping);
        JulBridge.install(threshold);
    }

    static Level threshold() {
        return output.threshold();
    }

    public void info(String message) {
        log(Level.INFO, message, null);
    }

    public void warn(String message) {
        log(Level.WARN, message, null);
    }

    public void warn(String message, Throwable thrown) {
        log(Level.WARN, message, thrown);
    }

    public void error(String message) {
        log(Level.ERROR, message, null);
    }

    public void error(String message, Throwable thrown) {
        log(Level.ERROR, message, thrown);
    }

    /**
     * A warning that is printed but never shipped: for trouble with shipping itself, where shipping
     * the warning would feed the buffer lines about failing to empty it.
     */
    void warnUnshipped(String message) {
        print(output, Level.WARN, message, null);
    }

    void log(Level level, String message, Throwable thrown) {
        Output current = output;
        print(current, level, message, thrown);
        if (level != Level.INFO && current.shipping() != null) {
            String shipped = thrown == null ? message : message + " (" + thrown + ")";
            current.shipping().add(new LogBatch.Entry(level == Level.ERROR ? "error" : "warn", LogText.clip(shipped),
                    Map.of("source", "genba-agent", "logger", logger), Instant.ofEpochMilli(System.currentTimeMillis()),
                    null));
        }
    }

    private void print(Output current, Level level, String message, Throwable thrown) {
        if (level.compareTo(current.threshold()) >= 0) {
            StringBuilder line = new StringBuilder(level.name()).append(' ').append(source).append(": ")
                    .append(message).append('\n');
            if (thrown != null) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            // One print per event, so lines from two threads do not interleave.
            current.console().print(line);
        }
    }
}
