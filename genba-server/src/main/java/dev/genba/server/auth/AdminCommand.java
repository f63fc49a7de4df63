package dev.genba.server.auth;

import dev.genba.protocol.Json;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.cli.CommonOptions;
import dev.genba.server.cli.GenbaCli;
import dev.genba.server.cli.OperatorSession;
import dev.genba.server.cli.Times;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genba admin token create|list|revoke}: bearer tokens for the admin API. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Admin API credentials.",
        subcommands = {AdminCommand.TokenCommand.class})
public final class AdminCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: genba admin token --help");
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Create, list or revoke admin API tokens.",
            subcommands = {Create.class, ListTokens.class, Revoke.class})
    static final class TokenCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "choose create, list or revoke");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a token for Authorization: Bearer (shown only once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Option(names = "--name", defaultValue = "admin", description = "a label to recognise the token by (default: admin)")
        String name;

        @Option(names = "--json", description = "print {\"id\", \"name\", \"token\"} as JSON")
        boolean json;

        @Override
        public Integer call() {
            if (name.isBlank() || name.length() > 64) {
                System.err.println("genba: --name must be 1-64 characters");
                return GenbaCli.ERROR;
            }
            try (OperatorSession session = OperatorSession.open(common)) {
                AdminTokenStore.Created created = new AdminTokenStore(session.jdbi()).create(name);
                session.audit().record(AuditLog.cliActor(), "admin.token.create", name, "ok", Map.of("id", created.id()));
                if (json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("id", created.id());
                    out.put("name", name);
                    out.put("token", created.token());
                    System.out.println(Json.write(out));
                } else {
                    System.out.println("Admin token " + created.id() + " (" + name + ") created. Shown only once:");
                    System.out.println("  " + created.token());
                    System.out.println("Use it as: curl -H 'Authorization: Bearer " + created.token() + "' ...");
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List admin tokens (never their values).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                var zone = session.config().server().timezone();
                System.out.printf("%-5s %-20s %-8s %-10s %s%n", "ID", "NAME", "STATUS", "TOKEN", "CREATED");
                for (AdminTokenStore.Token token : new AdminTokenStore(session.jdbi()).list()) {
                    System.out.printf("%-5d %-20s %-8s %-10s %s%n", token.id(), token.name(),
                            token.revokedAt() == null ? "active" : "revoked", token.hint(), Times.local(token.createdAt(), zone));
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke an admin token by its id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "ID")
        long id;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                boolean revoked = new AdminTokenStore(session.jdbi()).revoke(id);
                session.audit().record(AuditLog.cliActor(), "admin.token.revoke", Long.toString(id),
                        revoked ? "ok" : "not_found", Map.of());
                if (!revoked) {
                    System.err.println("genba: no active admin token with id " + id + " (see genba admin token list)");
                    return GenbaCli.PROBLEM;
                }
                System.out.println("Admin token " + id + " revoked.");
                return GenbaCli.OK;
            }
        }
    }
}
