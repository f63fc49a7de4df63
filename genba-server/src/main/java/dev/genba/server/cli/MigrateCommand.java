package dev.genba.server.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code genba migrate}: bring the database schema up to date (the server also does this at start). */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Apply database migrations and report the schema state.")
public final class MigrateCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        try (OperatorSession session = OperatorSession.open(common)) {
            int applied = session.migrationsApplied();
            session.audit().record(dev.genba.server.audit.AuditLog.cliActor(), "migrate", "database", "ok",
                    Map.of("applied", applied));
            System.out.println(applied == 0 ? "Database schema is up to date (nothing to apply)."
                    : "Applied " + applied + " migration(s); database schema is up to date.");
            return GenbaCli.OK;
        }
    }
}
