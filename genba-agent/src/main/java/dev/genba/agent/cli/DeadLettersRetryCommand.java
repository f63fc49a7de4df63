package dev.genba.agent.cli;

import dev.genba.agent.config.AgentFileConfig;
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
import java.util.List;
import java.util.Map;
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
        List<DeadLetter> moved;
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(), err::println)) {
            try {
                moved = new DeadLetterStore(database, file.outboxMaxRows())
                        .requeue(which.all ? null : which.scanIds, destination, now);
            } catch (OutboxFullException e) {
                err.println(e.getMessage().replace("this scan was NOT accepted, send it again later",
                        "no dead letter was moved, try again once scans were delivered"));
                return ExitCodes.PROBLEM;
            }
            if (!moved.isEmpty()) {
                new LogInbox(database).add(new LogBatch.Entry("info", "an operator sent " + moved.size()
                        + " dead letters again (genba-agent dead-letters retry)", Map.of("source", "genba-agent",
                        "logger", "dead-letters", "scan_ids", String.join(",", moved.stream()
                                .map(DeadLetter::scanId).limit(100).toList())), now, null));
            }
        }
        moved.forEach(letter -> out.println("queued again: " + DeadLettersCommand.describe(letter)));
        List<String> unknown = DeadLettersDiscardCommand.unknown(which.all ? List.of() : which.scanIds, moved);
        unknown.forEach(scanId -> err.println("no dead letter with scan_id " + scanId
                + (destination == null ? "" : " for " + destination.key()) + " (see `genba-agent dead-letters`)"));
        out.println(moved.isEmpty() ? "no dead letters to send again"
                : moved.size() + " moved back to the outbox; `genba-agent status` shows them as pending until delivered");
        return unknown.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEM;
    }
}
