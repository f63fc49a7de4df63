package dev.genba.server.mirror;

import dev.genba.protocol.Json;
import dev.genba.server.agentconfig.AgentConfigStore;
import dev.genba.server.audit.AuditLog;
import dev.genba.server.cli.CommonOptions;
import dev.genba.server.cli.GenbaCli;
import dev.genba.server.cli.OperatorSession;
import dev.genba.server.db.ServerLock;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code genba mirror ...} — and {@code mirrorctl}, which is exactly this command. */
@Command(name = "mirror", mixinStandardHelpOptions = true,
        description = "Mirror verification for the server migration: compare, enable, disable, status, rotate.",
        subcommands = {MirrorCommand.Compare.class, MirrorCommand.Enable.class, MirrorCommand.Disable.class,
                MirrorCommand.Status.class, MirrorCommand.Rotate.class})
public final class MirrorCommand implements Runnable {
    private static final Duration ROTATION_WAIT = Duration.ofSeconds(15);
    private static final int DIFFERENCES_SHOWN = 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "choose compare, enable, disable, status or rotate (see mirrorctl --help)");
    }

    static MirrorService service(OperatorSession session) {
        return new MirrorService(session.config(), session.jdbi(), session.target(), session.audit(), Clock.systemUTC());
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Compare the old server's database with Genba's now (manual runs do not count toward the streak).")
    static final class Compare implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Option(names = "--dry-run", description = "print the JSON result and change nothing (no logs, no counter)")
        boolean dryRun;

        @Option(names = "--full", description = "compare the whole table by range checksums instead of the last day's changes")
        boolean full;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                MirrorService.Outcome outcome = service(session).compare(full, false, dryRun);
                if (json || dryRun) {
                    Map<String, Object> out = new LinkedHashMap<>(outcome.summary());
                    out.put("differences", outcome.differences().stream().limit(100).toList());
                    System.out.println(Json.write(out));
                } else {
                    printHuman(outcome);
                }
                return outcome.exitCode();
            }
        }

        private static void printHuman(MirrorService.Outcome outcome) {
            Map<String, Object> s = outcome.summary();
            System.out.println("Compare (" + s.get("mode") + "): " + outcome.status() + " - " + s.get("rows") + " rows, "
                    + s.get("diffs") + " differences, " + s.get("skipped") + " skipped ranges, "
                    + ((List<?>) s.get("errors")).size() + " errors in " + s.get("time_s") + " s");
            for (Object error : (List<?>) s.get("errors")) {
                System.out.println("  error: " + error);
            }
            outcome.differences().stream().limit(DIFFERENCES_SHOWN).forEach(difference -> System.out.println("  "
                    + difference.get("kind") + "  " + Json.write(difference.get("key"))
                    + "  primary=" + Json.write(difference.get("primary")) + "  mirror=" + Json.write(difference.get("mirror"))));
            if (outcome.differences().size() > DIFFERENCES_SHOWN) {
                System.out.println("  ... " + (outcome.differences().size() - DIFFERENCES_SHOWN)
                        + " more in logs/mirror_diff.log");
            }
            System.out.println("OK Streak: " + s.get("ok_streak") + " days (manual runs do not count; the nightly run does)");
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = "Start mirroring: agents send every scan to both servers; the nightly comparison starts.")
    static final class Enable implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                MirrorService service = service(session);
                try {
                    service.enable(AuditLog.cliActor());
                } catch (MirrorException e) {
                    System.err.println("mirrorctl: " + e.getMessage());
                    return GenbaCli.PROBLEM;
                }
                System.out.println("Mirror mode enabled: agents apply it at their next config poll.");
                service.status().lines(session.config().server().timezone()).forEach(System.out::println);
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Stop mirroring (the rollback): agents stop sending to the mirror, the schedule stops, mirror logs are archived.")
    static final class Disable implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                MirrorService service = service(session);
                List<String> archived = service.disable(AuditLog.cliActor(), () -> rotate(session, service));
                System.out.println("Mirror mode disabled: agents stop mirroring at their next config poll; mirror_endpoint removed.");
                System.out.println(archived.isEmpty() ? "No mirror logs to archive." : "Archived: " + String.join(", ", archived));
                List<String> own = new AgentConfigStore(session.jdbi()).clientsOverriding(List.of("mirror_mode", "mirror_endpoint"));
                if (!own.isEmpty()) {
                    System.out.println("Note: these clients have their own mirror_mode or mirror_endpoint, which disable does not"
                            + " change: " + String.join(", ", own) + ". Remove them with: genba agent-config unset mirror_mode"
                            + " --client NAME (and mirror_endpoint).");
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show mirror mode, the OK streak, the last results and latencies.")
    static final class Status implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Option(names = "--json", description = "print the same facts as JSON (as GET /api/v1/mirror/status)")
        boolean json;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                MirrorStatus status = service(session).status();
                if (json) {
                    System.out.println(Json.write(status.toJson()));
                } else {
                    status.lines(session.config().server().timezone()).forEach(System.out::println);
                }
                return GenbaCli.OK;
            }
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Gzip mirror_requests.log and mirror_diff.log to dated files; delete archives older than 30 days.")
    static final class Rotate implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                List<String> archived = rotate(session, service(session));
                System.out.println(archived.isEmpty() ? "Nothing to rotate (logs are empty)." : "Archived: " + String.join(", ", archived));
                session.audit().record(AuditLog.cliActor(), "mirror.rotate", "logs", "ok", Map.of("archived", archived));
                return GenbaCli.OK;
            }
        }
    }

    /** With a server running, it rotates (it owns the request log); otherwise the files are rotated here. */
    static List<String> rotate(OperatorSession session, MirrorService service) {
        if (!ServerLock.isHeld(session.config().stateDir())) {
            return new MirrorRotation(session.config().logsDir(), service.files(), null,
                    session.config().server().timezone(), Clock.systemUTC()).rotate();
        }
        long request = service.store().requestRotation();
        long deadline = System.nanoTime() + ROTATION_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<List<String>> done = service.store().rotationResult(request);
            if (done.isPresent()) {
                return done.get();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new MirrorException("the running server did not rotate its logs within " + ROTATION_WAIT.toSeconds()
                + " s; check logs/genba.log, then run mirrorctl rotate again");
    }
}
