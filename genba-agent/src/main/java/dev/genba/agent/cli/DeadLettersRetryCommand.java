package dev.genba.agent.cli;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.AgentSettings;
import dev.genba.agent.config.ConfigStore;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.logs.LogInbox;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.DeadLetterStore;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxFullException;
import dev.genba.protocol.LogBatch;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Move dead letters back to the end of the outbox so the agent delivers them again"
                + " (within seconds when `genba-agent run` is running). Fix the cause first, or the destination"
                + " refuses them again. Exit 1 when a SCAN_ID has no dead letter or the outbox is full.")
final class DeadLettersRetryCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--all", required = true, description = "every dead letter")
        boolean all;

        @Parameters(paramLabel = "SCAN_ID", arity = "1..*", description = "the scans to send again")
        List<String> scanIds;
    }

    @Option(names = "--destination", paramLabel = "primary|mirror", description = "only this destination's dead letters")
    Destination destination;

    @Override
    public Integer call() {
        AgentFileConfig file = config.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Instant now = Clock.systemUTC().instant();
        AgentSettings settings = new LiveSettings(file, new ConfigStore(file.serverConfigFile()).load()).current();
        // Mirror dead letters moved while no mirror endpoint is configured would go straight back to the
        // dead letters at the agent's next config poll: they are left where they are, and the operator told.
        boolean noMirror = Destination.MIRROR.endpoint(settings) == null;
        if (noMirror && destination == Destination.MIRROR) {
            err.println("no dead letter was moved: " + noMirrorReason(settings));
            return ExitCodes.PROBLEM;
        }
        Destination only = noMirror && destination == null ? Destination.PRIMARY : destination;
        long movedCount;
        long mirrorLeft = 0;
        Set<String> mirrorLeftIds = new HashSet<>();
        List<String> firstIds = new ArrayList<>();
        List<DeadLetter> moved = List.of();
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(), err::println)) {
            DeadLetterStore store = new DeadLetterStore(database, file.outboxMaxRows());
            long[] sofar = {0};
            try {
                if (which.all) {
                    // chunk by chunk: after `mirrorctl disable` there can be tens of thousands (RUNBOOK 10.10)
                    store.requeueAll(only, now, chunk -> {
                        sofar[0] += chunk.size();
                        chunk.forEach(letter -> {
                            if (firstIds.size() < 100) {
                                firstIds.add(letter.scanId());
                            }
                            out.println("queued again: " + DeadLettersCommand.describe(letter));
                        });
                        out.flush();
                    });
                } else {
                    moved = store.requeue(which.scanIds, only, now);
                    moved.stream().map(DeadLetter::scanId).limit(100).forEach(firstIds::add);
                    sofar[0] = moved.size();
                }
            } catch (OutboxFullException e) {
                logRetry(database, sofar[0], firstIds, now);
                err.println(e.getMessage().replace("this scan was NOT accepted, send it again later",
                        sofar[0] == 0 ? "no dead letter was moved, try again once scans were delivered"
                                : sofar[0] + " were moved (above), the others not; try again once scans were delivered"));
                return ExitCodes.PROBLEM;
            }
            movedCount = sofar[0];
            logRetry(database, movedCount, firstIds, now);
            if (only != destination) {
                Set<String> asked = which.all ? null : Set.copyOf(which.scanIds);
                long[] left = {0};
                store.forEach(total -> { }, letter -> {
                    if (letter.destination() == Destination.MIRROR && (asked == null || asked.contains(letter.scanId()))) {
                        left[0]++;
                        if (asked != null) {
                            mirrorLeftIds.add(letter.scanId());
                        }
                    }
                });
                mirrorLeft = left[0];
            }
        }
        moved.forEach(letter -> out.println("queued again: " + DeadLettersCommand.describe(letter)));
        List<String> unknown = DeadLettersDiscardCommand.unknown(which.all ? List.of() : which.scanIds, moved).stream()
                .filter(scanId -> !mirrorLeftIds.contains(scanId)).toList();
        if (mirrorLeft > 0) {
            err.println(mirrorLeft + " mirror dead letters were left where they are: " + noMirrorReason(settings));
        }
        unknown.forEach(scanId -> err.println("no dead letter with scan_id " + scanId
                + (destination == null ? "" : " for " + destination.key()) + " (see `genba-agent dead-letters`)"));
        out.println(movedCount == 0 ? "no dead letters to send again"
                : movedCount + " moved back to the outbox; `genba-agent status` shows them as pending until delivered");
        return unknown.isEmpty() && mirrorLeft == 0 ? ExitCodes.OK : ExitCodes.PROBLEM;
    }

    private static String noMirrorReason(AgentSettings settings) {
        return settings.mirrorMode()
                ? "no mirror endpoint is configured (mirror mode is on in configuration version " + settings.configVersion()
                        + " this agent has, but without a mirror_endpoint), so they could go nowhere; run this again"
                        + " once it is set on the server (`genba agent-config set mirror_endpoint URL`, taken by the"
                        + " agent at its next config poll)"
                : "no mirror endpoint is configured (mirror mode is off in configuration version " + settings.configVersion()
                        + " this agent has), so they would only come back to the dead letters; run this again once"
                        + " mirror mode is on (`mirrorctl enable`, taken by the agent at its next config poll)";
    }

    private static void logRetry(AgentDatabase database, long moved, List<String> firstIds, Instant now) {
        if (moved > 0) {
            new LogInbox(database).add(new LogBatch.Entry("info", "an operator sent " + moved
                    + " dead letters again (genba-agent dead-letters retry)", Map.of("source", "genba-agent",
                    "logger", "dead-letters", "scan_ids", String.join(",", firstIds)), now, null));
        }
    }
}
