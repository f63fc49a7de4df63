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
import java.util.List;
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
        List<DeadLetter> letters;
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(),
                spec.commandLine().getErr()::println)) {
            letters = new DeadLetterStore(database, file.outboxMaxRows()).all();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("count", letters.size());
            body.put("dead_letters", letters.stream().map(DeadLettersCommand::toJson).toList());
            out.println(Json.write(body));
        } else if (letters.isEmpty()) {
            out.println("no dead letters: every scan was taken or is still being delivered (see `genba-agent status`)");
        } else {
            out.printf("%-11s %-36s %-16s %4s  %-23s %s%n", "DESTINATION", "SCAN ID", "TAG", "HTTP", "FAILED AT",
                    "SERVER'S MESSAGE");
            for (DeadLetter letter : letters) {
                out.printf("%-11s %-36s %-16s %4s  %-23s %s%n", letter.destination().key(), letter.scanId(),
                        letter.tagId() == null ? "-" : letter.tagId(),
                        letter.httpStatus() == null ? "-" : letter.httpStatus(), LOCAL.format(letter.failedAt()),
                        letter.reason());
            }
            out.println();
            out.println(letters.size() + (letters.size() == 1 ? " dead letter." : " dead letters.")
                    + " After fixing the cause: `genba-agent dead-letters retry --all` (or SCAN_ID...) sends them again;"
                    + " `genba-agent dead-letters discard SCAN_ID...` removes them for good.");
        }
        return letters.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEM;
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
