package dev.genba.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntakeProbeTest {
    @Test
    void tells_a_stopped_agent_from_one_that_takes_no_connection() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        IntakeProbe stopped = IntakeProbe.check(port);
        assertThat(stopped.notListening()).isTrue();
        assertThat(stopped.problem()).startsWith("NOT running: nothing listens on 127.0.0.1:" + port);

        List<Socket> waiting = new ArrayList<>();
        try (ServerSocket hung = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // a listener that accepts nothing: once its queue is full, the kernel takes no more connections
            IntakeProbe probe = IntakeProbe.check(hung.getLocalPort());
            for (int n = 0; n < 8 && !probe.timedOut(); n++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), hung.getLocalPort()), 1_000);
                waiting.add(socket);
                probe = IntakeProbe.check(hung.getLocalPort());
            }
            assertThat(probe.notListening()).isTrue();
            assertThat(probe.problem()).startsWith("NOT answering: 127.0.0.1:" + hung.getLocalPort()
                    + " took no connection within 1 s");

            assertThat(IntakeProbe.check(0).listening()).as("a port chosen at start is not known here").isNull();
        } finally {
            for (Socket socket : waiting) {
                socket.close();
            }
        }
    }
}
