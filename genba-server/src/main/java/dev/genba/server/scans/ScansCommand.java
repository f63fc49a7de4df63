package dev.genba.server.scans;

import dev.genba.protocol.Json;
import dev.genba.server.cli.CommonOptions;
import dev.genba.server.cli.GenbaCli;
import dev.genba.server.cli.OperatorSession;
import dev.genba.server.cli.Times;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code genba scans count}: how many scans this server holds, per client. The number to compare
 * with what a device's agent acknowledged, or with the other server during a migration.
 */
@Command(name = "scans", mixinStandardHelpOptions = true, description = "The scans this server holds.",
        subcommands = {ScansCommand.Count.class})
public final class ScansCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose count (see genba scans --help)");
    }

    /** One client's scans: how many, and when the first and the last were received. */
    record ClientCount(String clientId, long scans, Instant firstReceived, Instant lastReceived) {
    }

    @Command(name = "count", mixinStandardHelpOptions = true,
            description = {"Count the stored scans per client (each scan once, whatever it was sent), with the first and"
                    + " last time one was received. Reads every scan: with millions of scans it takes a few seconds."})
    static final class Count implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Option(names = "--client", paramLabel = "NAME", description = "only this client (0 when it is registered and has sent none)")
        String client;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @Override
        public Integer call() {
            try (OperatorSession session = OperatorSession.open(common)) {
                List<ClientCount> counts = session.jdbi().withHandle(handle -> handle.createQuery("""
                        SELECT device_id, count(*) AS scans, min(received_at) AS first_received,
                               max(received_at) AS last_received
                        FROM scans
                        WHERE CAST(:client AS text) IS NULL OR device_id = :client
                        GROUP BY device_id
                        ORDER BY device_id""")
                        .bind("client", client)
                        .map((rows, context) -> new ClientCount(rows.getString("device_id"), rows.getLong("scans"),
                                rows.getTimestamp("first_received").toInstant(),
                                rows.getTimestamp("last_received").toInstant()))
                        .list());
                if (client != null && counts.isEmpty()) {
                    // A misspelt name would otherwise read as a device whose scans were all lost.
                    boolean registered = session.jdbi().withHandle(handle -> handle.createQuery(
                                    "SELECT count(*) FROM devices WHERE name = :client")
                            .bind("client", client).mapTo(Long.class).one()) > 0;
                    if (!registered) {
                        System.err.println("genba: no client named " + client
                                + " has been registered or has sent scans here (see genba clients list)");
                        return GenbaCli.ERROR;
                    }
                    counts = List.of(new ClientCount(client, 0, null, null));
                }
                long total = 0;
                for (ClientCount count : counts) {
                    total += count.scans();
                }
                if (json) {
                    System.out.println(toJson(counts, total));
                } else {
                    print(counts, total, session.config().server().timezone());
                }
                return GenbaCli.OK;
            }
        }

        private static String toJson(List<ClientCount> counts, long total) {
            List<Map<String, Object>> clients = new ArrayList<>();
            for (ClientCount count : counts) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("client_id", count.clientId());
                one.put("scans", count.scans());
                one.put("first_received_at", count.firstReceived());
                one.put("last_received_at", count.lastReceived());
                clients.add(one);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("total", total);
            body.put("clients", clients);
            return Json.write(body);
        }

        private static void print(List<ClientCount> counts, long total, ZoneId zone) {
            if (counts.isEmpty()) {
                System.out.println("No scans yet.");
                return;
            }
            String row = "%-24s %10s  %-22s %s%n";
            System.out.printf(row, "CLIENT", "SCANS", "FIRST RECEIVED", "LAST RECEIVED");
            for (ClientCount count : counts) {
                System.out.printf(row, count.clientId(), count.scans(), Times.local(count.firstReceived(), zone),
                        Times.local(count.lastReceived(), zone));
            }
            if (counts.size() > 1) {
                System.out.printf("%-24s %10s%n", "total", total);
            }
        }
    }
}
