package dev.genba.agent.intake;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request read from a connection by the intake: the request line and headers, and
 * the body read on demand (Content-Length or chunked). Only what a scanner app sends is supported;
 * anything else is a {@link BadRequest} that closes the connection.
 */
final class HttpRequest {
    private static final int MAX_LINE_BYTES = 8 * 1024;
    private static final int MAX_HEADER_BYTES = 32 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** A request the intake cannot read: answered with {@code status} and the connection closed. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    final String method;
    final String path;
    private final boolean http10;
    private final Map<String, String> headers;

    private HttpRequest(String method, String path, boolean http10, Map<String, String> headers) {
        this.method = method;
        this.path = path;
        this.http10 = http10;
        this.headers = headers;
    }

    /** The next request's line and headers; null when the client closed the connection between requests. */
    static HttpRequest read(InputStream in) throws IOException, BadRequest {
        int[] budget = {MAX_HEADER_BYTES};
        String requestLine = line(in, budget);
        while (requestLine != null && requestLine.isEmpty()) {
            requestLine = line(in, budget); // a stray CRLF between requests is allowed
        }
        if (requestLine == null) {
            return null;
        }
        int firstSpace = requestLine.indexOf(' ');
        int lastSpace = requestLine.lastIndexOf(' ');
        if (firstSpace <= 0 || lastSpace == firstSpace) {
            throw new BadRequest(400, "not an HTTP request line: " + clip(requestLine));
        }
        String version = requestLine.substring(lastSpace + 1);
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new BadRequest(400, "HTTP/1.1 is expected, got " + clip(version));
        }
        Map<String, String> headers = new HashMap<>();
        for (String header = line(in, budget); ; header = line(in, budget)) {
            if (header == null) {
                throw new EOFException("connection closed in the headers");
            }
            if (header.isEmpty()) {
                break;
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new BadRequest(400, "not a header line: " + clip(header));
            }
            headers.merge(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim(),
                    (first, next) -> first + "," + next);
        }
        return new HttpRequest(requestLine.substring(0, firstSpace), path(requestLine.substring(firstSpace + 1, lastSpace)),
                version.equals("HTTP/1.0"), headers);
    }

    /** The path of an origin-form ("/scans?x") or absolute-form ("http://host/scans") target, without its query. */
    private static String path(String target) {
        String path = target;
        if (path.startsWith("http://")) {
            int slash = path.indexOf('/', "http://".length());
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
    }

    /** A header's value (names are case-insensitive), null when absent. */
    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Whether the client speaks HTTP/1.0, for which a kept connection must be announced. */
    boolean http10() {
        return http10;
    }

    /**
     * Whether the connection may carry another request after this one's answer. Not after one with
     * both Transfer-Encoding and Content-Length: a proxy between may have framed it the other way, so
     * where the next request starts is unsure (RFC 9112 §6.1 has the server close).
     */
    boolean keepAlive() {
        if (header("Transfer-Encoding") != null && header("Content-Length") != null) {
            return false;
        }
        String connection = header("Connection");
        String option = connection == null ? "" : connection.toLowerCase(Locale.ROOT);
        return http10 ? option.contains("keep-alive") : !option.contains("close");
    }

    /** Whether the request says neither how long its body is nor that it comes chunked. */
    boolean lengthMissing() {
        return header("Content-Length") == null && header("Transfer-Encoding") == null;
    }

    /** Whether a body follows the headers (its length unread yet). */
    boolean hasBody() throws BadRequest {
        return chunked() || contentLength() > 0;
    }

    /** The body's length as Content-Length gives it; -1 when it comes chunked (its length known only once read). */
    long declaredLength() throws BadRequest {
        return chunked() ? -1 : contentLength();
    }

    /**
     * The body, or null when it is longer than {@code maxBytes} (the rest is left unread, so the
     * connection must be closed). Sends "100 Continue" first when the client waits for it.
     */
    byte[] readBody(InputStream in, OutputStream out, int maxBytes) throws IOException, BadRequest {
        long length = chunked() ? -1 : contentLength();
        if (length > maxBytes) {
            return null;
        }
        if ("100-continue".equalsIgnoreCase(header("Expect"))) {
            out.write(CONTINUE);
            out.flush();
        }
        if (length >= 0) {
            return readExactly(in, (int) length);
        }
        return readChunks(in, maxBytes);
    }

    /**
     * A body of Content-Length bytes. One that ends early is answered: 400 when the client half-closed
     * (the usual cause is a Content-Length counted in characters, not bytes), 408 when the rest did not
     * arrive in time (a client that stalled may send it again).
     */
    private static byte[] readExactly(InputStream in, int length) throws IOException, BadRequest {
        byte[] body = new byte[length];
        int read = 0;
        try {
            while (read < length) {
                int count = in.read(body, read, length - read);
                if (count < 0) {
                    break;
                }
                read += count;
            }
        } catch (SocketTimeoutException e) {
            throw new BadRequest(408, "only " + read + " of the " + length + " bytes of the body arrived in the time a"
                    + " request may take: this scan was NOT accepted, send it again");
        }
        if (read < length) {
            throw new BadRequest(400, "the body ended after " + read + " of the " + length + " bytes its Content-Length"
                    + " announced; Content-Length must be the body's length in bytes");
        }
        return body;
    }

    private boolean chunked() throws BadRequest {
        String encoding = header("Transfer-Encoding");
        if (encoding == null) {
            return false;
        }
        if (!encoding.equalsIgnoreCase("chunked")) {
            throw new BadRequest(501, "Transfer-Encoding " + clip(encoding) + " is not supported; send chunked or Content-Length");
        }
        return true;
    }

    private long contentLength() throws BadRequest {
        String value = header("Content-Length");
        if (value == null) {
            return 0;
        }
        try {
            long length = Long.parseLong(value);
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadRequest(400, "Content-Length must be one number of bytes, got " + clip(value));
    }

    private static byte[] readChunks(InputStream in, int maxBytes) throws IOException, BadRequest {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            // Each chunk's lines get their own budget: a client that writes a token at a time (Node's
            // req.write per value) sends thousands of small chunks, and the body's size is bounded anyway.
            String sizeLine = chunkLine(in);
            if (sizeLine == null) {
                throw new EOFException("connection closed in a chunked body");
            }
            int extension = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "not a chunk size: " + clip(sizeLine));
            }
            if (size < 0) {
                throw new BadRequest(400, "not a chunk size: " + clip(sizeLine));
            }
            if (size == 0) {
                int[] budget = {MAX_HEADER_BYTES};
                for (String trailer = line(in, budget); trailer != null && !trailer.isEmpty(); trailer = line(in, budget)) {
                    // trailers carry nothing the intake uses
                }
                return body.toByteArray();
            }
            if (body.size() + (long) size > maxBytes) {
                return null;
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size || !"".equals(chunkLine(in))) {
                throw new BadRequest(400, "a chunk is shorter than its size or not followed by CRLF");
            }
            body.write(chunk);
        }
    }

    /** A chunk-size line, or the CRLF after a chunk's data. */
    private static String chunkLine(InputStream in) throws IOException, BadRequest {
        try {
            return line(in, new int[] {MAX_LINE_BYTES});
        } catch (BadRequest e) {
            throw new BadRequest(400, "a chunk-size line is longer than " + MAX_LINE_BYTES + " bytes");
        }
    }

    /** One line without its CRLF (or LF); null at the end of the stream before any byte of it. */
    private static String line(InputStream in, int[] budget) throws IOException, BadRequest {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                if (line.length() == 0) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a line");
            }
            if (line.length() >= MAX_LINE_BYTES) {
                throw new BadRequest(431, "a line of the request head is longer than " + MAX_LINE_BYTES + " bytes");
            }
            if (--budget[0] < 0) {
                throw new BadRequest(431, "the request line and headers together are longer than " + MAX_HEADER_BYTES + " bytes");
            }
            line.append((char) b);
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    private static String clip(String text) {
        return text.length() <= 80 ? "\"" + text + "\"" : "\"" + text.substring(0, 80) + "…\"";
    }
}
