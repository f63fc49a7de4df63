package dev.genba.server.auth;

import dev.genba.server.db.DbTarget;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers which key hash belongs to which device or admin so a scan does not pay a database
 * lookup for its credentials. Revocations run in other processes (the {@code genba} CLI), so
 * the cache is only trusted while it is listening on PostgreSQL's {@code genba_credentials}
 * channel; every change to a credential NOTIFYs it in the same transaction.
 */
public final class CredentialCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CredentialCache.class);
    private static final String CHANNEL = "genba_credentials";
    private static final int MAX_ENTRIES = 50_000;

    private final DbTarget target;
    private final ConcurrentHashMap<ByteBuffer, String> entries = new ConcurrentHashMap<>();
    /** Bumped on every invalidation; a lookup that raced with one is not cached. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;
    private volatile boolean closed;
    private final Thread listener;

    public CredentialCache(DbTarget target) {
        this.target = target;
        this.listener = new Thread(this::listen, "credential-listener");
        listener.setDaemon(true);
        listener.start();
    }

    /** Called inside a transaction that changed a credential: the NOTIFY is delivered on commit. */
    static void announceChange(Handle handle) {
        handle.execute("select pg_notify('" + CHANNEL + "', 'changed')");
    }

    /** {@code kind} keeps device keys and admin tokens apart: one never answers for the other. */
    Optional<String> lookup(char kind, byte[] hash, Function<byte[], Optional<String>> database) {
        ByteBuffer key = ByteBuffer.allocate(hash.length + 1).put((byte) kind).put(hash).flip();
        if (listening) {
            String cached = entries.get(key);
            if (cached != null) {
                return Optional.of(cached);
            }
        }
        long before = generation.get();
        Optional<String> found = database.apply(hash);
        if (found.isPresent() && listening && entries.size() < MAX_ENTRIES) {
            entries.put(key, found.get());
            if (generation.get() != before || !listening) {
                entries.remove(key);
            }
        }
        return found;
    }

    private void invalidate() {
        generation.incrementAndGet();
        entries.clear();
    }

    private void listen() {
        while (!closed) {
            Properties properties = new Properties();
            if (target.user() != null) {
                properties.setProperty("user", target.user());
            }
            if (target.password() != null) {
                properties.setProperty("password", target.password());
            }
            properties.setProperty("ApplicationName", "genba-credential-listener");
            properties.setProperty("tcpKeepAlive", "true");
            try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("listen " + CHANNEL);
                }
                invalidate();
                listening = true;
                PGConnection notifications = connection.unwrap(PGConnection.class);
                while (!closed) {
                    var received = notifications.getNotifications(2000);
                    if (received != null && received.length > 0) {
                        invalidate();
                    }
                    if (!connection.isValid(2)) {
                        throw new SQLException("listener connection lost");
                    }
                }
            } catch (SQLException e) {
                if (!closed) {
                    log.debug("credential listener disconnected ({}); checking the database for every request meanwhile",
                            e.getMessage());
                }
            } finally {
                listening = false;
                invalidate();
            }
            sleepQuietly(1000);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
    }
}
