package dev.genba.server.cli;

import dev.genba.server.audit.AuditLog;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import dev.genba.server.db.EmbeddedDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * What an operator command needs: the configuration, the database and the audit log. With the
 * embedded database it attaches to the running server's PostgreSQL, or starts PostgreSQL for
 * the length of the command when no server is running.
 */
public final class OperatorSession implements AutoCloseable {
    private final GenbaConfig config;
    private final EmbeddedDatabase ownEmbedded;
    private final Database database;
    private final DbTarget target;
    private final AuditLog audit;
    private final int migrationsApplied;

    private OperatorSession(GenbaConfig config, EmbeddedDatabase ownEmbedded, Database database, DbTarget target,
                            int migrationsApplied) {
        this.config = config;
        this.target = target;
        this.migrationsApplied = migrationsApplied;
        this.ownEmbedded = ownEmbedded;
        this.database = database;
        this.audit = new AuditLog(config.logsDir().resolve("audit.jsonl"), Clock.systemUTC());
    }

    public static OperatorSession open(CommonOptions options) {
        GenbaConfig config = options.load(null);
        EmbeddedDatabase started = null;
        DbTarget target = config.db().target();
        if (config.db().embedded()) {
            Optional<DbTarget> running = EmbeddedDatabase.attachToRunning(config.embeddedPgDir());
            if (running.isPresent()) {
                target = running.get();
            } else {
                started = EmbeddedDatabase.start(config.embeddedPgDir(), 0, config.db().sharedBuffersMb(),
                        config.logsDir().resolve("postgresql.log"), Duration.ofSeconds(30));
                target = started.target();
            }
        }
        Database database = null;
        try {
            database = Database.connect(target, 2, "genba-cli", null);
            database.checkReachable(target);
            int applied = database.migrate();
            return new OperatorSession(config, started, database, target, applied);
        } catch (RuntimeException e) {
            if (database != null) {
                database.close();
            }
            if (started != null) {
                started.close();
            }
            throw e;
        }
    }

    public GenbaConfig config() {
        return config;
    }

    public Jdbi jdbi() {
        return database.jdbi();
    }

    public Database database() {
        return database;
    }

    /** Where Genba's own database is (the embedded one included). */
    public DbTarget target() {
        return target;
    }

    /** Migrations this session had to apply (the schema is always current once open). */
    public int migrationsApplied() {
        return migrationsApplied;
    }

    public AuditLog audit() {
        return audit;
    }

    @Override
    public void close() {
        database.close();
        if (ownEmbedded != null) {
            ownEmbedded.close();
        }
    }
}
