package dev.genba.agent.testing;

import dev.genba.agent.cli.AgentCli;
import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Starts {@code genba-agent run} as its own JVM (the unit's memory flags) and talks to its intake. */
public final class AgentProcesses {
    /** Every process started here; a test that fails before it stops its agent must not leave it running. */
    private static final List<Process> STARTED = new CopyOnWriteArrayList<>();

    static {
        // the children too: a wrapper (strace) killed first would leave the agent it runs behind
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(process -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        })));
    }

    private AgentProcesses() {
    }

    private static Process started(Process process) {
        STARTED.add(process);
        return process;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Output goes to agent.log beside the config file. */
    public static Process start(Path config, String... jvmOptions) throws IOException {
        List<String> command = java(List.of(jvmOptions));
        command.addAll(List.of("run", "--config", config.toString()));
        return started(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.log").toFile()))
                .start());
    }

    /**
     * As {@link #start(Path, String...)}, run by {@code wrapper} (for example {@code strace -f -o FILE});
     * the process returned is the wrapper's.
     */
    public static Process startWrapped(Path config, List<String> wrapper) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(java(List.of()));
        command.addAll(List.of("run", "--config", config.toString()));
        return started(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.log").toFile()))
                .start());
    }

    /** Another command ({@code scan ...}, {@code status ...}) in its own JVM; its output and errors go to {@code output}. */
    public static Process command(Path output, String... arguments) throws IOException {
        List<String> command = java(List.of());
        command.addAll(List.of(arguments));
        return started(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
    }

    private static List<String> java(List<String> jvmOptions) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // --enable-native-access: what the jar's manifest says for `java -jar` (sqlite-jdbc loads its
        // library with System.load, which JDK 24 and later warn about on stderr without it)
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k",
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), AgentCli.class.getName()));
        return command;
    }

    /** The intake's answer to one scan: its status, the scan id of a 202, the message of a refusal. */
    public record Answer(int status, String scanId, String message) {
    }

    /** The scan id when the agent acknowledged the scan, null when it did not answer 202. */
    public static String post(int port, String tag) {
        try {
            Answer answer = send(port, tag);
            return answer.status() == 202 ? answer.scanId() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Posts one scan with tag {@code tag} to the intake and reads the answer, refusals included. */
    public static Answer send(int port, String tag) throws IOException {
        return sendBody(port, "{\"payload\": {\"tag_id\": \"" + tag + "\", \"location\": \"SHELF-03\"}}");
    }

    /** Posts {@code json} to the intake and reads the answer, refusals included. */
    public static Answer sendBody(int port, String json) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/scans").openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setConnectTimeout(1_000);
        connection.setReadTimeout(15_000);
        connection.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = connection.getOutputStream()) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        try (InputStream in = status == 202 ? connection.getInputStream() : connection.getErrorStream()) {
            Map<?, ?> body = (Map<?, ?>) Json.parse(in.readAllBytes());
            return new Answer(status, (String) body.get("scan_id"), String.valueOf(body.get("message")));
        }
    }
}
