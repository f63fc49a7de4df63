package dev.genba.agent.db;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code outbox.db.lock} beside the outbox. The commands ({@code scan}, {@code dead-letters retry},
 * {@code status}, ...) hold it shared while they have the outbox open, and a start of {@code run}
 * holds it exclusively while it moves a damaged outbox aside. Without it, a {@code genba-agent scan}
 * that opened outbox.db just before the move would commit into the file being set aside, possibly
 * after the copy into the new outbox had read it, and its scan would stay behind.
 *
 * <p>The lock is the kernel's (fcntl), so a process that dies releases it. Within one JVM the first
 * holder's lock serves every later one: closing a second channel on the same file would release the
 * first one's lock (fcntl locks belong to the process, not to the channel).
 */
public final class OutboxLock implements AutoCloseable {
    private static final Map<Path, Held> HELD = new HashMap<>();

    private static final class Held {
        final FileChannel channel;
        final boolean shared;
        int holders = 1;

        Held(FileChannel channel, boolean shared) {
            this.channel = channel;
            this.shared = shared;
        }
    }

    private final Path path;
    private boolean closed;

    private OutboxLock(Path path) {
        this.path = path;
    }

    /** For a command that opens the outbox; waits (saying so through {@code waiting}) while a start moves it aside. */
    public static OutboxLock shared(Path outboxFile, Consumer<String> waiting) {
        return take(outboxFile, true, waiting);
    }

    /** For setting a damaged outbox aside; waits (saying so through {@code waiting}) for commands that have it open. */
    static OutboxLock exclusive(Path outboxFile, Consumer<String> waiting) {
        return take(outboxFile, false, waiting);
    }

    static Path lockFile(Path outboxFile) {
        return outboxFile.toAbsolutePath().normalize().resolveSibling(outboxFile.getFileName() + ".lock");
    }

    private static OutboxLock take(Path outboxFile, boolean shared, Consumer<String> waiting) {
        Path path = lockFile(outboxFile);
        synchronized (HELD) {
            Held held = HELD.get(path);
            if (held != null) {
                if (held.shared && !shared) {
                    // one process both reading as a command and moving the files: a mistake in the code, not a wait
                    throw new IllegalStateException(path + " is held shared by this process; it cannot also move the outbox");
                }
                held.holders++;
                return new OutboxLock(path);
            }
            FileChannel channel = open(path, shared, waiting);
            if (channel == null) {
                // for a command, the state directory is missing or not ours: opening the outbox says why
                return new OutboxLock(null);
            }
            try {
                FileLock lock = channel.tryLock(0, Long.MAX_VALUE, shared);
                if (lock == null) {
                    waiting.accept(shared
                            ? "waiting: genba-agent is setting a damaged outbox aside (RUNBOOK 11.7)"
                            : "waiting for a genba-agent command that has the outbox open (" + path + ")"
                                    + holders(path));
                    channel.lock(0, Long.MAX_VALUE, shared);
                }
            } catch (IOException e) {
                closeQuietly(channel);
                throw new DatabaseException("could not lock " + path + ": " + e.getMessage(), e);
            }
            HELD.put(path, new Held(channel, shared));
            return new OutboxLock(path);
        }
    }

    /**
     * The processes holding {@code path}'s lock, from /proc/locks (Linux), so that the operator can
     * find one that hangs: ": pid 1234 (java ... status), ..." or nothing when it cannot tell.
     */
    static String holders(Path path) {
        try {
            String inode = String.valueOf(Files.getAttribute(path, "unix:ino"));
            long self = ProcessHandle.current().pid();
            Set<String> described = new LinkedHashSet<>();
            for (String line : Files.readAllLines(PROC_LOCKS)) {
                String[] fields = line.trim().split("\\s+");
                // "1: POSIX  ADVISORY  READ 1234 08:01:5678 0 EOF"; waiters have "->" after the number
                if (fields.length < 6 || fields[1].equals("->") || !fields[5].endsWith(":" + inode)) {
                    continue;
                }
                String pid = fields[4];
                if (!pid.equals(String.valueOf(self)) && !pid.equals("-1")) {
                    described.add("pid " + pid + commandOf(pid));
                }
            }
            return described.isEmpty() ? "" : ": " + String.join(", ", described)
                    + "; if one of them hangs, end it (sudo kill PID)";
        } catch (IOException | RuntimeException e) {
            return ""; // not Linux, or /proc not readable: the message says what is waited for without it
        }
    }

    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private static String commandOf(String pid) {
        try {
            String[] words = Files.readString(Path.of("/proc", pid, "cmdline")).split("\0");
            // "java <JVM options> -jar genba-agent.jar status ..." is shown from the jar (or main class) on
            int start = 1;
            while (start < words.length && words[start].startsWith("-") && !words[start].equals("-jar")) {
                boolean takesValue = words[start].equals("-cp") || words[start].equals("-classpath")
                        || words[start].equals("--class-path");
                start += takesValue ? 2 : 1;
            }
            if (start < words.length && words[start].equals("-jar")) {
                start++;
            }
            String shown = String.join(" ", java.util.Arrays.asList(words).subList(Math.min(start, words.length), words.length))
                    .strip();
            return shown.isEmpty() ? "" : " (" + (shown.length() > 160 ? shown.substring(0, 160) + "…" : shown) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static FileChannel open(Path path, boolean shared, Consumer<String> waiting) {
        try {
            return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException writable) {
            if (!shared) {
                // not worth a start that fails over and over: the race it guards against is narrow
                waiting.accept("could not open " + path + " to lock the outbox (" + writable.getMessage()
                        + "), so a genba-agent command could write into the outbox while it is set aside; give the"
                        + " file to the agent's user: sudo chown genba-agent: " + path);
                return null;
            }
            try {
                return FileChannel.open(path, StandardOpenOption.READ); // a shared lock needs only reading
            } catch (IOException e) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        if (path == null || closed) {
            return;
        }
        closed = true;
        synchronized (HELD) {
            Held held = HELD.get(path);
            if (held != null && --held.holders == 0) {
                HELD.remove(path);
                closeQuietly(held.channel); // releases the lock
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // the lock goes with the channel either way
        }
    }
}
