package dev.genba.agent.db;

import dev.genba.agent.logs.AgentLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code state_dir/space.reserve}: 1 MiB kept beside the outbox so that {@code run} can open it on
 * a full disk. A clean stop closes outbox.db and SQLite removes its -wal and -shm; opening it again
 * needs room for a new -shm, so on a full disk every start failed and systemd started the agent
 * again every 5 s, the scans it had acknowledged undelivered until space was freed. Freeing the
 * reserve gives that room; a start with plenty of room makes it again.
 */
public final class SpaceReserve {
    private static final AgentLog LOG = AgentLog.of(SpaceReserve.class);
    static final String NAME = "space.reserve";
    static final int SIZE = 1024 * 1024;
    /** Made only with this much free, so that making it never fills the disk. */
    static final long ROOM_NEEDED = 4L * SIZE;
    /** How often a running agent makes it again once room came back (a start used it up on a full disk). */
    public static final long CHECK_INTERVAL_MS = 600_000;

    /** Whether the last try to make it failed, so that a repeated failure is logged once. */
    private static volatile boolean failing;

    private SpaceReserve() {
    }

    /** {@link AgentDatabase#open}; when the disk has no room for it, frees the reserve and opens again. */
    static AgentDatabase open(Path file) {
        try {
            return AgentDatabase.open(file);
        } catch (DatabaseException e) {
            Path reserve = reserve(file);
            if (!e.diskProblem() || !release(reserve)) {
                throw e;
            }
            LOG.error("the disk holding " + file.toAbsolutePath().getParent() + " is full: freed the "
                    + SIZE / 1024 + " KiB kept in " + reserve + " to open the outbox; the scans it holds are"
                    + " delivered, new ones are refused until space is freed there (RUNBOOK 11.5)");
            return AgentDatabase.open(file);
        }
    }

    /**
     * Makes the reserve (again) when it is missing or short and the disk has room to spare; never fails.
     * At a start, and every {@link #CHECK_INTERVAL_MS} while running: a start on a full disk used it up,
     * and the next start on a full disk (an upgrade, a reboot, weeks later) needs it again.
     */
    public static void keep(Path file) {
        Path reserve = reserve(file);
        try {
            long size = Files.exists(reserve) ? Files.size(reserve) : 0;
            if (size >= SIZE || Files.getFileStore(file.toAbsolutePath().getParent()).getUsableSpace() < ROOM_NEEDED) {
                return;
            }
            // zeros written, not a sparse file: the point is the blocks they take
            try (FileChannel channel = FileChannel.open(reserve, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
                for (long at = size; at < SIZE; at += zeros.limit()) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), SIZE - at));
                    channel.write(zeros, at);
                }
            }
            failing = false;
        } catch (IOException e) {
            if (failing) {
                return;
            }
            failing = true;
            LOG.warn("could not keep " + SIZE / 1024 + " KiB in reserve in " + reserve + " (" + e.getMessage()
                    + "): a start on a full disk may fail until space is freed there");
        }
    }

    private static boolean release(Path reserve) {
        try {
            return Files.deleteIfExists(reserve);
        } catch (IOException e) {
            return false;
        }
    }

    private static Path reserve(Path file) {
        return file.toAbsolutePath().resolveSibling(NAME);
    }
}
