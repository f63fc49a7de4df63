package dev.genba.agent.intake;

import dev.genba.agent.AgentException;
import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.outbox.GroupCommitter;
import dev.genba.agent.outbox.OutboxFullException;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST http://127.0.0.1:8510/scans}: the scanner app's way in. Bound to the loopback
 * address only. Answers 202 only once the scan is committed to the outbox; 503 when it cannot be
 * (outbox full, disk full) — the app keeps the scan and sends it again.
 *
 * <p>Plain sockets and one thread per open connection instead of the JDK's HTTP server, whose
 * selector, dispatcher and timer threads and ~170 classes stayed in memory for the agent's lifetime
 * (docs/PERFORMANCE.md, "Agent"). A scanner app keeps one connection, so a quiet agent has just the
 * accepting thread; a connection idle for {@value #IDLE_TIMEOUT_MS} ms is closed and its thread ends.
 * Each thread waits for the group commit, which writes the scans of all waiting connections at once.
 */
public final class IntakeServer implements AutoCloseable {
    // 1000 scans are ~300 KB; a larger body parsed at once would crowd a 24 MB heap.
    private static final int MAX_BODY_BYTES = 1024 * 1024;
    // Bodies read, parsed or waiting for their commit at once. Until answered, a body costs about three
    // times its size on the heap (the bytes, the parsed tree, the scans to write): eight 1 MiB batches at
    // once took a 24 MB heap to OutOfMemoryError (an exit, then a restart the apps' resending kills again).
    // A request beyond this waits for the ones before it.
    private static final int MAX_BODIES_BYTES = 2 * MAX_BODY_BYTES;
    private static final long COMMIT_WAIT_MS = 30_000;
    // More connections wait in the listen backlog until one closes: a thread each costs RSS.
    private static final int MAX_CONNECTIONS = 64;
    private static final int IDLE_TIMEOUT_MS = 30_000;
    // From its first byte, a request's head and body must arrive within this: the idle timeout alone
    // restarts with every byte, so a client sending one byte every few seconds held its thread forever.
    private static final int REQUEST_READ_MS = 30_000;
    private static final long STOP_WAIT_MS = 1_000;
    private static final long LINGER_MS = 2_000;
    // The content codings of the IANA registry that compress or encrypt the body.
    private static final Set<String> COMPRESSIONS = Set.of("gzip", "x-gzip", "deflate", "br", "compress", "x-compress",
            "zstd", "pack200-gzip", "aes128gcm", "exi", "dcb", "dcz");

    private final ServerSocket listener;
    private final ScanIntake intake;
    private final GroupCommitter committer;
    private final long commitWaitMs;
    private final int requestReadMs;
    private final Semaphore connectionSlots = new Semaphore(MAX_CONNECTIONS);
    private final Semaphore bodyBytes = new Semaphore(MAX_BODIES_BYTES, true);
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean stopping;

    private IntakeServer(ServerSocket listener, ScanIntake intake, GroupCommitter committer, long commitWaitMs,
                         int requestReadMs) {
        this.listener = listener;
        this.intake = intake;
        this.committer = committer;
        this.commitWaitMs = commitWaitMs;
        this.requestReadMs = requestReadMs;
        this.acceptor = new Thread(this::acceptLoop, "intake");
        this.acceptor.setDaemon(true);
    }

    public static IntakeServer start(int port, ScanIntake intake, GroupCommitter committer) {
        return start(port, intake, committer, COMMIT_WAIT_MS);
    }

    /** As {@link #start(int, ScanIntake, GroupCommitter)}, with how long an answer waits for its commit. */
    static IntakeServer start(int port, ScanIntake intake, GroupCommitter committer, long commitWaitMs) {
        return start(port, intake, committer, commitWaitMs, REQUEST_READ_MS);
    }

    /** As above, with how long a request may take to arrive once its first byte has. */
    static IntakeServer start(int port, ScanIntake intake, GroupCommitter committer, long commitWaitMs, int requestReadMs) {
        ServerSocket listener;
        try {
            listener = new ServerSocket(port, MAX_CONNECTIONS, InetAddress.getLoopbackAddress());
        } catch (BindException e) {
            throw new AgentException("port " + port + " on 127.0.0.1 is already in use: is another"
                    + " genba-agent running? (`systemctl status genba-agent`) or set intake_port", e);
        } catch (IOException e) {
            throw new AgentException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        IntakeServer server = new IntakeServer(listener, intake, committer, commitWaitMs, requestReadMs);
        server.acceptor.start();
        return server;
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!stopping) {
            try {
                connectionSlots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                connectionSlots.release();
                pauseAfterFailedAccept(); // closed by close(), or out of file descriptors for a moment
                continue;
            }
            Connection connection = new Connection(socket);
            connections.add(connection);
            Thread thread = new Thread(connection::serve, "intake-connection");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void pauseAfterFailedAccept() {
        if (!stopping) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** An open connection from a scanner app, served by its own thread until it closes or idles out. */
    private final class Connection {
        private final Socket socket;
        private volatile boolean busy;
        private DeadlineInput timed;

        Connection(Socket socket) {
            this.socket = socket;
        }

        void serve() {
            try (socket) {
                // Without TCP_NODELAY an answer can wait for the client's delayed ACK (~40 ms).
                socket.setTcpNoDelay(true);
                timed = new DeadlineInput(socket);
                InputStream in = new BufferedInputStream(timed, 8192);
                OutputStream out = socket.getOutputStream();
                boolean open = true;
                while (open && !stopping) {
                    HttpRequest request;
                    try {
                        timed.idle();
                        in.mark(1);
                        if (in.read() < 0) {
                            return;
                        }
                        in.reset();
                        timed.startRequest(requestReadMs);
                        request = HttpRequest.read(in);
                        if (request == null) {
                            return;
                        }
                        busy = true;
                        open = answer(request, in, out);
                    } catch (HttpRequest.BadRequest e) {
                        String requestId = newRequestId();
                        String code = e.status == 408 ? "request_timeout" : "bad_request";
                        write(out, null, e.status, error(code, e.getMessage(), null, requestId), requestId, false, null);
                        open = false;
                    } finally {
                        busy = false;
                    }
                }
                if (!open) {
                    timed.idle();
                    drainBeforeClose(in);
                }
            } catch (IOException e) {
                // the client went away or idled out; nothing was acknowledged on this request
            } finally {
                connections.remove(this);
                connectionSlots.release();
            }
        }

        /**
         * After an answer that ends the connection: a FIN, then what the client still sends (the body
         * of a refused request) is read and dropped for a moment. Closed with bytes unread, the socket
         * would send a reset, and a client still writing its body (HttpURLConnection, Python's
         * http.client) would get "broken pipe" instead of the 413 or 415 that says what to change.
         */
        private void drainBeforeClose(InputStream in) throws IOException {
            socket.shutdownOutput();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MS);
            byte[] dropped = new byte[8192];
            for (long left = LINGER_MS; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                socket.setSoTimeout((int) left);
                if (in.read(dropped) < 0) {
                    return;
                }
            }
        }

        /** Handles one request; false when the connection must close after it. */
        private boolean answer(HttpRequest request, InputStream in, OutputStream out)
                throws IOException, HttpRequest.BadRequest {
            String requestId = requestId(request);
            boolean keepAlive = request.keepAlive() && !stopping;
            // Refused before its body is read: the unread body would be taken for the next request.
            boolean closeIfRefused = !keepAlive || request.hasBody();
            if (!"/scans".equals(request.path)) {
                write(out, request, 404, error("not_found", "only POST /scans is served here", null, requestId), requestId,
                        !closeIfRefused, null);
                return !closeIfRefused;
            }
            if (!"POST".equals(request.method)) {
                write(out, request, 405, error("method_not_allowed", "use POST /scans with a JSON scan", null, requestId), requestId,
                        !closeIfRefused, "POST");
                return !closeIfRefused;
            }
            String contentType = request.header("Content-Type");
            if (contentType != null && !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                write(out, request, 415, error("unsupported_media_type", "send the scan as Content-Type: application/json", null,
                        requestId), requestId, !closeIfRefused, null);
                return !closeIfRefused;
            }
            String encoding = request.header("Content-Encoding");
            if (encoding != null && compressed(encoding)) {
                write(out, request, 415, error("unsupported_media_type", "Content-Encoding " + encoding
                        + " is not supported: send the JSON uncompressed", null, requestId), requestId, !closeIfRefused, null);
                return !closeIfRefused;
            }
            if (request.lengthMissing()) {
                write(out, request, 411, error("length_required", "send the body with its Content-Length (or"
                        + " Transfer-Encoding: chunked): without either the request has no body", null, requestId),
                        requestId, false, null);
                return false; // whatever the client sends after the head is no request
            }
            long declared = request.declaredLength();
            if (declared > MAX_BODY_BYTES) {
                return tooLarge(request, out, requestId);
            }
            int reserved = declared < 0 ? MAX_BODY_BYTES : (int) declared;
            if (!reserve(reserved)) {
                write(out, request, 503, error("outbox_unavailable", "the agent is busy with other large requests (over "
                        + MAX_BODIES_BYTES / (1024 * 1024) + " MiB of scans at once) and could not read this one:"
                        + " this scan was NOT accepted, send it again", null, requestId), requestId, !closeIfRefused, null);
                return !closeIfRefused;
            }
            // The wait for room was the agent's, not the client's: the body gets its own time to arrive.
            timed.startRequest(requestReadMs);
            try {
                byte[] body = request.readBody(in, out, MAX_BODY_BYTES);
                if (body == null) {
                    return tooLarge(request, out, requestId);
                }
                if (body.length < reserved) { // a chunked body: what it did not use goes back at once
                    bodyBytes.release(reserved - body.length);
                    reserved = body.length;
                }
                return answer(request, body, keepAlive, requestId, out);
            } finally {
                bodyBytes.release(reserved);
            }
        }

        private boolean tooLarge(HttpRequest request, OutputStream out, String requestId) throws IOException {
            write(out, request, 413, error("too_large", "the body is larger than " + MAX_BODY_BYTES / (1024 * 1024)
                    + " MiB; send at most " + ScanIntake.MAX_SCANS_PER_REQUEST + " scans per request", null,
                    requestId), requestId, false, null);
            return false;
        }

        private boolean answer(HttpRequest request, byte[] body, boolean keepAlive, String requestId, OutputStream out)
                throws IOException {
            ScanIntake.Received scans;
            try {
                scans = intake.read(body);
            } catch (ProtocolException e) {
                write(out, request, 400, error(e.error(), e.getMessage(), e.field(), requestId), requestId, keepAlive, null);
                return keepAlive;
            }
            Map<String, Object> answer = commit(scans, requestId);
            write(out, request, answer.containsKey("error") ? 503 : 202, answer, requestId, keepAlive, null);
            return keepAlive;
        }
    }

    /** A connection's input: reads wait up to the idle timeout between requests, and not past a request's deadline. */
    private static final class DeadlineInput extends FilterInputStream {
        private final Socket socket;
        private long deadline;
        private boolean inRequest;

        DeadlineInput(Socket socket) throws IOException {
            super(socket.getInputStream());
            this.socket = socket;
        }

        void idle() throws IOException {
            inRequest = false;
            socket.setSoTimeout(IDLE_TIMEOUT_MS);
        }

        void startRequest(int readMs) {
            inRequest = true;
            deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(readMs);
        }

        @Override
        public int read() throws IOException {
            beforeRead();
            return super.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            beforeRead();
            return super.read(buffer, offset, length);
        }

        private void beforeRead() throws IOException {
            if (inRequest) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new SocketTimeoutException("the request did not arrive in time");
                }
                socket.setSoTimeout((int) Math.min(left, IDLE_TIMEOUT_MS));
            }
        }
    }

    /**
     * Whether {@code encoding} names a coding that changes the body's bytes. Only those are refused:
     * apps that send "Content-Encoding: UTF-8" (a charset taken for a coding) send plain JSON, and a
     * 4xx for it is a scan the app drops for good.
     */
    private static boolean compressed(String encoding) {
        for (String coding : encoding.split(",")) {
            if (COMPRESSIONS.contains(coding.trim().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Waits for room for a body of {@code bytes} among those being handled; false when none came in time. */
    private boolean reserve(int bytes) {
        if (bytes == 0) {
            return true;
        }
        try {
            return bodyBytes.tryAcquire(bytes, commitWaitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits for the group commit: the 202 is written only once the scans are on disk. A 503 carries
     * the scan ids too: sent again with them, a scan is stored once even if the failed attempt did
     * reach the disk (a commit whose fsync failed, or one still running when the wait ended).
     */
    private Map<String, Object> commit(ScanIntake.Received received, String requestId) {
        List<QueuedScan> scans = received.scans();
        GroupCommitter.Submission submission = committer.submit(scans);
        Map<String, Object> answer;
        try {
            submission.committed().get(commitWaitMs, TimeUnit.MILLISECONDS);
            answer = new LinkedHashMap<>();
        } catch (ExecutionException e) {
            answer = error("outbox_unavailable", unavailable(e.getCause()), null, requestId);
        } catch (TimeoutException e) {
            answer = error("outbox_unavailable", notConfirmed(submission.withdraw()), null, requestId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            String message = submission.withdraw() ? "the agent is stopping: this scan was NOT accepted, send it again"
                    : "the agent is stopping while this scan is being written: it may yet be stored, so send it again"
                            + " with the same scan_id (in this answer), which the server stores once";
            answer = error("outbox_unavailable", message, null, requestId);
        }
        if (!received.batch()) {
            answer.put("scan_id", scans.get(0).scanId());
        } else {
            List<String> scanIds = new ArrayList<>(scans.size());
            for (QueuedScan scan : scans) {
                scanIds.add(scan.scanId());
            }
            answer.put("scan_ids", scanIds);
        }
        if (!answer.containsKey("error")) {
            answer.put("status", "queued");
            answer.put("request_id", requestId);
        }
        return answer;
    }

    private String notConfirmed(boolean withdrawn) {
        String waited = commitWaitMs % 1000 == 0 ? commitWaitMs / 1000 + " s" : commitWaitMs + " ms";
        if (withdrawn) {
            return "the outbox did not begin writing this scan within " + waited
                    + " (disk too slow or busy): this scan was NOT accepted, send it again";
        }
        return "the outbox has been writing this scan for over " + waited + " (disk very slow or failing):"
                + " it may yet be stored, so send it again with the same scan_id (in this answer),"
                + " which the server stores once";
    }

    private static String unavailable(Throwable cause) {
        if (cause instanceof OutboxFullException) {
            return cause.getMessage();
        }
        if (cause instanceof DatabaseException failure && failure.mayHaveBeenWritten()) {
            return cause.getMessage() + ": this scan may have been stored all the same, so send it again with the"
                    + " same scan_id (in this answer), which the server stores once";
        }
        if (cause instanceof DatabaseException) {
            return cause.getMessage() + ": this scan was NOT accepted, send it again";
        }
        return "the outbox could not be written (" + cause + "): this scan was NOT accepted, send it again";
    }

    private static String requestId(HttpRequest request) {
        String given = request.header("X-Request-Id");
        return given != null && !given.isBlank() && given.length() <= 128 && printable(given) ? given : newRequestId();
    }

    private static boolean printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < 0x20 || text.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String newRequestId() {
        return ScanIds.newId(System.currentTimeMillis()).toString();
    }

    private static Map<String, Object> error(String error, String message, String field, String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", message);
        if (field != null) { // as the server does: only errors about one field name it
            body.put("field", field);
        }
        body.put("request_id", requestId);
        return body;
    }

    /**
     * Head and body in one write, so the answer leaves in one packet. {@code request} is null for one
     * that could not be read. The answer to HEAD has the head only: a body there would be read as the
     * start of the next answer on the connection.
     */
    private static void write(OutputStream out, HttpRequest request, int status, Map<String, Object> body, String requestId,
                              boolean keepAlive, String allow) throws IOException {
        byte[] json = Json.writeBytes(body);
        StringBuilder head = new StringBuilder(160).append("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                .append("\r\nContent-Type: application/json\r\nX-Request-Id: ").append(requestId)
                .append("\r\nContent-Length: ").append(json.length).append("\r\n");
        if (allow != null) {
            head.append("Allow: ").append(allow).append("\r\n");
        }
        if (!keepAlive) {
            head.append("Connection: close\r\n");
        } else if (request != null && request.http10()) {
            // without it an HTTP/1.0 client takes the connection to close after this answer and waits for that
            head.append("Connection: keep-alive\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        int bodyLength = request != null && request.method.equals("HEAD") ? 0 : json.length;
        byte[] answer = new byte[headBytes.length + bodyLength];
        System.arraycopy(headBytes, 0, answer, 0, headBytes.length);
        System.arraycopy(json, 0, answer, headBytes.length, bodyLength);
        out.write(answer);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            default -> "Service Unavailable";
        };
    }

    private boolean anyBusy() {
        for (Connection connection : connections) {
            if (connection.busy) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stops accepting connections; requests in progress get up to a second to be answered, then
     * every connection is closed. Called before the group commit stops, so nothing is acknowledged
     * that is not committed.
     */
    @Override
    public void close() {
        stopping = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        acceptor.interrupt();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MS);
        while (System.nanoTime() < deadline && anyBusy()) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection connection : connections) {
            try {
                connection.socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
