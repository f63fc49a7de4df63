package dev.genba.server.http;

import dev.genba.protocol.ProtocolException;
import dev.genba.server.db.DatabaseErrors;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Javalin application: request ids, JSON errors for every failure (never a stack trace in
 * a response), and a drain gate so a SIGTERM lets in-flight requests finish.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    /**
     * How long a client may keep an idle connection, told to it in the {@code Keep-Alive} header.
     * Longer than an agent's minute between reports, so a fleet's agents keep their connections
     * instead of opening one per report; the JDK client an agent uses keeps a connection only 5 s
     * unless the server says otherwise.
     */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(75);
    /** The server closes an idle connection later than it told the client, so a client never sends on a closing one. */
    static final Duration IDLE_TIMEOUT = KEEP_ALIVE.plusSeconds(15);

    private final Javalin app;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();

    public HttpServer(String host, int port, int maxThreads, List<RouteGroup> groups) {
        this.app = Javalin.create(config -> {
            // No acceptor thread: the selector takes new connections itself. An agent opens a
            // connection per report, and each hand-over between threads costs more than the accept.
            config.jetty.addConnector((server, http) -> {
                // Jetty builds a header cache of ~20 KB per connection after its first request; with
                // thousands of agents keeping their connections that is hundreds of MB for nothing.
                http.setHeaderCacheSize(0);
                ServerConnector connector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
                connector.setHost(host);
                connector.setPort(port);
                connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
                return connector;
            });
            QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 4);
            threads.setName("http");
            config.jetty.threadPool = threads;
            config.http.maxRequestSize = JsonBodies.BATCH_LIMIT + 1;
            // Answers are small JSON on a LAN: compressing them costs a Pi more CPU than it saves.
            config.http.compressionStrategy = io.javalin.compression.CompressionStrategy.NONE;
            config.startup.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.routes.before(this::enter);
            config.routes.after(ctx -> inFlight.decrementAndGet());
            groups.forEach(group -> group.register(config.routes));
            config.routes.exception(ApiException.class, (e, ctx) -> respond(ctx, e.status(), e.error(), e.field(), e.getMessage()));
            config.routes.exception(ProtocolException.class, (e, ctx) -> respond(ctx, 400, e.error(), e.field(), e.getMessage()));
            config.routes.exception(HttpResponseException.class, (e, ctx) ->
                    respond(ctx, e.getStatus(), errorCode(e.getStatus()), null, e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                if (DatabaseErrors.isUnavailable(e)) {
                    log.warn("request {} {} {}: database unavailable ({})", RequestIds.of(ctx), ctx.method(), ctx.path(),
                            e.getMessage());
                    ctx.header("Retry-After", "5");
                    respond(ctx, 503, "database_unavailable", null,
                            "the database is not available; nothing was stored, retry later");
                    return;
                }
                log.error("request {} {} {} failed", RequestIds.of(ctx), ctx.method(), ctx.path(), e);
                respond(ctx, 500, "internal_error", null,
                        "internal error; the server log has the details under request id " + RequestIds.of(ctx));
            });
        });
    }

    private static String errorCode(int status) {
        return switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            default -> "http_" + status;
        };
    }

    private void enter(Context ctx) {
        inFlight.incrementAndGet();
        RequestIds.assign(ctx);
        if (!draining.get() && !"close".equalsIgnoreCase(ctx.header("Connection"))) {
            ctx.header("Connection", "keep-alive");
            ctx.header("Keep-Alive", "timeout=" + KEEP_ALIVE.toSeconds());
        }
        if (draining.get()) {
            ctx.header("Retry-After", "5");
            throw ApiException.unavailable("server is shutting down; retry shortly");
        }
    }

    private static void respond(Context ctx, int status, String error, String field, String message) {
        finishRequestBody(ctx);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        body.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, status, body);
    }

    /**
     * An error can be answered before the request's body was read (a refused key is known from the
     * headers). Jetty then closes the connection after the answer, although the answer said
     * keep-alive, and the client's next request on it finds it closed. So the body is read first; one
     * that cannot be (chunked, too large, broken off) gets {@code Connection: close} instead.
     */
    private static void finishRequestBody(Context ctx) {
        boolean chunked = ctx.header("Transfer-Encoding") != null;
        long length = ctx.req().getContentLengthLong();
        if (!chunked && length <= 0) {
            return;
        }
        try {
            if (!chunked && length <= JsonBodies.BATCH_LIMIT) {
                ctx.bodyAsBytes();
                return;
            }
        } catch (RuntimeException e) {
            // fall through: the connection cannot be kept
        }
        ctx.res().setHeader("Keep-Alive", null);
        ctx.header("Connection", "close");
    }

    public HttpServer start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Refuses new requests, waits for in-flight ones (up to {@code grace}), then stops Jetty. */
    public void drainAndStop(Duration grace) {
        draining.set(true);
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            log.warn("{} requests still running after {} s; stopping anyway", inFlight.get(), grace.toSeconds());
        }
        app.stop();
    }

    @Override
    public void close() {
        drainAndStop(Duration.ofSeconds(10));
    }
}
