package dev.genba.agent.cli;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.logs.LogInbox;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.DeadLetterStore;
import dev.genba.agent.outbox.Destination;
import dev.genba.protocol.LogBatch;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "discard", mixinStandardHelpOptions = true,
        description = "Remove dead letters for good: those scans will never reach that destination. Prints what was"
                + " removed and ships a warning line to the server's log. Exit 1 when a SCAN_ID has no dead letter.")
final class DeadLettersDiscardCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    // 0..* so that `--all` alone gets its own answer below; none at all is still refused there
    @Parameters(paramLabel = "SCAN_ID", arity = "0..*", description = "the scans to discard (named one by one)")
    List<String> scanIds;

    /** Not offered (a discard cannot be undone); there only to say so instead of "Unknown option". */
    @Option(names = "--all", hidden = true)
    boolean all;

    @Option(names = "--destination", paramLabel = "primary|mirror", description = "only this destination's dead letter")
    Destination destination;

    @Override
    public Integer call() {
        if (all) {
            throw new ParameterException(spec.commandLine(), "discard has no --all, because a discard cannot be undone:"
                    + " name the scans one by one (RUNBOOK 11.6 step 4 shows how to discard all of the mirror's"
                    + " after the mirror has ended)");
        }
        if (scanIds == null || scanIds.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'SCAN_ID'");
        }
        AgentFileConfig file = config.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Instant now = Clock.systemUTC().instant();
        List<DeadLetter> removed;
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(), err::println)) {
            removed = new DeadLetterStore(database, file.outboxMaxRows()).discard(scanIds, destination);
            LogInbox inbox = new LogInbox(database);
            for (DeadLetter letter : removed) {
                inbox.add(new LogBatch.Entry("warn", "an operator discarded a dead letter; this scan will never reach "
                        + letter.destination().key() + ": " + DeadLettersCommand.describe(letter), context(letter), now,
                        null));
            }
        }
        removed.forEach(letter -> out.println("discarded: " + DeadLettersCommand.describe(letter)));
        List<String> unknown = unknown(scanIds, removed);
        unknown.forEach(scanId -> err.println("no dead letter with scan_id " + scanId
                + (destination == null ? "" : " for " + destination.key()) + " (see `genba-agent dead-letters`)"));
        out.println(removed.size() + " removed for good");
        return unknown.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEM;
    }

    private static Map<String, Object> context(DeadLetter letter) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("source", "genba-agent");
        context.put("logger", "dead-letters");
        context.put("destination", letter.destination().key());
        context.put("scan_id", letter.scanId());
        if (letter.tagId() != null) {
            context.put("tag_id", letter.tagId());
        }
        return context;
    }

    /** The scan ids asked for that had no dead letter. */
    static List<String> unknown(List<String> asked, List<DeadLetter> found) {
        Set<String> foundIds = found.stream().map(DeadLetter::scanId).collect(Collectors.toSet());
        return asked.stream().filter(scanId -> !foundIds.contains(scanId)).distinct().toList();
    }
}
