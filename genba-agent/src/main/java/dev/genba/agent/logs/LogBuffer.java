package dev.genba.agent.logs;

import dev.genba.protocol.LogBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Log lines waiting to be shipped, in memory and bounded: past the cap the oldest line goes and
 * is counted in {@code logs_dropped}. Only log lines are ever dropped this way, never scans.
 * A line read from the journal carries its journal cursor, so the shipper can remember how far
 * the server has the journal.
 */
public final class LogBuffer {
    private record Line(long sequence, LogBatch.Entry entry, String journalCursor) {
    }

    private final int capacity;
    private final Deque<Line> lines = new ArrayDeque<>();
    private long nextSequence;
    private long dropped;

    public LogBuffer(int capacity) {
        this.capacity = capacity;
    }

    public void add(LogBatch.Entry entry) {
        add(entry, null);
    }

    public synchronized void add(LogBatch.Entry entry, String journalCursor) {
        if (lines.size() >= capacity) {
            lines.removeFirst();
            dropped++;
        }
        lines.addLast(new Line(nextSequence++, entry, journalCursor));
    }

    /** The oldest lines, up to {@code limit}, and the sequence to pass to {@link #removeThrough}. */
    public synchronized Taken take(int limit) {
        List<LogBatch.Entry> entries = new ArrayList<>(Math.min(limit, lines.size()));
        long last = -1;
        String journalCursor = null;
        for (Line line : lines) {
            if (entries.size() == limit) {
                break;
            }
            entries.add(line.entry());
            last = line.sequence();
            if (line.journalCursor() != null) {
                journalCursor = line.journalCursor();
            }
        }
        return new Taken(entries, last, journalCursor);
    }

    /** {@code journalCursor}: the cursor of the last journal line taken, null when none was. */
    public record Taken(List<LogBatch.Entry> entries, long lastSequence, String journalCursor) {
    }

    /** Removes lines up to a sequence; lines dropped meanwhile for space are already gone. */
    public synchronized void removeThrough(long sequence) {
        while (!lines.isEmpty() && lines.peekFirst().sequence() <= sequence) {
            lines.removeFirst();
        }
    }

    public synchronized long dropped() {
        return dropped;
    }
}
