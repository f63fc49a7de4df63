package dev.genba.agent.cli;

import dev.genba.agent.GenbaAgent;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.ConfigStore;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.intake.ScanIntake;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxFullException;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.protocol.ProtocolException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "scan", mixinStandardHelpOptions = true,
        description = "Put one scan into the outbox (works whether or not `genba-agent run` is running;"
                + " the running agent delivers it within seconds).")
final class ScanCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--tag", required = true, description = "tag_id of the part")
    String tag;

    @Option(names = "--location", required = true, description = "where the part is now, like SHELF-03")
    String location;

    @Option(names = "--order", description = "order_id (default: empty)")
    String order;

    @Option(names = "--station", description = "station, like A")
    String station;

    @Option(names = "--lot", description = "lot, like LOT-123")
    String lot;

    @Option(names = "--scan-id", paramLabel = "UUID", description = "the scan's own id (default: a new one); sending"
            + " a scan again with the same id stores it once, as after a failed `scan` that printed it")
    String scanId;

    @Override
    public Integer call() {
        AgentFileConfig file = config.load();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("tag_id", tag);
        payload.put("location", location);
        putIfGiven(payload, "order_id", order);
        putIfGiven(payload, "station", station);
        putIfGiven(payload, "lot", lot);
        QueuedScan scan;
        try {
            scan = new ScanIntake(file.clientId(), Clock.systemUTC()).fromFields(payload, scanId);
        } catch (ProtocolException e) {
            spec.commandLine().getErr().println(e.getMessage().replace("payload.tag_id", "--tag")
                    .replace("payload.location", "--location").replace("scan_id", "--scan-id"));
            return ExitCodes.ERROR;
        }
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(),
                spec.commandLine().getErr()::println)) {
            List<Destination> destinations = GenbaAgent.destinationsFor(
                    new LiveSettings(file, new ConfigStore(file.serverConfigFile()).load()));
            OutboxStore outbox = new OutboxStore(database, file.outboxMaxRows());
            outbox.enqueue(List.of(scan), destinations, Clock.systemUTC().instant());
            spec.commandLine().getOut().println("queued scan " + scan.scanId() + " for "
                    + destinations.stream().map(Destination::key).collect(Collectors.joining(" and ")));
            return ExitCodes.OK;
        } catch (OutboxFullException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return ExitCodes.PROBLEM;
        } catch (DatabaseException e) {
            // A commit whose fsync failed can still be in the outbox's log at the next start: the same id
            // makes running the command again safe either way.
            spec.commandLine().getErr().println(e.getMessage() + (e.mayHaveBeenWritten()
                    ? ": the write failed at its last step, so this scan may be queued all the same; run the command"
                            + " again with --scan-id " + scan.scanId() + ", which is stored once either way"
                    : ": this scan was NOT queued, run the command again with --scan-id " + scan.scanId()));
            return ExitCodes.PROBLEM;
        }
    }

    private static void putIfGiven(Map<String, Object> payload, String key, String value) {
        if (value != null) {
            payload.put(key, value);
        }
    }
}
