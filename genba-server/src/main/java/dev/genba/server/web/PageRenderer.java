package dev.genba.server.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.Utf8ByteOutput;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Renders the precompiled jte templates (HTML-escaped by default) and sets the headers every
 * page carries: no caching, no framing, and a Content-Security-Policy that allows only this
 * server's own script and styles — an injected {@code <script>} would not run even if it got
 * past the escaping.
 */
public final class PageRenderer {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /** Request attribute: when the page's handler started (nanoTime), for the Server-Timing header. */
    static final String STARTED = "genba.page.started";

    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);

    public void render(Context ctx, int status, String template, Map<String, Object> params) {
        Utf8ByteOutput output = new Utf8ByteOutput();
        templates.render(template, params, output);
        secureHeaders(ctx);
        Long started = ctx.attribute(STARTED);
        if (started != null) {
            // How long the server took to produce the page (queries + rendering), visible in the browser's tools.
            ctx.header("Server-Timing", String.format(java.util.Locale.ROOT, "app;dur=%.1f", (System.nanoTime() - started) / 1e6));
        }
        ctx.status(status);
        ctx.contentType("text/html; charset=utf-8");
        ctx.res().setContentLength(output.getContentLength());
        try {
            output.writeTo(ctx.res().getOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void secureHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
    }
}
