package dev.genba.server.agentconfig;

import dev.genba.protocol.AgentConfig;
import dev.genba.protocol.AgentSetting;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.auth.DeviceKeyStore;
import dev.genba.server.cli.CommonOptions;
import dev.genba.server.cli.GenbaCli;
import dev.genba.server.cli.OperatorSession;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genba agent-config show|set|unset}: the configuration agents fetch from the server. */
@Command(name = "agent-config", mixinStandardHelpOptions = true,
        description = "Show or change the configuration agents receive (fleet-wide or for one client).",
        subcommands = {AgentConfigCommand.Show.class, AgentConfigCommand.Set.class, AgentConfigCommand.Unset.class})
public final class AgentConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose show, set or unset (see genba agent-config --help)");
    }

    /** The scope to change: one client, or the whole fleet. */
    static final class Target {
        @Option(names = "--client", paramLabel = "NAME", description = "only this client (default: the whole fleet)")
        String client;

        String scope() {
            return client == null ? AgentConfigStore.FLEET : client;
        }

        String describe() {
            return client == null ? "the fleet" : client;
        }

        /** A client-specific value for a client that does not exist would never be fetched. */
        boolean exists(OperatorSession session) {
            return client == null || new DeviceKeyStore(session.jdbi()).list().stream()
                    .anyMatch(device -> device.name().equals(client));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show the effective configuration and where each value comes from.")
    static final class Show implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @CommandLine.ArgGroup(exclusive = false)
        Target target = new Target();

        @Option(names = "--json", description = "print exactly what the agent receives")
        boolean json;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                if (!target.exists(session)) {
                    System.err.println("genba: no client named " + target.client + " (see genba clients list)");
                    return GenbaCli.ERROR;
                }
                AgentConfigStore store = new AgentConfigStore(session.jdbi());
                AgentConfig config = store.effective(target.scope());
                if (json) {
                    System.out.println(Json.write(config.toJson()));
                    return GenbaCli.OK;
                }
                Map<String, Object> fleet = store.explicit(AgentConfigStore.FLEET);
                Map<String, Object> own = target.client == null ? Map.of() : store.explicit(target.client);
                System.out.println("Agent configuration for " + target.describe() + " (config version " + config.version() + ")");
                for (AgentSetting setting : AgentSetting.ALL) {
                    Object value = config.values().get(setting.key());
                    String source = own.containsKey(setting.key()) ? target.client
                            : fleet.containsKey(setting.key()) ? "fleet" : "default";
                    String shown = value == null ? "(none)" : String.valueOf(value);
                    if (value == null && setting.key().equals("primary_endpoint")) {
                        shown = "(this server)";
                    }
                    System.out.printf("  %-24s %-48s [%s]%n", setting.key(), shown, source);
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Set KEY to VALUE; agents apply it within one poll.")
    static final class Set implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @CommandLine.ArgGroup(exclusive = false)
        Target target = new Target();

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call() {
            AgentSetting setting = AgentSetting.find(key).orElse(null);
            if (setting == null) {
                System.err.println("genba: unknown key " + key + "; known keys: " + AgentSetting.knownKeys());
                return GenbaCli.ERROR;
            }
            Object parsed;
            try {
                parsed = setting.parse(value);
            } catch (ProtocolException e) {
                System.err.println("genba: " + e.getMessage());
                return GenbaCli.ERROR;
            }
            try (OperatorSession session = OperatorSession.open(common)) {
                if (!target.exists(session)) {
                    System.err.println("genba: no client named " + target.client + " (see genba clients list)");
                    return GenbaCli.ERROR;
                }
                AgentConfigStore store = new AgentConfigStore(session.jdbi());
                boolean changed = store.set(target.scope(), key, parsed);
                long version = store.effective(target.scope()).version();
                session.audit().record(AuditLog.cliActor(), "agent_config.set", target.describe(), changed ? "ok" : "unchanged",
                        java.util.Collections.singletonMap(key, parsed));
                System.out.println(changed
                        ? key + " = " + parsed + " for " + target.describe() + " (config version " + version
                                + "); agents apply it at their next poll."
                        : key + " was already " + parsed + " for " + target.describe() + "; nothing changed.");
                warnMirrorWithoutEndpoint(store, target);
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "unset", mixinStandardHelpOptions = true, description = "Remove KEY from the fleet or a client; the fleet value or default applies again.")
    static final class Unset implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @CommandLine.ArgGroup(exclusive = false)
        Target target = new Target();

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        public Integer call() {
            if (AgentSetting.find(key).isEmpty()) {
                System.err.println("genba: unknown key " + key + "; known keys: " + AgentSetting.knownKeys());
                return GenbaCli.ERROR;
            }
            try (OperatorSession session = OperatorSession.open(common)) {
                boolean changed = new AgentConfigStore(session.jdbi()).unset(target.scope(), key);
                session.audit().record(AuditLog.cliActor(), "agent_config.unset", target.describe(),
                        changed ? "ok" : "unchanged", Map.of("key", key));
                AgentConfigStore store = new AgentConfigStore(session.jdbi());
                System.out.println(changed ? key + " removed for " + target.describe() + "."
                        : key + " was not set for " + target.describe() + "; nothing changed.");
                warnMirrorWithoutEndpoint(store, target);
                return GenbaCli.OK;
            }
        }
    }

    /** Mirror mode on with no mirror endpoint: agents keep each scan's mirror copy until an endpoint is set. */
    private static void warnMirrorWithoutEndpoint(AgentConfigStore store, Target target) {
        Map<String, Object> values = store.effective(target.scope()).values();
        if (Boolean.TRUE.equals(values.get("mirror_mode")) && values.get("mirror_endpoint") == null) {
            System.out.println("Note: mirror_mode is on but no mirror_endpoint is set for " + target.describe()
                    + ": agents mirror no new scan until one is set, and keep the copies already queued"
                    + " (genba agent-config set mirror_endpoint URL).");
        }
    }
}
