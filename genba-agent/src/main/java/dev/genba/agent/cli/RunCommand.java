package dev.genba.agent.cli;

import dev.genba.agent.GenbaAgent;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.logs.LogBuffer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the agent (what the systemd unit starts): local intake on 127.0.0.1 (port 8510 unless"
                + " intake_port says otherwise), delivery, status reports, log shipping, configuration polling."
                + " Stops on SIGTERM.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws InterruptedException {
        return run(config.load());
    }

    /**
     * The config file of {@code run}, {@code run --config FILE} or {@code run --config=FILE}; null
     * for anything else (options, help, other commands), which goes through picocli.
     */
    static Path plainRunConfig(String[] args) {
        if (args.length == 1 && args[0].equals("run")) {
            return ConfigOption.DEFAULT_FILE;
        }
        if (args.length == 3 && args[0].equals("run") && args[1].equals("--config")) {
            return Path.of(args[2]);
        }
        if (args.length == 2 && args[0].equals("run") && args[1].startsWith("--config=")) {
            return Path.of(args[1].substring("--config=".length()));
        }
        return null;
    }

    /** {@code run} as picocli would run it, errors reported the same way. */
    static int runWithoutParser(Path configFile, PrintWriter err) {
        try {
            AgentLog.errorsOnly();
            return run(ConfigOption.load(configFile));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.ERROR;
        } catch (RuntimeException e) {
            return AgentCli.failed(e, err);
        }
    }

    private static int run(AgentFileConfig file) throws InterruptedException {
        LogBuffer logs = new LogBuffer(file.logBufferLines());
        AgentLog.toConsoleAndShipping(logs);
        AgentHttp.keepConnections();
        GenbaAgent agent = GenbaAgent.start(file, logs, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "agent-shutdown"));
        // After the hook, so the stop commits what is in flight. Exits from a thread of its own: the
        // thread that found the damage holds the outbox's lock, which the shutdown needs.
        agent.whenOutboxDamaged(() -> new Thread(() -> System.exit(ExitCodes.ERROR), "agent-stop-damaged").start());
        stopped.await();
        return ExitCodes.OK;
    }
}
