package dev.genba.server.db;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code state/server.lock}: held by the running server for its whole life, so operator
 * commands know whether a server is writing to this data directory (and must be asked to do
 * things such as rotating its logs) or not. The operating system releases it if the server dies.
 */
public final class ServerLock implements AutoCloseable {
    private final RandomAccessFile file;
    private final FileLock lock;

    private ServerLock(RandomAccessFile file, FileLock lock) {
        this.file = file;
        this.lock = lock;
    }

    public static ServerLock acquire(Path stateDir) {
        try {
            Files.createDirectories(stateDir);
            RandomAccessFile file = new RandomAccessFile(stateDir.resolve("server.lock").toFile(), "rw");
            FileLock lock;
            try {
                lock = file.getChannel().tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                file.close();
                throw new IllegalStateException("another Genba server is already running with the data directory "
                        + stateDir.getParent() + "; stop it first (systemctl stop genba-server)");
            }
            return new ServerLock(file, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock " + stateDir.resolve("server.lock") + ": " + e.getMessage(), e);
        }
    }

    /** True when a server process holds the lock of this data directory right now. */
    public static boolean isHeld(Path stateDir) {
        Path path = stateDir.resolve("server.lock");
        if (!Files.exists(path)) {
            return false;
        }
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
             FileChannel channel = file.getChannel();
             FileLock lock = channel.tryLock()) {
            return lock == null;
        } catch (IOException | OverlappingFileLockException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            file.close();
        } catch (IOException e) {
            // the process is ending; the OS releases the lock anyway
        }
    }
}
