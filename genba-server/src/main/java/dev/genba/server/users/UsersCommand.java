package dev.genba.server.users;

import dev.genba.protocol.DeviceNames;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.cli.CommonOptions;
import dev.genba.server.cli.GenbaCli;
import dev.genba.server.cli.OperatorSession;
import dev.genba.server.cli.Times;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genba users add|list|set-password|remove}: who may log in to the admin pages. */
@Command(name = "users", mixinStandardHelpOptions = true, description = "People who log in to the admin web pages.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.SetPassword.class,
                UsersCommand.Remove.class})
public final class UsersCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose add, list, set-password or remove");
    }

    /** The password from the terminal (asked twice, not echoed) or one line of standard input. */
    static char[] readPassword(boolean fromStdin) throws IOException {
        char[] password;
        if (fromStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        } else {
            Console console = System.console();
            if (console == null) {
                throw new IllegalStateException("no terminal to ask for the password; pipe it in with --stdin");
            }
            password = console.readPassword("New password: ");
            char[] again = console.readPassword("Repeat it: ");
            if (password == null || again == null || !Arrays.equals(password, again)) {
                throw new IllegalStateException("the two passwords differ; nothing changed");
            }
        }
        if (password.length < Passwords.MIN_LENGTH) {
            throw new IllegalStateException("the password must have at least " + Passwords.MIN_LENGTH + " characters; nothing changed");
        }
        return password;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a user; give the password now with --stdin, or later with set-password.")
    static final class Add implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--role", required = true, description = "admin (may act) or viewer (sees everything, changes nothing)")
        String role;

        @Option(names = "--stdin", description = "read the password from standard input (one line)")
        boolean stdin;

        @Override
        public Integer call() throws IOException {
            if (!DeviceNames.isValid(name)) {
                System.err.println("genba: NAME must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit");
                return GenbaCli.ERROR;
            }
            UserStore.Role parsed;
            try {
                parsed = UserStore.Role.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("genba: --role must be admin or viewer, got " + role);
                return GenbaCli.ERROR;
            }
            String hash = stdin ? Passwords.hash(readPassword(true)) : null;
            try (OperatorSession session = OperatorSession.open(common)) {
                if (!new UserStore(session.jdbi()).add(name, parsed, hash)) {
                    System.err.println("genba: user " + name + " already exists (change its password with genba users set-password "
                            + name + ")");
                    return GenbaCli.PROBLEM;
                }
                session.audit().record(AuditLog.cliActor(), "users.add", name, "ok", Map.of("role", role.toLowerCase(Locale.ROOT)));
                System.out.println("User " + name + " (" + role.toLowerCase(Locale.ROOT) + ") added."
                        + (hash == null ? " Set a password with: genba users set-password " + name : ""));
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "set-password", mixinStandardHelpOptions = true, description = "Set a user's password (asked on the terminal, or --stdin).")
    static final class SetPassword implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--stdin", description = "read the password from standard input (one line)")
        boolean stdin;

        @Override
        public Integer call() throws IOException {
            String hash = Passwords.hash(readPassword(stdin));
            try (OperatorSession session = OperatorSession.open(common)) {
                if (!new UserStore(session.jdbi()).setPassword(name, hash)) {
                    System.err.println("genba: no user named " + name + " (see genba users list)");
                    return GenbaCli.PROBLEM;
                }
                session.audit().record(AuditLog.cliActor(), "users.set_password", name, "ok", Map.of());
                System.out.println("Password of " + name + " changed.");
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users and their roles.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                var zone = session.config().server().timezone();
                System.out.printf("%-24s %-7s %-9s %s%n", "NAME", "ROLE", "PASSWORD", "CREATED");
                for (UserStore.User user : new UserStore(session.jdbi()).list()) {
                    System.out.printf("%-24s %-7s %-9s %s%n", user.name(), user.role().name().toLowerCase(Locale.ROOT),
                            user.hasPassword() ? "set" : "not set", Times.local(user.createdAt(), zone));
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                boolean removed = new UserStore(session.jdbi()).remove(name);
                session.audit().record(AuditLog.cliActor(), "users.remove", name, removed ? "ok" : "not_found", Map.of());
                if (!removed) {
                    System.err.println("genba: no user named " + name);
                    return GenbaCli.PROBLEM;
                }
                System.out.println("User " + name + " removed.");
                return GenbaCli.OK;
            }
        }
    }
}
