package dev.genba.agent.logs;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Hands what sqlite-jdbc logs through java.util.logging to {@link AgentLog}, so its warnings look
 * like the agent's own and are shipped with them. Only this handler is installed: java.util.logging's
 * console handler and formatter are never loaded.
 */
final class JulBridge extends Handler {
    private JulBridge() {
    }

    static void install(AgentLog.Level threshold) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(threshold == AgentLog.Level.INFO ? Level.INFO
                : threshold == AgentLog.Level.WARN ? Level.WARNING : Level.SEVERE);
        root.addHandler(new JulBridge());
    }

    @Override
    public void publish(LogRecord record) {
        int level = record.getLevel().intValue();
        if (level < Level.INFO.intValue()) {
            return;
        }
        AgentLog.Level mapped = level >= Level.SEVERE.intValue() ? AgentLog.Level.ERROR
                : level >= Level.WARNING.intValue() ? AgentLog.Level.WARN : AgentLog.Level.INFO;
        String logger = record.getLoggerName() == null ? "java.util.logging" : record.getLoggerName();
        AgentLog.named(logger).log(mapped, String.valueOf(record.getMessage()), record.getThrown());
    }

    @Override
    public void flush() {
        // AgentLog prints each line as it comes
    }

    @Override
    public void close() {
        // nothing held
    }
}
