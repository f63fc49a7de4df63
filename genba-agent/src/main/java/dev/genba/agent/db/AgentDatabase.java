package dev.genba.agent.db;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.sqlite.SQLiteConfig;

/**
 * The agent's SQLite file ({@code state_dir/outbox.db}): one connection per process, shared by
 * the stores under a lock, because a sqlite-jdbc connection must not be used by two threads at once.
 */
public final class AgentDatabase implements AutoCloseable {
    private static final int BUSY_TIMEOUT_MS = 10_000;

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    /** True while the connection may not be at synchronous=FULL (a restore that failed is retried). */
    private boolean relaxed;
    private volatile Consumer<DatabaseException> whenDamaged = damage -> { };
    /** The first damage SQLite reported while in use (guarded by {@code lock}): no write is made after it. */
    private DatabaseException damageFound;
    /** A command's hold on outbox.db.lock, released at {@link #close}; null under {@code run}. */
    private OutboxLock commandLock;

    private AgentDatabase(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /**
     * For the commands ({@code scan}, {@code status}, {@code dead-letters ...}): {@link #open}, holding
     * {@link OutboxLock} shared until {@link #close}, so that a start of {@code run} does not move the
     * file aside while the command writes to it. {@code waiting} hears it when the command has to wait.
     */
    public static AgentDatabase openForCommand(Path file, Consumer<String> waiting) {
        createStateDirectory(file);
        OutboxLock held = OutboxLock.shared(file, waiting);
        try {
            Path unfinished = DamagedOutbox.interruptedMove(file.toAbsolutePath().getParent());
            if (unfinished != null) {
                throw new DatabaseException("setting the damaged outbox aside into " + unfinished + " was interrupted;"
                        + " start the agent to finish it (sudo systemctl restart genba-agent), then run this command"
                        + " again: opening outbox.db now could lose the scans in the outbox.db-wal beside it"
                        + " (RUNBOOK 11.7)", null);
            }
            AgentDatabase database = open(file);
            database.commandLock = held;
            return database;
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    public static AgentDatabase open(Path file) {
        createStateDirectory(file);
        SqliteLibrary.useCopyIn(file.toAbsolutePath().getParent());
        SQLiteConfig config = new SQLiteConfig();
        // WAL with synchronous=FULL: every commit is fsynced to the WAL before it returns, so an
        // acknowledged scan survives a power cut (NORMAL in WAL mode may lose the last commits).
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        // The `scan` command may write while `run` does: wait for the other writer instead of failing.
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        // IMMEDIATE takes the write lock at BEGIN, so two processes never deadlock upgrading a read lock.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.setCacheSize(-1024);
        Connection connection;
        try {
            connection = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        } catch (SQLException e) {
            throw cannotOpen(file, e);
        }
        AgentDatabase database = new AgentDatabase(file, connection);
        try {
            database.write(Schema::create);
            return database;
        } catch (DatabaseException e) {
            database.close();
            throw e.getCause() instanceof SQLException cause ? cannotOpen(file, cause) : e;
        }
    }

    private static void createStateDirectory(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (Exception e) {
            throw new DatabaseException("cannot create the state directory " + file.toAbsolutePath().getParent()
                    + " (" + e.getMessage() + "): create it and give the agent's user write access", e);
        }
    }

    /** A damaged file or a full disk says so; anything else is most often the wrong user or permissions. */
    private static DatabaseException cannotOpen(Path file, SQLException e) {
        DatabaseException known = DatabaseException.from(file, e);
        if (known.damaged() || known.diskProblem()) {
            return known;
        }
        return new DatabaseException("cannot open " + file.toAbsolutePath() + ": " + e.getMessage()
                + "; run the command as the agent's user (sudo -u genba-agent genba-agent ...)"
                + " or make the state directory writable for it", e);
    }

    public Path file() {
        return file;
    }

    /** Runs {@code work} in one transaction: committed (and fsynced) when it returns, rolled back when it throws. */
    public <T> T write(SqlWork<T> work) {
        lock.lock();
        try {
            refuseIfDamaged();
            if (relaxed) {
                synchronous("FULL");
            }
            return transaction(work);
        } catch (CommitFailed e) {
            throw failed(e.sql).whileCommitting();
        } catch (SQLException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A COMMIT that failed: SQLite may already have appended the whole transaction to the WAL when the
     * fsync after it failed, and then the next start finds it there. Neither committed nor surely not.
     */
    private static final class CommitFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient SQLException sql;

        CommitFailed(SQLException sql) {
            super(sql);
            this.sql = sql;
        }
    }

    /**
     * As {@link #write}, but the commit does not wait for fsync. Only for writes that are redone
     * when a power cut loses them: WAL keeps the file consistent and loses at most the newest
     * transactions, and the next fsynced commit makes these durable too. Delivery bookkeeping is
     * such a write: a delivered row that comes back is sent again and the server answers "duplicate".
     */
    public <T> T writeWithoutFsync(SqlWork<T> work) {
        lock.lock();
        try {
            refuseIfDamaged();
            relaxed = true;
            synchronous("NORMAL");
            try {
                return transaction(work);
            } finally {
                synchronous("FULL");
            }
        } catch (CommitFailed e) {
            throw failed(e.sql).whileCommitting();
        } catch (SQLException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called (on the thread that found it) each time SQLite reports the file damaged while in use;
     * the agent stops so that its next start sets the file aside (RUNBOOK 11.7).
     */
    public void whenDamaged(Consumer<DatabaseException> action) {
        this.whenDamaged = action;
    }

    private DatabaseException failed(SQLException e) {
        DatabaseException failure = DatabaseException.from(file, e);
        if (failure.damaged()) {
            if (damageFound == null) {
                damageFound = failure;
            }
            whenDamaged.accept(failure);
        }
        return failure;
    }

    /**
     * Once damage is found, nothing more is written to the file: a scan taken now would go into the
     * file the next start sets aside, where only what can still be read is copied from. Checked under
     * the lock that the finding took, so no write slips in between.
     */
    private void refuseIfDamaged() {
        if (damageFound != null) {
            throw new DatabaseException("the outbox " + file.toAbsolutePath() + " was found damaged ("
                    + damageFound.getCause().getMessage() + "), so nothing more is written to it; the agent sets it"
                    + " aside when it starts again, in a few seconds under systemd (RUNBOOK 11.7)", damageFound);
        }
    }

    private void synchronous(String mode) throws SQLException {
        try (Statement pragma = connection.createStatement()) {
            pragma.execute("PRAGMA synchronous = " + mode);
        }
        relaxed = !"FULL".equals(mode);
    }

    /**
     * BEGIN IMMEDIATE, the work, COMMIT. The commit is sqlite-jdbc's switch back to auto-commit, which
     * runs COMMIT alone ({@code Connection.commit()} would also begin the next transaction at once).
     */
    private <T> T transaction(SqlWork<T> work) throws SQLException {
        T result;
        try {
            // inside the try: sqlite-jdbc marks the connection as in a transaction before BEGIN runs,
            // so a BEGIN that fails (busy) must still be followed by the switch back
            connection.setAutoCommit(false);
            result = work.run(connection);
        } catch (Throwable e) {
            // an Error too (out of memory in the middle of a group): left open, the transaction would keep
            // the write lock and be committed by the next, unrelated write
            rollBackAfter(e);
            throw e;
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            rollBackAfter(e);
            throw new CommitFailed(e);
        }
        return result;
    }

    /**
     * Ends a failed transaction. A full disk or an I/O error may already have made SQLite roll it back
     * by itself, and then ROLLBACK fails too: the error that caused it is the one reported.
     */
    private void rollBackAfter(Throwable cause) {
        try {
            if (connection.getAutoCommit()) {
                // the COMMIT itself failed
                try (Statement rollback = connection.createStatement()) {
                    rollback.execute("ROLLBACK");
                }
            } else {
                connection.rollback();
            }
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    public <T> T read(SqlWork<T> work) {
        lock.lock();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw failed(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA optimize");
        } catch (SQLException e) {
            // closing anyway; the next open checks the file
        } finally {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing left to do with a connection that does not close
            }
            if (commandLock != null) {
                commandLock.close();
            }
            lock.unlock();
        }
    }

    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
