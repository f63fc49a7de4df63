package dev.genba.server.process;

import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code genba-agent run} as its own JVM with the systemd unit's memory flags, so tests can
 * {@code kill -9} it and start it again on the same state directory, as systemd would.
 */
final class AgentProcess implements AutoCloseable {
    private final Path config;
    private final Path stateDir;
    private final Path log;
    private final int intakePort;
    private Process process;
    private int starts;

    private AgentProcess(Path config, Path stateDir, Path log, int intakePort) {
        this.config = config;
        this.stateDir = stateDir;
        this.log = log;
        this.intakePort = intakePort;
    }

    /** Writes {@code agent.json} in {@code dir} (plus any {@code extra} keys); does not start the agent. */
    static AgentProcess configure(Path dir, String serverUrl, String clientId, String clientKey,
                                  Map<String, Object> extra) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("server_url", serverUrl);
        values.put("client_id", clientId);
        values.put("client_key", clientKey);
        values.put("state_dir", dir.resolve("agent-state").toString());
        values.put("intake_port", GenbaProcess.freePort());
        values.putAll(extra);
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("agent.json");
            Files.writeString(config, Json.write(values));
            return new AgentProcess(config, dir.resolve("agent-state"), dir.resolve("agent-output.txt"),
                    ((Number) values.get("intake_port")).intValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void start() {
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-Xms8m", "-Xmx24m", "-Xmn4m", "-Xss256k", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "dev.genba.agent.cli.AgentCli", "run",
                "--config", config.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("GENBA_"));
        try {
            process = builder.start();
            starts++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, as a power cut or the OOM killer would. */
    void kill() {
        if (process != null) {
            try {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until the intake answers HTTP; fails with the agent's output if it exits instead. */
    void awaitAnswering(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("genba-agent exited with " + process.exitValue()
                        + " after start " + starts + "; output:\n" + GenbaProcess.read(log));
            }
            if (answers()) {
                return;
            }
            GenbaProcess.sleep(100);
        }
        throw new IllegalStateException("genba-agent intake did not answer within " + limit + " after start "
                + starts + "; output:\n" + GenbaProcess.read(log));
    }

    /** True when the intake speaks HTTP ({@code GET /scans} is answered 405; no scan is written). */
    boolean answers() {
        try {
            HttpURLConnection connection = open("/scans");
            return connection.getResponseCode() == 405;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Hands one scan with a chosen id to the intake; returns the HTTP status, or -1 when there
     * was no answer (agent not listening, killed mid-request).
     */
    int post(UUID scanId, String tagId, String location) {
        String body = """
                {"scan_id": "%s", "payload": {"tag_id": "%s", "location": "%s", "station": "A"}}"""
                .formatted(scanId, tagId, location);
        try {
            HttpURLConnection connection = open("/scans");
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            int status = connection.getResponseCode();
            try (InputStream answer = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (answer != null) {
                    answer.readAllBytes();
                }
            }
            return status;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A scanner app's loop: sends the same scan again (same id) until the intake acknowledges it
     * or refuses it for good. Returns 202, the 4xx status, or -1 when {@code limit} ran out.
     */
    int handOver(UUID scanId, String tagId, String location, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            int status = post(scanId, tagId, location);
            if (status == 202 || status >= 400 && status < 500) {
                return status;
            }
            GenbaProcess.sleep(50);
        }
        return -1;
    }

    private HttpURLConnection open(String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + intakePort + path)
                .openConnection();
        connection.setConnectTimeout(1_000);
        // the intake waits up to 30 s for its group commit before it answers 503
        connection.setReadTimeout(40_000);
        return connection;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    int starts() {
        return starts;
    }

    Path stateDir() {
        return stateDir;
    }

    String output() {
        return GenbaProcess.read(log);
    }

    @Override
    public void close() {
        kill();
    }
}
