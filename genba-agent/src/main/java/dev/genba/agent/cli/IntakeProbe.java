package dev.genba.agent.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Whether anything listens on the intake port, that is whether {@code genba-agent run} is up to take the
 * scanner app's scans: the outbox alone looks the same whether the service runs or not.
 */
record IntakeProbe(int port, Boolean listening, boolean timedOut) {
    private static final int TIMEOUT_MS = 1_000;

    /**
     * {@code listening} is null when the port is chosen at start ({@code intake_port} 0) and so unknown
     * here; false when nothing took the connection: refused (not running), or not taken within 1 s
     * ({@code timedOut}: every connection the kernel holds for it is waiting, a hung or overwhelmed agent).
     */
    static IntakeProbe check(int port) {
        if (port == 0) {
            return new IntakeProbe(port, null, false);
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
            return new IntakeProbe(port, true, false);
        } catch (SocketTimeoutException e) {
            return new IntakeProbe(port, false, true);
        } catch (IOException e) {
            return new IntakeProbe(port, false, false);
        }
    }

    boolean notListening() {
        return Boolean.FALSE.equals(listening);
    }

    /** The status line when {@link #notListening()}. */
    String problem() {
        return timedOut
                ? "NOT answering: 127.0.0.1:" + port + " took no connection within 1 s, so the agent is hung or"
                        + " overwhelmed and the scanner app's scans wait or fail; restart it (sudo systemctl restart"
                        + " genba-agent; the scans it took are kept)"
                : "NOT running: nothing listens on 127.0.0.1:" + port + ", so the scanner app's scans are"
                        + " refused; start the agent (sudo systemctl start genba-agent, RUNBOOK 11.1 step 6)";
    }
}
