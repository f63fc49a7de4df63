package dev.genba.agent.cli;

import dev.genba.agent.GenbaAgent;
import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.logs.AgentLogHandler;
import dev.genba.agent.logs.ConsoleFormat;
import dev.genba.agent.logs.LogBuffer;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the agent (what the systemd unit starts): local intake on 127.0.0.1:8510,"
                + " delivery, status reports, log shipping, configuration polling. Stops on SIGTERM.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws InterruptedException {
        AgentFileConfig file = config.load();
        LogBuffer logs = new LogBuffer(file.logBufferLines());
        ConsoleFormat.install(new AgentLogHandler(logs));
        GenbaAgent agent = GenbaAgent.start(file, logs, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "agent-shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}
