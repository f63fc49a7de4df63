package dev.genba.server.clients;

import dev.genba.protocol.DeviceNames;
import dev.genba.protocol.Json;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.auth.DeviceKeyStore;
import dev.genba.server.auth.Secrets;
import dev.genba.server.cli.CommonOptions;
import dev.genba.server.cli.GenbaCli;
import dev.genba.server.cli.OperatorSession;
import dev.genba.server.cli.Times;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genba clients add|list|revoke}: the devices allowed to send scans, status and logs. */
@Command(name = "clients", mixinStandardHelpOptions = true, description = "Register devices and manage their keys.",
        subcommands = {ClientsCommand.Add.class, ClientsCommand.ListClients.class, ClientsCommand.Revoke.class})
public final class ClientsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose add, list or revoke (see genba clients --help)");
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {
            "Register a device and print its key (shown only once).",
            "With --key-stdin, register it with the key it already has (one line on standard input), as on the Genba"
                    + " server that made the key: for a stand-in for the old server, or a server that replaces this one."})
    static final class Add implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME", description = "device name, e.g. HANDHELD-01")
        String name;

        @Option(names = "--key-stdin", description = "read the device's existing key (gk_...) from standard input instead of making one")
        boolean keyFromStdin;

        @Option(names = "--json", description = "print {\"client_id\", \"client_key\"} as JSON ({\"client_id\", \"key_hint\"} with --key-stdin)")
        boolean json;

        @Override
        public Integer call() throws IOException {
            if (!DeviceNames.isValid(name)) {
                System.err.println("genba: NAME must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit (like HANDHELD-01)");
                return GenbaCli.ERROR;
            }
            String given = null;
            if (keyFromStdin) {
                given = readKey();
                if (!Secrets.isWellFormed("gk_", given)) {
                    System.err.println("genba: the key on standard input is not a device key (gk_ and 43 letters, digits,"
                            + " '-' or '_', as genba clients add prints it); nothing changed");
                    return GenbaCli.ERROR;
                }
            }
            try (OperatorSession session = OperatorSession.open(common)) {
                String key;
                DeviceKeyStore store = new DeviceKeyStore(session.jdbi());
                try {
                    if (given == null) {
                        key = store.add(name);
                    } else {
                        store.register(name, given);
                        key = given;
                    }
                } catch (DeviceKeyStore.DeviceExistsException | DeviceKeyStore.KeyInUseException e) {
                    String reason = e instanceof DeviceKeyStore.DeviceExistsException ? "exists" : "key in use";
                    session.audit().record(AuditLog.cliActor(), "clients.add", name, "refused", Map.of("reason", reason));
                    System.err.println("genba: " + e.getMessage());
                    return GenbaCli.PROBLEM;
                }
                session.audit().record(AuditLog.cliActor(), "clients.add", name, "ok",
                        given == null ? Map.of() : Map.of("key", "given"));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("client_id", name);
                if (given != null) {
                    // The operator already has this key: it is not printed again (it would end up in a terminal's scrollback).
                    out.put("key_hint", Secrets.hint(key));
                    System.out.println(json ? Json.write(out)
                            : "Client " + name + " added with the key from standard input (" + Secrets.hint(key) + ").");
                } else if (json) {
                    out.put("client_key", key);
                    System.out.println(Json.write(out));
                } else {
                    System.out.println("Client " + name + " added.");
                    System.out.println("Key (shown only once; put it in the device's agent.json as client_key):");
                    System.out.println("  " + key);
                }
                return GenbaCli.OK;
            }
        }
    }

    /** One line of standard input; typed on a terminal, it is not echoed (a key must not stay on the screen). */
    private static String readKey() throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] typed = console.readPassword("Device key (not shown): ");
            return typed == null ? "" : new String(typed).strip();
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return line == null ? "" : line.strip();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices and whether their key is active.")
    static final class ListClients implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Option(names = "--json", description = "print a JSON array")
        boolean json;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                List<DeviceKeyStore.Device> devices = new DeviceKeyStore(session.jdbi()).list();
                var zone = session.config().server().timezone();
                if (json) {
                    System.out.println(Json.write(devices.stream().map(device -> {
                        Map<String, Object> out = new LinkedHashMap<>();
                        out.put("client_id", device.name());
                        out.put("status", device.active() ? "active" : "revoked");
                        out.put("key_hint", device.keyHint());
                        out.put("created_at", device.createdAt());
                        out.put("revoked_at", device.revokedAt());
                        return out;
                    }).toList()));
                    return GenbaCli.OK;
                }
                if (devices.isEmpty()) {
                    System.out.println("No clients yet. Add one with: genba clients add HANDHELD-01");
                    return GenbaCli.OK;
                }
                System.out.printf("%-24s %-8s %-10s %s%n", "NAME", "STATUS", "KEY", "CREATED");
                for (DeviceKeyStore.Device device : devices) {
                    System.out.printf("%-24s %-8s %-10s %s%n", device.name(), device.active() ? "active" : "revoked",
                            device.keyHint(), Times.local(device.createdAt(), zone));
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a device's key; it stops working at once.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                boolean revoked = new DeviceKeyStore(session.jdbi()).revoke(name);
                session.audit().record(AuditLog.cliActor(), "clients.revoke", name, revoked ? "ok" : "not_found", Map.of());
                if (!revoked) {
                    System.err.println("genba: no active client named " + name + " (see genba clients list)");
                    return GenbaCli.PROBLEM;
                }
                System.out.println("Client " + name + " revoked; its key stops working now.");
                return GenbaCli.OK;
            }
        }
    }
}
