package dev.genba.agent.logs;

import dev.genba.protocol.LogBatch;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** Copies the agent's own warnings and errors into the {@link LogBuffer} for shipping. */
public final class AgentLogHandler extends Handler {
    private final LogBuffer buffer;

    public AgentLogHandler(LogBuffer buffer) {
        this.buffer = buffer;
        setLevel(Level.WARNING);
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String level = record.getLevel().intValue() >= Level.SEVERE.intValue() ? "error" : "warn";
        String message = record.getMessage();
        if (record.getThrown() != null) {
            message += " (" + record.getThrown() + ")";
        }
        String logger = record.getLoggerName() == null ? "agent" : record.getLoggerName();
        buffer.add(new LogBatch.Entry(level, LogText.clip(message), Map.of("source", "genba-agent", "logger", logger),
                Instant.ofEpochMilli(record.getMillis()), null));
    }

    @Override
    public void flush() {
        // lines are shipped by LogShipper on its own schedule
    }

    @Override
    public void close() {
        // nothing held
    }
}
