package dev.genba.server.process;

import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code genba} run as its own JVM, the way an operator runs it, so tests can kill it for real. */
final class GenbaProcess {
    private GenbaProcess() {
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    static ProcessBuilder command(Path dataDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.genba.server.cli.GenbaCli");
        command.addAll(List.of(args));
        command.add("--data-dir");
        command.add(dataDir.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("GENBA_"));
        return builder;
    }

    /** Runs a command to completion and returns what it printed. */
    static Result run(Path dataDir, String... args) {
        try {
            Path out = Files.createTempFile("genba-out", ".txt");
            Path err = Files.createTempFile("genba-err", ".txt");
            Process process = command(dataDir, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("genba " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Process startServer(Path dataDir, int port, Path log) throws IOException {
        return startServer(dataDir, port, log, Map.of());
    }

    /** Starts the server with {@code environment} ({@code GENBA_*} settings) added to its own. */
    static Process startServer(Path dataDir, int port, Path log, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = command(dataDir, "server", "--port", Integer.toString(port));
        builder.environment().putAll(environment);
        Process process = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        waitHealthy(port, process, log);
        return process;
    }

    static void waitHealthy(int port, Process process, Path log) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + "; log:\n" + read(log));
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(200);
        }
        throw new IllegalStateException("server did not become healthy in 120 s; log:\n" + read(log));
    }

    /** Registers a device with {@code genba clients add NAME --json} and returns its key. */
    static String addClient(Path dataDir, String name) {
        Result added = run(dataDir, "clients", "add", name, "--json");
        if (added.exitCode() != 0) {
            throw new IllegalStateException("genba clients add " + name + " failed: " + added.stderr());
        }
        return (String) ((Map<?, ?>) Json.parse(added.stdout().trim())).get("client_key");
    }

    /** Sets one fleet-wide agent setting with {@code genba agent-config set KEY VALUE}. */
    static void setAgentConfig(Path dataDir, String key, String value) {
        Result set = run(dataDir, "agent-config", "set", key, value);
        if (set.exitCode() != 0) {
            throw new IllegalStateException("genba agent-config set " + key + " failed: " + set.stderr());
        }
    }

    /** A superuser connection to the embedded PostgreSQL of a running server (port from postmaster.pid). */
    static Connection embeddedDatabase(Path dataDir) throws IOException, SQLException {
        List<String> pid = Files.readAllLines(dataDir.resolve("pg/postmaster.pid"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pid.get(3).trim() + "/genba", "postgres", null);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops a PostgreSQL the test left behind (only when a test failed half-way). */
    static void stopLeftoverPostgres(Path dataDir) {
        Path pid = dataDir.resolve("pg/postmaster.pid");
        try {
            if (Files.exists(pid)) {
                long postmaster = Long.parseLong(Files.readAllLines(pid).get(0).trim());
                ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException | RuntimeException e) {
            // best effort cleanup
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
