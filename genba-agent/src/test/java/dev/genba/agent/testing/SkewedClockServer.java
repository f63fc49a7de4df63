package dev.genba.agent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A server whose clock is {@code ahead} of this machine's: every request is answered 304 (nothing
 * changed) with that time in its {@code Date} header. The JDK's HTTP server always sends the real time.
 */
public final class SkewedClockServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Duration ahead;
    private final Thread thread;

    public SkewedClockServer(Duration ahead) throws IOException {
        this.socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.ahead = ahead;
        this.thread = new Thread(this::serve, "skewed-clock-server");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket connection = socket.accept()) {
                readHead(connection.getInputStream());
                String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plus(ahead).atOffset(ZoneOffset.UTC));
                OutputStream out = connection.getOutputStream();
                out.write(("HTTP/1.1 304 Not Modified\r\nDate: " + date + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // closed, or a client that went away: wait for the next one
            }
        }
    }

    /** GET requests only: the head ends with an empty line. */
    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
