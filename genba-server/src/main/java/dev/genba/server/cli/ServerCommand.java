package dev.genba.server.cli;

import dev.genba.server.GenbaServer;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.logging.AppLogging;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code genba server}: run the server until SIGTERM/Ctrl-C, then stop gracefully. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run the Genba server (HTTP on port 8501 by default).")
public final class ServerCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (default 8501; 0 picks a free one)")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        GenbaConfig config = common.load(port);
        AppLogging.toFiles(config.logsDir(), config.server().timezone(), config.retention().requestLogDays());
        config.warnings().forEach(warning -> LoggerFactory.getLogger(ServerCommand.class).warn("{}", warning));
        System.out.println("Starting Genba " + GenbaServer.VERSION + " (data directory " + config.dataDir() + ", database "
                + (config.db().embedded() ? "embedded PostgreSQL in " + config.embeddedPgDir() : config.db().target().redacted())
                + ")");
        GenbaServer server = GenbaServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "genba-shutdown"));
        System.out.println("Genba is running: http://localhost:" + server.port() + "/healthz  (stop with Ctrl-C or SIGTERM)");
        stopped.await();
        return GenbaCli.OK;
    }
}
