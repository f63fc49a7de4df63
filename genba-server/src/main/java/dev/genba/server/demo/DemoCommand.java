package dev.genba.server.demo;

import dev.genba.server.cli.GenbaCli;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.logging.AppLogging;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code genba demo}: a living fleet without owning a single Pi. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a demo: the server with its own embedded PostgreSQL and simulated client Pis running the real agent code.",
            "Prints the address and a login; stop with Ctrl-C (a temporary data directory is removed then)."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "N", description = "HTTP port (default 8501; 0 picks a free one)")
    int port = 8501;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "an empty or new directory to keep the demo in (default: a temporary one, removed at the end)")
    Path dataDir;

    @Override
    public Integer call() throws InterruptedException {
        boolean temporary = dataDir == null;
        Path work;
        try {
            work = temporary ? Files.createTempDirectory("genba-demo-") : dataDir.toAbsolutePath();
            if (!temporary && Files.isDirectory(work)) {
                try (Stream<Path> entries = Files.list(work)) {
                    if (entries.findAny().isPresent()) {
                        System.err.println("genba: " + work + " is not empty; the demo needs an empty or new directory "
                                + "(or leave out --data-dir for a temporary one)");
                        return GenbaCli.ERROR;
                    }
                }
            }
            Files.createDirectories(work);
        } catch (IOException e) {
            System.err.println("genba: cannot create the demo directory: " + e.getMessage());
            return GenbaCli.ERROR;
        }
        Path serverData = work.resolve("server");
        // The demo ignores /etc/genba/genba.yaml and GENBA_* settings: it never touches a real installation.
        GenbaConfig config = GenbaConfig.load(null, serverData, port, Map.of());
        AppLogging.toFiles(config.logsDir(), config.server().timezone(), config.retention().requestLogDays());
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        System.out.println("Starting the Genba demo (this takes a few seconds)...");
        Demo demo = Demo.start(config, work, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.close();
            if (temporary) {
                delete(work);
            }
            stopped.countDown();
        }, "genba-demo-shutdown"));
        System.out.println();
        System.out.println("Genba demo is running.");
        System.out.println("  Open:    http://localhost:" + demo.port() + "/admin");
        System.out.println("  Log in:  " + Demo.USER + " / " + demo.password() + "   (admin)");
        System.out.println("  Clients: HANDHELD-01 healthy, HANDHELD-02 busy and hot, HANDHELD-03 logging scanner errors,");
        System.out.println("           KIOSK-01 and SIGNAGE-01 healthy, DOCK-SIGNAGE stopped reporting 13 hours ago (red).");
        System.out.println("           Each running client is the real agent; the handhelds send a scan every few seconds.");
        System.out.println("           A week of history was written in so the charts are not empty.");
        System.out.println("  Data:    " + work + (temporary ? " (removed when the demo stops)" : ""));
        System.out.println("Stop with Ctrl-C.");
        stopped.await();
        return GenbaCli.OK;
    }

    private static void delete(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
