package dev.genba.agent.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Map;
import java.util.UUID;

/**
 * HTTP calls to servers with {@link HttpURLConnection}: the JDK's HttpClient costs ~18 MB more
 * RSS, too much for a Pi Zero. Every request carries the client key and a fresh {@code X-Request-Id}.
 * An {@link IOException} means no answer (connection refused, timeout, reset).
 */
public final class AgentHttp {
    private static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;

    private final String clientKey;
    private final String userAgent;

    public AgentHttp(String clientKey, String agentVersion) {
        this.clientKey = clientKey;
        this.userAgent = "genba-agent/" + agentVersion;
    }

    public HttpAnswer postJson(String url, byte[] json, int timeoutMs) throws IOException {
        return startPost(url, json.length, timeoutMs, out -> out.write(json)).answer();
    }

    public HttpAnswer get(String url, int timeoutMs, Map<String, String> headers) throws IOException {
        long started = System.nanoTime();
        HttpURLConnection connection = open("GET", url, timeoutMs);
        headers.forEach(connection::setRequestProperty);
        return new PendingAnswer(connection, started).answer();
    }

    /**
     * Sends a JSON POST whose body of exactly {@code length} bytes {@code body} writes straight to
     * the connection, and returns without waiting for the answer: the caller can do other work
     * while the server handles the request, then read the answer with {@link PendingAnswer#answer()}.
     */
    public PendingAnswer startPost(String url, long length, int timeoutMs, BodyWriter body) throws IOException {
        long started = System.nanoTime();
        HttpURLConnection connection = open("POST", url, timeoutMs);
        try {
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(length);
            try (OutputStream out = connection.getOutputStream()) {
                body.writeTo(out);
            }
            return new PendingAnswer(connection, started);
        } catch (IOException e) {
            // a failed connection must not be kept for reuse by the keep-alive cache
            connection.disconnect();
            throw e;
        }
    }

    private HttpURLConnection open(String method, String url, int timeoutMs) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        connection.setRequestMethod(method);
        connection.setConnectTimeout(timeoutMs);
        connection.setReadTimeout(timeoutMs);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestProperty("x-client-key", clientKey);
        connection.setRequestProperty("X-Request-Id", UUID.randomUUID().toString());
        connection.setRequestProperty("User-Agent", userAgent);
        connection.setRequestProperty("Accept", "application/json");
        return connection;
    }

    /** Writes a request body. */
    @FunctionalInterface
    public interface BodyWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A request that has been sent; its answer is read on demand. */
    public static final class PendingAnswer {
        private final HttpURLConnection connection;
        private final long started;

        private PendingAnswer(HttpURLConnection connection, long started) {
            this.connection = connection;
            this.started = started;
        }

        /** Waits for the answer (at most the read timeout) and reads it fully. */
        public HttpAnswer answer() throws IOException {
            try {
                int status = connection.getResponseCode();
                byte[] answer = readFully(status >= 400 ? connection.getErrorStream() : connection.getInputStream());
                long elapsedMs = (System.nanoTime() - started) / 1_000_000;
                return new HttpAnswer(status, answer, connection.getHeaderField("ETag"), elapsedMs);
            } catch (IOException e) {
                connection.disconnect();
                throw e;
            }
        }
    }

    /** Reading the body to its end lets the JDK reuse the connection (keep-alive). */
    private static byte[] readFully(InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                if (out.size() + read > MAX_ANSWER_BYTES) {
                    throw new IOException("answer larger than " + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB");
                }
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        }
    }
}
