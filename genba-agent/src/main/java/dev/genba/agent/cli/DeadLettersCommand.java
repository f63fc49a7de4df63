package dev.genba.agent.cli;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.outbox.DeadLetter;
import dev.genba.agent.outbox.DeadLetterStore;
import dev.genba.protocol.Json;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        subcommands = {DeadLettersRetryCommand.class, DeadLettersDiscardCommand.class,
            DeadLettersSetAsideCommand.class},
        description = {"List the scans a destination refused for good (oldest first): destination, scan_id, tag,"
                + " HTTP status, the server's message and when. Exit 1 when there are any.",
            "Fix the cause, then `dead-letters retry` sends them again; `dead-letters discard` removes them."
                + " Works while `genba-agent run` is running."})
final class DeadLettersCommand implements Callable<Integer> {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z")
            .withZone(ZoneId.systemDefault());

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print them as one JSON object (times in UTC)")
    boolean json;

    @Override
    public Integer call() {
        AgentFileConfig file = config.load();
        PrintWriter out = spec.commandLine().getOut();
        long count;
        // printed as they are read: tens of thousands (a mirror switched off with a queue) do not fit the heap at once
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(),
                spec.commandLine().getErr()::println)) {
            DeadLetterStore store = new DeadLetterStore(database, file.outboxMaxRows());
            if (json) {
                boolean[] first = {true};
                count = store.forEach(total -> out.print("{\"count\":" + total + ",\"dead_letters\":["), letter -> {
                    out.print((first[0] ? "" : ",") + Json.write(toJson(letter)));
                    first[0] = false;
                });
                out.println("]}");
            } else {
                count = store.forEach(total -> {
                    if (total > 0) {
                        out.printf("%-11s %-36s %-16s %4s  %-23s %s%n", "DESTINATION", "SCAN ID", "TAG", "HTTP",
                                "FAILED AT", "SERVER'S MESSAGE");
                    }
                }, letter -> out.printf("%-11s %-36s %-16s %4s  %-23s %s%n", letter.destination().key(),
                        letter.scanId(), letter.tagId() == null ? "-" : letter.tagId(),
                        letter.httpStatus() == null ? "-" : letter.httpStatus(), LOCAL.format(letter.failedAt()),
                        letter.reason()));
                if (count == 0) {
                    out.println("no dead letters: every scan was taken or is still being delivered (see `genba-agent status`)");
                } else {
                    out.println();
                    out.println(count + (count == 1 ? " dead letter." : " dead letters.")
                            + " After fixing the cause: `genba-agent dead-letters retry --all` (or SCAN_ID...) sends them again;"
                            + " `genba-agent dead-letters discard SCAN_ID...` removes them for good.");
                }
            }
        }
        return count == 0 ? ExitCodes.OK : ExitCodes.PROBLEM;
    }

    private static Map<String, Object> toJson(DeadLetter letter) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("destination", letter.destination().key());
        json.put("scan_id", letter.scanId());
        json.put("tag_id", letter.tagId());
        json.put("http_status", letter.httpStatus());
        json.put("reason", letter.reason());
        json.put("failed_at", letter.failedAt());
        return json;
    }

    /** "primary 7a70… (tag TAG-1): HTTP 400 from …: the server's message" */
    static String describe(DeadLetter letter) {
        return letter.destination().key() + " " + letter.scanId()
                + (letter.tagId() == null ? "" : " (tag " + letter.tagId() + ")") + ": " + letter.reason();
    }
}
