package dev.genba.agent.cli;

import dev.genba.agent.AgentVersion;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.ConfigStore;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.config.ServerContact;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.delivery.LatencyStore;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.status.StatusBacklog;
import dev.genba.agent.status.StatusReporter;
import dev.genba.agent.status.SystemSampler;
import dev.genba.protocol.Json;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Send one status report to the server now and print it. Exit 1 when the server does not take it.")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        AgentFileConfig file = config.load();
        LiveSettings settings = new LiveSettings(file, new ConfigStore(file.serverConfigFile()).load());
        ServerContact contact = new ServerContact(Clock.systemUTC());
        StatusReporter reporter;
        String report;
        // outbox.db is open only while the report is made: sending can take a while, and a starting agent may be waiting
        try (AgentDatabase database = AgentDatabase.openForCommand(file.outboxFile(),
                spec.commandLine().getErr()::println)) {
            // The running agent keeps latency in outbox.db too, so this report shows the same 24 hours.
            LatencyStore latency = new LatencyStore(database);
            // No logs_dropped: only the running agent counts them, in memory, and this report becomes the
            // fleet page's latest until its next one; absent reads "unknown" there, 0 would hide its count.
            reporter = new StatusReporter(settings, new SystemSampler(Path.of("/")),
                    new OutboxStore(database, file.outboxMaxRows()), new StatusBacklog(database, StatusBacklog.MAX_REPORTS),
                    destination -> latency.summaryOf(destination, destination.endpoint(settings.current()),
                            Clock.systemUTC().instant()), () -> null,
                    new AgentHttp(file.clientKey(), AgentVersion.current()), contact, Clock.systemUTC(),
                    AgentVersion.current());
            report = Json.write(reporter.sample().toJson());
        }
        spec.commandLine().getOut().println(report);
        if (reporter.send(report) == StatusReporter.SendResult.TAKEN) {
            spec.commandLine().getOut().println("sent to " + file.serverUrl() + "/api/clients/status");
            return ExitCodes.OK;
        }
        spec.commandLine().getErr().println("the server did not take the report: " + contact.state().problem());
        return ExitCodes.PROBLEM;
    }
}
