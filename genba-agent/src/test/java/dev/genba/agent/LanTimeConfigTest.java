package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/time/genba-lan-time.conf, in a real chronyd: a Genba server with no time source above it
 * (a closed LAN) serves its clock, and a client Pi's NTP query gets an answer it can set its clock
 * from. Without the file's {@code local} line chronyd answers "unsynchronised" and the client
 * finds no source, which is what a Pi on a LAN without internet gets otherwise.
 */
class LanTimeConfigTest {
    private static final Path CONFIG = Path.of("..", "deploy", "time", "genba-lan-time.conf");

    @TempDir
    Path directory;

    @Test
    void a_server_without_internet_serves_its_clock_to_a_client_pi() throws Exception {
        assertThat(Files.readString(CONFIG)).contains("allow 192.168.0.0/16");
        int port = freeUdpPort();
        // The shipped file, plus what lets it run here: loopback only, a free port, no clock control.
        Path serverConfig = directory.resolve("server.conf");
        Files.writeString(serverConfig, Files.readString(CONFIG) + String.join("\n",
                "", "allow 127.0.0.1", "bindaddress 127.0.0.1", "port " + port, "cmdport 0",
                "pidfile " + directory.resolve("server.pid"), ""));
        Path clientConfig = directory.resolve("client.conf");
        Files.writeString(clientConfig, String.join("\n",
                "server 127.0.0.1 port " + port + " iburst", "cmdport 0", "pidfile " + directory.resolve("client.pid"), ""));

        Process server = new ProcessBuilder(chronyd("-x", "-d", "-f", serverConfig.toString())).redirectErrorStream(true)
                .redirectOutput(directory.resolve("server.log").toFile()).start();
        try {
            // -Q: query the server as a client Pi's time daemon would, print the offset, set nothing
            Path answer = directory.resolve("client.log");
            Process client = new ProcessBuilder(chronyd("-Q", "-t", "20", "-f", clientConfig.toString()))
                    .redirectErrorStream(true).redirectOutput(answer.toFile()).start();
            assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();

            assertThat(Files.readString(answer)).as("the client's query, server log: %s",
                            Files.readString(directory.resolve("server.log")))
                    .contains("System clock wrong by").doesNotContain("No suitable source");
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** chronyd drops root to its own user, which cannot write this test's folder: stay root then. */
    private static List<String> chronyd(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/sbin/chronyd"));
        boolean root = new ProcessBuilder("id", "-u").start().inputReader().readLine().trim().equals("0");
        command.addAll(root ? List.of("-u", "root") : List.of("-U"));
        command.addAll(List.of(arguments));
        return command;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
