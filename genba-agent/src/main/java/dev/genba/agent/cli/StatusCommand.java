package dev.genba.agent.cli;

import dev.genba.agent.AgentVersion;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.AgentSettings;
import dev.genba.agent.config.ConfigStore;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.DamagedOutbox;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.DeadLetterStore;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.DestinationStats;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.status.StatusBacklog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show destinations, pending scans and the oldest one's age, dead letters, last success,"
                + " configuration version, whether the server answers and whether the agent runs (its intake listens)."
                + " Exit 1 when something needs attention.")
final class StatusCommand implements Callable<Integer> {
    private static final int NEWEST_DEAD_LETTERS = 5;

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print the facts as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        AgentFileConfig file = config.load();
        LiveSettings live = new LiveSettings(file, new ConfigStore(file.serverConfigFile()).load());
        AgentSettings settings = live.current();
        List<DestinationStats> stats;
        Map<Destination, List<DeadLetter>> newestDeadLetters = new EnumMap<>(Destination.class);
        long reportsWaiting;
        // outbox.db is open only while it is read: the server probe can take 2 s, and a starting agent may be waiting
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(),
                spec.commandLine().getErr()::println)) {
            stats = new ArrayList<>(new OutboxStore(database, file.outboxMaxRows()).stats().values());
            DeadLetterStore deadLetters = new DeadLetterStore(database, file.outboxMaxRows());
            for (Destination destination : Destination.values()) {
                newestDeadLetters.put(destination, deadLetters.newest(destination, NEWEST_DEAD_LETTERS));
            }
            reportsWaiting = new StatusBacklog(database, StatusBacklog.MAX_REPORTS).size();
        }
        ServerProbe probe = ServerProbe.check(new AgentHttp(file.clientKey(), AgentVersion.current()), file.serverUrl());
        AgentStatus status = new AgentStatus(file, settings, live.serverConfig().isPresent(), stats, newestDeadLetters,
                reportsWaiting, probe, IntakeProbe.check(file.intakePort()), DamagedOutbox.setAside(file.stateDir()),
                freeBytes(file.stateDir()), Clock.systemUTC().instant());
        if (json) {
            spec.commandLine().getOut().println(status.toJson());
        } else {
            spec.commandLine().getOut().print(status.toText());
        }
        return status.needsAttention() ? ExitCodes.PROBLEM : ExitCodes.OK;
    }

    private static long freeBytes(Path directory) {
        try {
            return Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }
}
