package dev.genba.agent.http;

import dev.genba.agent.intake.ScanIds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;

/**
 * HTTP calls to servers with {@link HttpURLConnection}: the JDK's HttpClient costs ~18 MB more
 * RSS, too much for a Pi Zero. Every request carries the client key and a fresh {@code X-Request-Id}.
 * An {@link IOException} means no answer (connection refused, timeout, reset).
 *
 * <p>Connections are kept between requests ({@link #keepConnections}), so an agent that reports
 * every minute does not make the server set up a TCP connection each time. A kept connection the
 * server has closed meanwhile (it restarted, or its idle timeout is shorter) fails before any
 * answer; such a POST is sent once more on a new connection. The agent's POSTs are safe to repeat:
 * scans and status samples are stored once by their ids, and a log batch is repeated only when the
 * server dropped the connection without answering (a server killed after storing it and before
 * answering would get its lines twice, as with any later retry).
 */
public final class AgentHttp {
    /**
     * The largest answer read: the agent's biggest (the results of a 1,000-scan batch) is ~150 KB,
     * and a bigger one (server_url pointing at something else) must not fill the 24 MB heap.
     */
    private static final int MAX_ANSWER_BYTES = 1024 * 1024;
    /** The JDK's property for how long an idle connection is kept when the server does not say (its default is 5 s). */
    static final String KEEP_ALIVE_PROPERTY = "http.keepAlive.time.server";
    /**
     * Longer than the minute between status reports (the config poll comes every 30 s) and shorter
     * than the 90 s after which a Genba server closes an idle connection.
     */
    static final int KEEP_ALIVE_SECONDS = 75;

    /**
     * Keeps idle connections {@value #KEEP_ALIVE_SECONDS} s instead of the JDK's 5 s, unless the
     * operator set {@code -Dhttp.keepAlive.time.server}. Call before the first request: the JDK
     * reads the setting once.
     */
    public static void keepConnections() {
        if (System.getProperty(KEEP_ALIVE_PROPERTY) == null) {
            System.setProperty(KEEP_ALIVE_PROPERTY, Integer.toString(KEEP_ALIVE_SECONDS));
        }
    }

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
        return get(url, timeoutMs, headers, MAX_ANSWER_BYTES);
    }

    /**
     * A GET whose answer may be at most {@code maxAnswerBytes}: for an answer that is parsed whole
     * into objects, where 1 MiB of JSON such as {@code [{},{},...]} would take ~20 MB of the heap.
     */
    public HttpAnswer get(String url, int timeoutMs, Map<String, String> headers, int maxAnswerBytes) throws IOException {
        long started = System.nanoTime();
        HttpURLConnection connection = open("GET", url, timeoutMs);
        headers.forEach(connection::setRequestProperty);
        PendingAnswer pending = new PendingAnswer(connection, started, null);
        pending.maxAnswerBytes = Math.min(maxAnswerBytes, MAX_ANSWER_BYTES);
        return pending.answer();
    }

    /**
     * Sends a JSON POST whose body of exactly {@code length} bytes {@code body} writes straight to
     * the connection, and returns without waiting for the answer: the caller can do other work
     * while the server handles the request, then read the answer with {@link PendingAnswer#answer()}.
     */
    public PendingAnswer startPost(String url, long length, int timeoutMs, BodyWriter body) throws IOException {
        long started = System.nanoTime();
        PostRequest request = new PostRequest(url, length, timeoutMs, body);
        HttpURLConnection connection;
        try {
            connection = send(request);
        } catch (IOException e) {
            if (!closedUnanswered(e)) {
                throw e;
            }
            connection = send(request);
            return new PendingAnswer(connection, started, null);
        }
        return new PendingAnswer(connection, started, request);
    }

    private record PostRequest(String url, long length, int timeoutMs, BodyWriter body) {
    }

    /**
     * A connection that was closed or reset without an answer: what a kept connection the server
     * has dropped gives. Refused connections and timeouts are not: the server is away or busy.
     */
    static boolean closedUnanswered(IOException e) {
        return e instanceof SocketException && !(e instanceof ConnectException) && !(e instanceof NoRouteToHostException)
                && !(e instanceof PortUnreachableException);
    }

    private HttpURLConnection send(PostRequest request) throws IOException {
        String url = request.url();
        long length = request.length();
        int timeoutMs = request.timeoutMs();
        BodyWriter body = request.body();
        HttpURLConnection connection = open("POST", url, timeoutMs);
        WriteDeadline deadline = null;
        try {
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(length);
            try (OutputStream out = connection.getOutputStream()) {
                deadline = WriteDeadline.start(connection, timeoutMs);
                body.writeTo(deadline.watching(out));
            }
            if (deadline.end()) {
                // the last bytes went out just as the deadline closed the connection: no answer can come
                throw new SocketTimeoutException("the request was written only as " + timeoutMs
                        + " ms without progress ran out");
            }
            return connection;
        } catch (IOException e) {
            // a failed connection must not be kept for reuse by the keep-alive cache
            connection.disconnect();
            if (deadline != null && deadline.end()) {
                // not a kept connection the server closed: no second try on a new one
                throw e instanceof SocketTimeoutException ? e : new SocketTimeoutException(
                        "the server stopped taking the request: nothing more could be sent for " + timeoutMs + " ms");
            }
            throw e;
        }
    }

    /**
     * A socket write has no timeout of its own: a server that takes the connection and stops reading
     * (hung, or a handheld walked out of Wi-Fi range in the middle of a large batch) would hold the
     * writing thread until TCP gives up, about 15 minutes, and with it the status reports or a
     * destination's deliveries. This closes the connection when no byte of the request could be
     * written for {@code timeoutMs}, which ends the write with an exception. Only a stall counts: a
     * slow link that keeps taking bytes is given the time it needs, so a large batch still goes.
     */
    private static final class WriteDeadline {
        private static final int RUNNING = 0;
        private static final int ENDED = 1;
        private static final int FIRED = 2;
        private static final int CHUNK_BYTES = 8192;
        private static final ScheduledThreadPoolExecutor TIMER = timer();

        private final HttpURLConnection connection;
        private final long timeoutNanos;
        private final AtomicInteger state = new AtomicInteger(RUNNING);
        private volatile long lastProgressNanos = System.nanoTime();
        private volatile ScheduledFuture<?> check;

        private WriteDeadline(HttpURLConnection connection, int timeoutMs) {
            this.connection = connection;
            this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        }

        static WriteDeadline start(HttpURLConnection connection, int timeoutMs) {
            WriteDeadline deadline = new WriteDeadline(connection, timeoutMs);
            deadline.checkIn(deadline.timeoutNanos);
            return deadline;
        }

        private void checkIn(long nanos) {
            check = TIMER.schedule(this::check, nanos, TimeUnit.NANOSECONDS);
        }

        private void check() {
            if (state.get() != RUNNING) {
                return;
            }
            long stalledNanos = System.nanoTime() - lastProgressNanos;
            if (stalledNanos < timeoutNanos) {
                checkIn(timeoutNanos - stalledNanos);
            } else if (state.compareAndSet(RUNNING, FIRED)) {
                connection.disconnect();
            }
        }

        /** {@code out}, written in pieces so that each piece the socket takes counts as progress. */
        OutputStream watching(OutputStream out) {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    lastProgressNanos = System.nanoTime();
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    for (int written = 0; written < length; written += CHUNK_BYTES) {
                        out.write(bytes, offset + written, Math.min(CHUNK_BYTES, length - written));
                        lastProgressNanos = System.nanoTime();
                    }
                }
            };
        }

        /** Stops watching; true when the deadline had already closed the connection. */
        boolean end() {
            state.compareAndSet(RUNNING, ENDED);
            ScheduledFuture<?> pending = check;
            if (pending != null) {
                pending.cancel(false);
            }
            return state.get() == FIRED;
        }

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, work -> {
                Thread thread = new Thread(work, "http-write-deadline");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }

    private HttpURLConnection open(String method, String url, int timeoutMs) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        if (connection instanceof HttpsURLConnection https) {
            // else the write deadline's disconnect of a TLS connection waits as long as the stalled write
            https.setSSLSocketFactory(LingeringSslSockets.over(https.getSSLSocketFactory()));
        }
        connection.setRequestMethod(method);
        connection.setConnectTimeout(timeoutMs);
        connection.setReadTimeout(timeoutMs);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestProperty("x-client-key", clientKey);
        connection.setRequestProperty("X-Request-Id", ScanIds.newId(System.currentTimeMillis()).toString());
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
    public final class PendingAnswer {
        private HttpURLConnection connection;
        private final long started;
        /** The POST to send once more if the connection closes unanswered; null once it was. */
        private PostRequest resend;
        private int maxAnswerBytes = MAX_ANSWER_BYTES;

        private PendingAnswer(HttpURLConnection connection, long started, PostRequest resend) {
            this.connection = connection;
            this.started = started;
            this.resend = resend;
        }

        /** Waits for the answer (at most the read timeout) and reads it fully. */
        public HttpAnswer answer() throws IOException {
            try {
                int status = connection.getResponseCode();
                byte[] answer = readFully(status >= 400 ? connection.getErrorStream() : connection.getInputStream(),
                        maxAnswerBytes);
                long elapsedMs = (System.nanoTime() - started) / 1_000_000;
                Long serverAheadMs = ServerClock.aheadMs(connection.getDate(), System.currentTimeMillis(), elapsedMs);
                return new HttpAnswer(status, answer, connection.getHeaderField("ETag"), elapsedMs, serverAheadMs);
            } catch (IOException e) {
                connection.disconnect();
                if (resend == null || !closedUnanswered(e)) {
                    throw e;
                }
                PostRequest request = resend;
                resend = null;
                connection = send(request);
                return answer();
            }
        }
    }

    /** Reading the body to its end lets the JDK reuse the connection (keep-alive). */
    private static byte[] readFully(InputStream in, int maxAnswerBytes) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                if (out.size() + read > maxAnswerBytes) {
                    throw new IOException("answer larger than " + (maxAnswerBytes >= 1024 * 1024
                            ? maxAnswerBytes / (1024 * 1024) + " MiB" : maxAnswerBytes / 1024 + " KiB"));
                }
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        }
    }
}
