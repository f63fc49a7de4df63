package dev.genba.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server that drops a connection without answering, as one does with a kept connection it timed out. */
class AgentHttpTest {
    private static final byte[] REPORT = "{\"client_id\":\"HANDHELD-01\",\"cpu_usage\":12.5}".getBytes(StandardCharsets.UTF_8);

    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private ServerSocket listener;
    private Thread acceptor;

    @AfterEach
    void stop() throws Exception {
        if (listener != null) {
            listener.close();
            acceptor.join(5_000);
        }
    }

    @Test
    void a_post_the_server_drops_unanswered_is_sent_once_more_on_a_new_connection() throws Exception {
        serve(Behaviour.DROP, Behaviour.ANSWER);

        HttpAnswer answer = new AgentHttp("test-key", "0.1.0").postJson(url(), REPORT, 2_000);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("{\"result\":\"recorded\"}");
        assertThat(bodies).containsExactly(new String(REPORT, StandardCharsets.UTF_8), new String(REPORT, StandardCharsets.UTF_8));
    }

    @Test
    void an_answer_over_1_mib_is_refused_so_a_wrong_server_url_cannot_fill_the_heap_while_a_big_batch_answer_is_read()
            throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        // the results of a 1,000-scan batch, every scan refused with a long message: ~420 KB
        String result = "{\"scan_id\":\"c63d93a4-d221-4af2-819a-4767ae75e471\",\"status\":\"rejected\","
                + "\"duplicate\":false,\"error\":\"invalid\",\"field\":\"scans[999].scanned_at\",\"message\":\""
                + "x".repeat(300) + "\"},";
        byte[] batchAnswer = ("{\"results\":[" + result.repeat(1000) + "{}]}").getBytes(StandardCharsets.UTF_8);
        server.createContext("/big", exchange -> answer(exchange, new byte[2 * 1024 * 1024]));
        server.createContext("/batch", exchange -> answer(exchange, batchAnswer));
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            AgentHttp http = new AgentHttp("test-key", "0.1.0");

            assertThatThrownBy(() -> http.get(base + "/big", 2_000, Map.of())).isInstanceOf(IOException.class)
                    .hasMessageContaining("answer larger than 1 MiB");
            assertThat(http.postJson(base + "/batch", REPORT, 2_000).body()).hasSize(batchAnswer.length);
        } finally {
            server.stop(0);
        }
    }

    private static void answer(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Test
    void a_post_dropped_twice_fails_instead_of_trying_for_ever() throws Exception {
        serve(Behaviour.DROP, Behaviour.DROP, Behaviour.ANSWER);

        assertThatThrownBy(() -> new AgentHttp("test-key", "0.1.0").postJson(url(), REPORT, 2_000))
                .isInstanceOf(IOException.class);
        assertThat(bodies).hasSize(2);
    }

    @Test
    void a_post_that_times_out_is_not_sent_again_the_server_may_still_be_storing_it() throws Exception {
        serve(Behaviour.SILENT, Behaviour.ANSWER);

        assertThatThrownBy(() -> new AgentHttp("test-key", "0.1.0").postJson(url(), REPORT, 300))
                .isInstanceOf(SocketTimeoutException.class);
        Thread.sleep(300);
        assertThat(bodies).hasSize(1);
    }

    @Test
    void a_refused_connection_is_reported_without_a_second_try() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        assertThat(AgentHttp.closedUnanswered(new ConnectException("Connection refused"))).isFalse();
        assertThatThrownBy(() -> new AgentHttp("test-key", "0.1.0")
                .postJson("http://127.0.0.1:" + port + "/api/clients/status", REPORT, 1_000))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void a_server_that_stops_reading_the_request_ends_the_post_after_the_timeout_not_when_tcp_gives_up()
            throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        listener = new ServerSocket();
        listener.setReceiveBufferSize(4096);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(listener.accept()); // taken, never read: a hung server
                }
            } catch (IOException e) {
                accepted.forEach(socket -> {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closing at the end of the test
                    }
                });
            }
        }, "test-server");
        acceptor.start();
        long length = 64L * 1024 * 1024; // far more than the sockets' buffers hold

        // without a deadline of its own the write waits as long as the server keeps the connection
        assertThatThrownBy(() -> Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                new AgentHttp("test-key", "0.1.0").startPost(url(), length, 500, out -> {
                    byte[] zeros = new byte[64 * 1024];
                    for (long written = 0; written < length; written += zeros.length) {
                        out.write(zeros);
                    }
                })))
                .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("500 ms");
        assertThat(accepted).as("not sent again on a new connection").hasSize(1);
    }

    @Test
    void a_slow_link_that_keeps_taking_the_request_is_given_the_time_it_needs() throws Exception {
        long length = 64L * 1024 * 1024; // more than the sockets' buffers hold, so the writing waits on the reading
        listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            try (Socket socket = listener.accept()) {
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                // a little every 50 ms for 4 s, then the rest at once. The kernel wakes a writer waiting for
                // room only once a third of its send buffer is free, so the writer sees progress every
                // few hundred ms, within the 2 s timeout, and the whole request takes longer than it.
                byte[] piece = new byte[256 * 1024];
                long read = 0;
                for (int slow = 0; slow < 80; slow++) {
                    Thread.sleep(50);
                    read += in.read(piece);
                }
                while (read < length) {
                    read += in.read(piece, 0, (int) Math.min(piece.length, length - read));
                }
                bodies.add(Long.toString(read));
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException | InterruptedException e) {
                // the listener was closed at the end of the test
            }
        }, "test-server");
        acceptor.start();

        long started = System.nanoTime();
        HttpAnswer answer = new AgentHttp("test-key", "0.1.0").startPost(url(), length, 2_000, out -> {
            byte[] zeros = new byte[64 * 1024];
            for (long written = 0; written < length; written += zeros.length) {
                out.write(zeros);
            }
        }).answer();

        assertThat(answer.status()).isEqualTo(200);
        assertThat(bodies).containsExactly(Long.toString(length));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofSeconds(3));
    }

    @Test
    void a_tls_server_that_stops_reading_the_request_ends_the_post_after_the_timeout_too(@TempDir Path dir) throws Exception {
        SSLContext tls = selfSignedFor127001(dir);
        SSLSocketFactory before = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(tls.getSocketFactory());
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try {
            SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
            listener = server;
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        SSLSocket socket = (SSLSocket) listener.accept();
                        accepted.add(socket);
                        socket.startHandshake(); // then never reads: a hung server
                    }
                } catch (IOException e) {
                    // the listener was closed at the end of the test
                }
            }, "test-server");
            acceptor.start();
            long length = 64L * 1024 * 1024;
            String url = "https://127.0.0.1:" + listener.getLocalPort() + "/api/clients/status";

            // without SO_LINGER, closing the TLS socket waits for the stalled write's lock, as long as the write
            assertThatThrownBy(() -> Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    new AgentHttp("test-key", "0.1.0").startPost(url, length, 500, out -> {
                        byte[] zeros = new byte[64 * 1024];
                        for (long written = 0; written < length; written += zeros.length) {
                            out.write(zeros);
                        }
                    })))
                    .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("500 ms");
        } finally {
            HttpsURLConnection.setDefaultSSLSocketFactory(before);
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    /** A TLS context that serves and trusts one self-signed certificate for 127.0.0.1, made with the JDK's keytool. */
    private static SSLContext selfSignedFor127001(Path dir) throws Exception {
        Path keys = dir.resolve("keys.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "test", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keys.toString(),
                "-storepass", "test-pass", "-keypass", "test-pass").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keys)) {
            store.load(in, "test-pass".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(store, "test-pass".toCharArray());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(store);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return tls;
    }

    private enum Behaviour { DROP, SILENT, ANSWER }

    private String url() {
        return "http://127.0.0.1:" + listener.getLocalPort() + "/api/clients/status";
    }

    /** Handles one connection per behaviour, in order. */
    private void serve(Behaviour... behaviours) throws IOException {
        listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            List<Socket> silent = new CopyOnWriteArrayList<>();
            try {
                for (Behaviour behaviour : behaviours) {
                    Socket socket = listener.accept();
                    bodies.add(readRequestBody(socket.getInputStream()));
                    switch (behaviour) {
                        case DROP -> socket.close();
                        case SILENT -> silent.add(socket);
                        case ANSWER -> {
                            byte[] body = "{\"result\":\"recorded\"}".getBytes(StandardCharsets.UTF_8);
                            OutputStream out = socket.getOutputStream();
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(body);
                            out.flush();
                            socket.close();
                        }
                    }
                }
            } catch (IOException e) {
                // the listener was closed at the end of the test
            } finally {
                for (Socket socket : silent) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closing at the end of the test
                    }
                }
            }
        }, "test-server");
        acceptor.start();
    }

    private static String readRequestBody(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("request ended early");
            }
            head.write(c);
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
