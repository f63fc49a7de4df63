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
        return send("POST", url, json, timeoutMs, Map.of("Content-Type", "application/json"));
    }

    public HttpAnswer get(String url, int timeoutMs, Map<String, String> headers) throws IOException {
        return send("GET", url, null, timeoutMs, headers);
    }

    private HttpAnswer send(String method, String url, byte[] body, int timeoutMs, Map<String, String> headers)
            throws IOException {
        long started = System.nanoTime();
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        try {
            connection.setRequestMethod(method);
            connection.setConnectTimeout(timeoutMs);
            connection.setReadTimeout(timeoutMs);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestProperty("x-client-key", clientKey);
            connection.setRequestProperty("X-Request-Id", UUID.randomUUID().toString());
            connection.setRequestProperty("User-Agent", userAgent);
            connection.setRequestProperty("Accept", "application/json");
            headers.forEach(connection::setRequestProperty);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            byte[] answer = readFully(status >= 400 ? connection.getErrorStream() : connection.getInputStream());
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            return new HttpAnswer(status, answer, connection.getHeaderField("ETag"), elapsedMs);
        } catch (IOException e) {
            // a failed connection must not be kept for reuse by the keep-alive cache
            connection.disconnect();
            throw e;
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
