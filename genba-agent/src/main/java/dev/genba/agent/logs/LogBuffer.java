package dev.genba.agent.logs;

import dev.genba.protocol.LogBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Log lines waiting to be shipped, in memory and bounded twice: by a number of lines
 * ({@code log_buffer_lines}) and by the heap the lines hold. Past either cap the oldest line goes
 * and is counted in {@code logs_dropped}. Only log lines are ever dropped this way, never scans.
 * A line read from the journal carries its journal cursor, so the shipper can remember how far
 * the server has the journal.
 */
public final class LogBuffer {
    /**
     * The heap the waiting lines may hold, as {@link #heapBytesOf} estimates it. The agent runs with
     * a 24 MB heap and uses 4-6 MB of it (docs/PERFORMANCE.md); without this cap 5000 lines of
     * 8192 Japanese characters would need 80 MB, and the JVM would exit and be restarted in a loop.
     * 4 MiB holds about 4000 short journal lines (their cursors are long) or 5000 of the agent's own,
     * and about 240 lines of the longest message.
     */
    public static final long MAX_HEAP_BYTES = 4L * 1024 * 1024;
    /**
     * What a line holds besides its text: its objects (this buffer's line, the entry, its Instant,
     * a journal line's context map) and the headers of its strings, ~600 bytes as measured with JOL.
     */
    static final int LINE_OVERHEAD_BYTES = 600;

    private record Line(long sequence, LogBatch.Entry entry, String journalCursor, long heapBytes) {
    }

    private final int maxLines;
    private final Deque<Line> lines = new ArrayDeque<>();
    private long heapBytes;
    private long nextSequence;
    private long dropped;
    /** The last line handed to the shipper by {@link #take} and not yet settled; -1 when none is. */
    private long takenThrough = -1;
    /** Lines the shipper has that were pushed out for space meanwhile: counted once their fate is known. */
    private int takenAndPushedOut;

    public LogBuffer(int maxLines) {
        this.maxLines = maxLines;
    }

    public void add(LogBatch.Entry entry) {
        add(entry, null);
    }

    public void add(LogBatch.Entry entry, String journalCursor) {
        long size = heapBytesOf(entry, journalCursor);
        synchronized (this) {
            lines.addLast(new Line(nextSequence++, entry, journalCursor, size));
            heapBytes += size;
            while (lines.size() > maxLines || heapBytes > MAX_HEAP_BYTES) {
                Line oldest = lines.removeFirst();
                heapBytes -= oldest.heapBytes();
                if (oldest.sequence() <= takenThrough) {
                    takenAndPushedOut++;
                } else {
                    dropped++;
                }
            }
        }
    }

    /**
     * What a line holds on the heap, from above: two bytes a character, as a Java string holds any
     * text that is not all Latin-1, plus {@link #LINE_OVERHEAD_BYTES}.
     */
    static long heapBytesOf(LogBatch.Entry entry, String journalCursor) {
        long characters = entry.message().length() + (journalCursor == null ? 0 : journalCursor.length());
        Map<String, Object> context = entry.context();
        if (context != null) {
            // only the values: the keys are the same few constants in every line
            for (Object value : context.values()) {
                characters += String.valueOf(value).length();
            }
        }
        return LINE_OVERHEAD_BYTES + 2 * characters;
    }

    /**
     * The oldest lines, up to {@code limit}, for the shipper, who passes them back to
     * {@link #settle} once it knows what became of them.
     */
    public Taken take(int limit) {
        return take(limit, Long.MAX_VALUE);
    }

    /** Where the lines added from now on begin: {@link #take(int, long)} with it leaves them out. */
    public synchronized long mark() {
        return nextSequence;
    }

    /** As {@link #take(int)}, only lines added before {@code before} (a {@link #mark}). */
    public synchronized Taken take(int limit, long before) {
        // Lines of an earlier take never settled (its shipping failed): now counted, as nobody will ship them.
        dropped += takenAndPushedOut;
        takenAndPushedOut = 0;
        List<Line> taken = new ArrayList<>(Math.min(limit, lines.size()));
        for (Line line : lines) {
            if (taken.size() == limit || line.sequence() >= before) {
                break;
            }
            taken.add(line);
        }
        takenThrough = taken.isEmpty() ? -1 : taken.get(taken.size() - 1).sequence();
        return new Taken(taken);
    }

    /**
     * Settles lines from {@link #take}: the first {@code handled} are done with (the server took them
     * or refused them for good), and {@code refused} of those are counted as dropped. The others wait
     * for the next batch, unless they were pushed out for space meanwhile: those are counted now.
     */
    public synchronized void settle(Taken taken, int handled, int refused) {
        int pushedOutUnsent = Math.max(0, takenAndPushedOut - handled);
        dropped += refused + pushedOutUnsent;
        takenAndPushedOut = 0;
        takenThrough = -1;
        if (handled > 0) {
            long last = taken.lines.get(handled - 1).sequence();
            while (!lines.isEmpty() && lines.peekFirst().sequence() <= last) {
                heapBytes -= lines.removeFirst().heapBytes();
            }
        }
    }

    /** Counts lines from elsewhere (the {@link LogInbox}) that the server refused for good as dropped. */
    public synchronized void countRefused(int refused) {
        dropped += refused;
    }

    public synchronized long dropped() {
        return dropped;
    }

    /** What the waiting lines hold on the heap, as {@link #heapBytesOf} estimates it. */
    public synchronized long heapBytes() {
        return heapBytes;
    }

    /** Lines handed to the shipper, oldest first. */
    public static final class Taken {
        private final List<Line> lines;

        private Taken(List<Line> lines) {
            this.lines = lines;
        }

        public List<LogBatch.Entry> entries() {
            return lines.stream().map(Line::entry).toList();
        }

        /** The cursor of the last journal line among the first {@code count}; null when none is one. */
        public String journalCursorOfFirst(int count) {
            for (int i = count - 1; i >= 0; i--) {
                if (lines.get(i).journalCursor() != null) {
                    return lines.get(i).journalCursor();
                }
            }
            return null;
        }
    }
}
