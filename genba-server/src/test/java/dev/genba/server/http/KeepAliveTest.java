package dev.genba.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.server.testing.Scans;
import dev.genba.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** A connection the server answers with "keep-alive" must take the next request. */
class KeepAliveTest {

    @Test
    void a_refusal_known_before_the_request_body_arrived_leaves_the_connection_usable()
            throws Exception {
        try (TestServer server = TestServer.start(); Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            byte[] body = Scans.json("HANDHELD-01", "EARLY-401", "L").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /api/v1/scans HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "x-client-key: gk_not-a-real-key\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(500); // the body comes late, as it can when a client sends it in its own packet
            out.write(body);
            out.flush();

            String refusal = answer(in);
            assertThat(refusal).startsWith("HTTP/1.1 401").contains("Keep-Alive: timeout=75");
            out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(answer(in)).as("the next request on the kept connection").startsWith("HTTP/1.1 200");
        }
    }

    /** One answer: head, then as many body bytes as Content-Length says ("" at end of stream). */
    private static String answer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
