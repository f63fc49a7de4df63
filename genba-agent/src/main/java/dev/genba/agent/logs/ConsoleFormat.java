package dev.genba.agent.logs;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * java.util.logging set up for a systemd service: one line per event on stderr (journald adds
 * the time), and warnings/errors copied to the shipping buffer. JUL is in the JDK already, so
 * the agent carries no logging framework.
 */
public final class ConsoleFormat extends Formatter {
    @Override
    public String format(LogRecord record) {
        String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
        String source = logger.substring(logger.lastIndexOf('.') + 1);
        StringBuilder line = new StringBuilder()
                .append(record.getLevel() == Level.SEVERE ? "ERROR" : record.getLevel() == Level.WARNING ? "WARN" : "INFO")
                .append(' ').append(source).append(": ").append(record.getMessage()).append('\n');
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        return line.toString();
    }

    /** For {@code run}: replaces the JDK's two-line console output; {@code shipping} receives warnings and errors. */
    public static void install(Handler shipping) {
        Logger root = installConsole(Level.INFO);
        root.addHandler(shipping);
    }

    /** For the short commands, which print their own results: only errors are logged. */
    public static void installQuiet() {
        installConsole(Level.SEVERE);
    }

    private static Logger installConsole(Level level) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new ConsoleFormat());
        console.setLevel(level);
        root.setLevel(level);
        root.addHandler(console);
        return root;
    }
}
