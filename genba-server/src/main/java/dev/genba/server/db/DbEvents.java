package dev.genba.server.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL LISTEN/NOTIFY for the running server: operator commands are separate processes,
 * so they tell the server about changes (a revoked key, a log rotation) through the database.
 * One connection listens on every registered channel and calls the channel's handlers;
 * handlers are also told when the connection was (re)established, since notifications sent
 * while it was down are lost.
 */
public final class DbEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DbEvents.class);

    /** Called on a notification, and with {@code payload == null} after every (re)connect. */
    public interface Handler {
        void handle(String payload);
    }

    private final DbTarget target;
    private final Map<String, List<Handler>> handlers = new ConcurrentHashMap<>();
    private final Thread listener;
    private volatile boolean listening;
    private volatile boolean closed;

    public DbEvents(DbTarget target) {
        this.target = target;
        this.listener = new Thread(this::listen, "db-events");
        listener.setDaemon(true);
    }

    /** Registers a handler; call before {@link #start()}. */
    public DbEvents on(String channel, Handler handler) {
        handlers.computeIfAbsent(channel, name -> new CopyOnWriteArrayList<>()).add(handler);
        return this;
    }

    public DbEvents start() {
        listener.start();
        return this;
    }

    /** True while notifications are being received; until then, nothing may rely on them. */
    public boolean listening() {
        return listening;
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
            properties.setProperty("ApplicationName", "genba-events");
            properties.setProperty("tcpKeepAlive", "true");
            try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties)) {
                try (Statement statement = connection.createStatement()) {
                    for (String channel : handlers.keySet()) {
                        statement.execute("listen " + channel);
                    }
                }
                listening = true;
                handlers.forEach((channel, list) -> list.forEach(handler -> dispatch(channel, handler, null)));
                PGConnection notifications = connection.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] received = notifications.getNotifications(2000);
                    if (received != null) {
                        for (PGNotification notification : received) {
                            handlers.getOrDefault(notification.getName(), List.of())
                                    .forEach(handler -> dispatch(notification.getName(), handler, notification.getParameter()));
                        }
                    }
                    if (!connection.isValid(2)) {
                        throw new SQLException("event connection lost");
                    }
                }
            } catch (SQLException e) {
                if (!closed) {
                    log.debug("database event listener disconnected ({}); reconnecting", e.getMessage());
                }
            } finally {
                listening = false;
                if (!closed) {
                    handlers.forEach((channel, list) -> list.forEach(handler -> dispatch(channel, handler, null)));
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void dispatch(String channel, Handler handler, String payload) {
        try {
            handler.handle(payload);
        } catch (RuntimeException e) {
            log.warn("handler for database event {} failed: {}", channel, e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
    }
}
