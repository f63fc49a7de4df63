package dev.genba.agent.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Whether anything listens on the intake port, that is whether {@code genba-agent run} is up to take the
 * scanner app's scans: the outbox alone looks the same whether the service runs or not.
 */
record IntakeProbe(int port, Boolean listening) {
    private static final int TIMEOUT_MS = 1_000;

    /** {@code listening} is null when the port is chosen at start ({@code intake_port} 0) and so unknown here. */
    static IntakeProbe check(int port) {
        if (port == 0) {
            return new IntakeProbe(port, null);
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
            return new IntakeProbe(port, true);
        } catch (IOException e) {
            return new IntakeProbe(port, false);
        }
    }

    boolean notListening() {
        return Boolean.FALSE.equals(listening);
    }
}
