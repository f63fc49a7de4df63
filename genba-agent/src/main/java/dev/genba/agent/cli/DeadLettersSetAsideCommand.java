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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "set-aside", mixinStandardHelpOptions = true,
        description = {"Move the N oldest scans waiting for one destination to the dead letters, for when that"
                + " destination refuses them one by one and nothing on this Pi can fix it (after 20 refusals in a row"
                + " the agent takes it for a wrong key or address and keeps sending them).",
            "Nothing is lost: `dead-letters retry` sends them again, `dead-letters discard` removes them."
                + " Prints what was moved and ships a warning line to the server's log. Exit 1 when nothing was"
                + " waiting. Works while `genba-agent run` is running."})
final class DeadLettersSetAsideCommand implements Callable<Integer> {
    static final int MOST = 10_000;

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--destination", required = true, paramLabel = "primary|mirror",
            description = "the destination whose waiting scans are set aside")
    Destination destination;

    @Option(names = "--first", required = true, paramLabel = "N",
            description = "how many of the oldest waiting scans (1 to " + MOST + ")")
    int first;

    @Override
    public Integer call() {
        if (first < 1 || first > MOST) {
            throw new ParameterException(spec.commandLine(),
                    "--first must be between 1 and " + MOST + " (it was " + first + ")");
        }
        AgentFileConfig file = config.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Instant now = Clock.systemUTC().instant();
        List<DeadLetter> moved;
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(), err::println)) {
            moved = new DeadLetterStore(database, file.outboxMaxRows()).setAside(destination, first, now);
            if (!moved.isEmpty()) {
                new LogInbox(database).add(new LogBatch.Entry("warn", "an operator set aside " + moved.size()
                        + " scans waiting for " + destination.key() + " as dead letters (genba-agent dead-letters"
                        + " set-aside); they reach it only if sent again", Map.of("source", "genba-agent",
                        "logger", "dead-letters", "destination", destination.key(), "scan_ids", String.join(",",
                                moved.stream().map(DeadLetter::scanId).limit(100).toList())), now, null));
            }
        }
        moved.forEach(letter -> out.println("set aside: " + DeadLettersCommand.describe(letter)));
        if (moved.isEmpty()) {
            err.println("no scan is waiting for " + destination.key() + " (see `genba-agent status`)");
            return ExitCodes.PROBLEM;
        }
        out.println(moved.size() + " moved to the dead letters; `genba-agent dead-letters retry --destination "
                + destination.key() + " --all` sends them again");
        return ExitCodes.OK;
    }
}
