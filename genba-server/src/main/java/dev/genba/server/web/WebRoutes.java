package dev.genba.server.web;

import dev.genba.server.audit.AuditLog;
import dev.genba.server.clients.FleetQueries;
import dev.genba.server.clients.FleetRoutes;
import dev.genba.server.config.GenbaConfig;
import dev.genba.server.http.ApiException;
import dev.genba.server.http.QueryParams;
import dev.genba.server.http.RequestIds;
import dev.genba.server.http.RouteGroup;
import dev.genba.server.mirror.MirrorException;
import dev.genba.server.mirror.MirrorService;
import dev.genba.server.mirror.MirrorStore;
import dev.genba.server.users.UserStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin pages under {@code /admin}: login, dashboard, clients, one client, logs, mirror.
 * Every page needs a login session; state-changing forms also need the session's CSRF token.
 * The pages read through the same queries as the JSON APIs, so what a page shows, {@code curl}
 * can get too.
 */
public final class WebRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(WebRoutes.class);
    static final String SESSION_COOKIE = "genba_session";
    static final String LOGIN_COOKIE = "genba_login";
    static final String LANG_COOKIE = "genba_lang";
    /** The clients page shows this many rows at once (the whole fleet of a factory). */
    static final int CLIENTS_PER_PAGE = 2000;
    static final int LOGS_PER_PAGE = 100;
    /** The clients page refreshes its table this often without reloading. */
    static final int REFRESH_SECONDS = 15;

    private final WebSessions sessions;
    private final LoginThrottle throttle;
    private final UserStore users;
    private final FleetQueries fleet;
    private final MirrorService mirror;
    private final Supplier<List<String>> rotateMirrorLogs;
    private final AuditLog audit;
    private final GenbaConfig config;
    private final Clock clock;
    private final String version;
    private final PageRenderer renderer = new PageRenderer();
    private final StaticAssets assets = new StaticAssets();

    public WebRoutes(WebSessions sessions, LoginThrottle throttle, UserStore users, FleetQueries fleet, MirrorService mirror,
                     Supplier<List<String>> rotateMirrorLogs, AuditLog audit, GenbaConfig config, Clock clock, String version) {
        this.sessions = sessions;
        this.throttle = throttle;
        this.users = users;
        this.fleet = fleet;
        this.mirror = mirror;
        this.rotateMirrorLogs = rotateMirrorLogs;
        this.audit = audit;
        this.config = config;
        this.clock = clock;
        this.version = version;
    }

    /** A page handler: runs only for a logged-in user. */
    private interface PageHandler {
        void handle(Context ctx, Page page);
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/admin/static/{file}", ctx -> {
            if (!assets.serve(ctx, ctx.pathParam("file"))) {
                throw new ApiException(404, "not_found", null, "no such file");
            }
        });
        routes.get("/admin/login", this::loginPage);
        routes.post("/admin/login", this::login);
        routes.post("/admin/logout", form(this::logout));
        routes.get("/admin", page(this::dashboard));
        routes.get("/admin/", ctx -> ctx.redirect("/admin", io.javalin.http.HttpStatus.SEE_OTHER));
        routes.get("/admin/clients", page(this::clients));
        routes.get("/admin/clients/live", fragment(this::clientsLive));
        routes.get("/admin/clients/{id}", page(this::client));
        routes.get("/admin/logs", page(this::logs));
        routes.get("/admin/mirror", page(this::mirrorPage));
        routes.get("/admin/mirror/confirm", page(this::mirrorConfirm));
        routes.post("/admin/mirror/enable", form((ctx, page) -> mirrorAction(ctx, page, true)));
        routes.post("/admin/mirror/disable", form((ctx, page) -> mirrorAction(ctx, page, false)));
    }

    // ---- login --------------------------------------------------------------------------

    private void loginPage(Context ctx) {
        Page page = page(ctx, null);
        if (session(ctx).isPresent()) {
            ctx.redirect(safeNext(ctx.queryParam("next")), io.javalin.http.HttpStatus.SEE_OTHER);
            return;
        }
        renderLogin(ctx, page, 200, null, "");
    }

    private void renderLogin(Context ctx, Page page, int status, String error, String username) {
        String token = dev.genba.server.auth.Secrets.generate("");
        setCookie(ctx, LOGIN_COOKIE, token, -1);
        Map<String, Object> params = params(page);
        params.put("csrf", token);
        params.put("next", safeNext(ctx.queryParam("next") != null ? ctx.queryParam("next") : ctx.formParam("next")));
        params.put("error", error);
        params.put("username", username == null ? "" : username);
        renderer.render(ctx, status, "login.jte", params);
    }

    private void login(Context ctx) {
        Page page = page(ctx, null);
        String username = trimmed(ctx.formParam("username"), 64);
        String password = ctx.formParam("password");
        if (!sameSecret(ctx.cookie(LOGIN_COOKIE), ctx.formParam("csrf"))) {
            renderLogin(ctx, page, 403, page.t("login.expired"), username);
            return;
        }
        if (username == null || username.isEmpty() || password == null || password.isEmpty() || password.length() > 1024) {
            renderLogin(ctx, page, 400, page.t("login.missing"), username);
            return;
        }
        String address = ctx.ip();
        Optional<Duration> wait = throttle.wait(username, address);
        if (wait.isPresent()) {
            ctx.header("Retry-After", String.valueOf(Math.max(1, wait.get().toSeconds())));
            renderLogin(ctx, page, 429, page.t("login.throttled", Math.max(1, wait.get().toSeconds())), username);
            return;
        }
        Optional<UserStore.User> user = users.authenticate(username, password.toCharArray());
        if (user.isEmpty()) {
            throttle.failed(username, address);
            audit.record("web:" + username, "web.login", address, "refused", Map.of());
            renderLogin(ctx, page, 401, page.t("login.failed"), username);
            return;
        }
        throttle.succeeded(username, address);
        String token = sessions.create(user.get().name());
        setCookie(ctx, SESSION_COOKIE, token, -1);
        setCookie(ctx, LOGIN_COOKIE, "", 0);
        audit.record("web:" + user.get().name(), "web.login", address, "ok", Map.of("role", user.get().role().name().toLowerCase()));
        ctx.redirect(safeNext(ctx.formParam("next")), io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx, Page page) {
        sessions.end(ctx.cookie(SESSION_COOKIE));
        setCookie(ctx, SESSION_COOKIE, "", 0);
        audit.record("web:" + page.user(), "web.logout", ctx.ip(), "ok", Map.of());
        ctx.redirect("/admin/login", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    // ---- pages --------------------------------------------------------------------------

    private void dashboard(Context ctx, Page page) {
        Instant now = page.now();
        Map<String, Object> params = params(page);
        params.put("summary", fleet.summary(now));
        params.put("mirror", mirror.status());
        params.put("attention", fleet.clients(new FleetQueries.ClientFilter(null, List.of("red", "amber"), "last_seen", false),
                20, 0, now).items().stream().map(ClientView::of).toList());
        params.put("errors", fleet.logs(new FleetQueries.LogFilter(null, List.of("error"), null, now.minus(Duration.ofDays(1)),
                null, null), 10, 0).items());
        renderer.render(ctx, 200, "dashboard.jte", params);
    }

    private void clients(Context ctx, Page page) {
        Map<String, Object> params = clientsParams(ctx, page);
        renderer.render(ctx, 200, "clients.jte", params);
    }

    private void clientsLive(Context ctx, Page page) {
        renderer.render(ctx, 200, "clients_live.jte", clientsParams(ctx, page));
    }

    private Map<String, Object> clientsParams(Context ctx, Page page) {
        FleetQueries.ClientFilter filter = FleetRoutes.clientFilter(ctx);
        int offset = QueryParams.integer(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        FleetQueries.Page result = fleet.clients(filter, CLIENTS_PER_PAGE, offset, page.now());
        Map<String, Object> params = params(page);
        params.put("clients", result.items().stream().map(ClientView::of).toList());
        params.put("total", result.total());
        params.put("offset", offset);
        params.put("perPage", CLIENTS_PER_PAGE);
        params.put("summary", fleet.summary(page.now()));
        params.put("view", new ClientsQuery(filter.search(), ctx.queryParam("state"), (filter.descending() ? "-" : "") + filter.sort()));
        params.put("refreshSeconds", REFRESH_SECONDS);
        params.put("amberMinutes", config.fleet().amberAfter().toMinutes());
        params.put("redHours", config.fleet().redAfter().toHours());
        return params;
    }

    private void client(Context ctx, Page page) {
        String id = ctx.pathParam("id");
        Instant now = page.now();
        Optional<Map<String, Object>> row = fleet.client(id, now);
        if (row.isEmpty()) {
            throw new ApiException(404, "not_found", "id", page.t("client.not_found", id));
        }
        String range = ctx.queryParam("range") == null ? "24h" : ctx.queryParam("range");
        Duration span = switch (range) {
            case "24h" -> Duration.ofDays(1);
            case "7d" -> Duration.ofDays(7);
            default -> throw ApiException.badRequest("range", "range must be 24h or 7d");
        };
        Instant from = now.minus(span);
        FleetQueries.Series series = fleet.metrics(id, from, now);
        List<Charts.Chart> charts = List.of(
                Charts.of("cpu", page.t("metric.cpu"), "%", "cpu_usage", series.points(), from, now, series.bucket(), 100.0, page.zoneId()),
                Charts.of("memory", page.t("metric.memory"), "%", "memory_usage", series.points(), from, now, series.bucket(), 100.0,
                        page.zoneId()),
                Charts.of("disk", page.t("metric.disk"), "%", "disk_usage", series.points(), from, now, series.bucket(), 100.0,
                        page.zoneId()),
                Charts.of("temperature", page.t("metric.temperature"), "°C", "temperature", series.points(), from, now,
                        series.bucket(), null, page.zoneId()));
        Map<String, Object> params = params(page);
        params.put("client", ClientView.of(row.get()));
        params.put("range", range);
        params.put("charts", charts);
        params.put("logs", fleet.logs(new FleetQueries.LogFilter(id, null, null, null, null, null), 50, 0).items());
        renderer.render(ctx, 200, "client.jte", params);
    }

    private void logs(Context ctx, Page page) {
        String level = QueryParams.text(ctx, "level", 10);
        if (level != null && !List.of("error", "warn", "info", "debug").contains(level)) {
            throw ApiException.badRequest("level", page.t("logs.bad_level"));
        }
        LogsQuery query = new LogsQuery(QueryParams.text(ctx, "q", 200), level, QueryParams.text(ctx, "client", 64),
                QueryParams.text(ctx, "from", 40), QueryParams.text(ctx, "to", 40), QueryParams.text(ctx, "request_id", 128));
        int offset = QueryParams.integer(ctx, "offset", 0, 0, 10_000);
        FleetQueries.LogFilter filter = new FleetQueries.LogFilter(query.client(), level == null ? null : List.of(level),
                query.q(), localTime(page, "from", query.from()), localTime(page, "to", query.to()), query.requestId());
        FleetQueries.Page result = fleet.logs(filter, LOGS_PER_PAGE, offset);
        Map<String, Object> params = params(page);
        params.put("query", query);
        params.put("logs", result.items());
        params.put("total", result.total());
        params.put("offset", offset);
        params.put("perPage", LOGS_PER_PAGE);
        renderer.render(ctx, 200, "logs.jte", params);
    }

    private void mirrorPage(Context ctx, Page page) {
        renderMirror(ctx, page, 200, null, ctx.queryParam("done"));
    }

    private void renderMirror(Context ctx, Page page, int status, String error, String done) {
        MirrorStore store = mirror.store();
        Map<String, Object> params = params(page);
        params.put("status", mirror.status());
        params.put("runs", store.recentRuns(14));
        Optional<MirrorStore.Run> lastDiff = store.lastRunWithDifferences();
        params.put("diffRun", lastDiff.orElse(null));
        params.put("differences", lastDiff.map(run -> store.differences(run.id(), 50)).orElse(List.of()));
        params.put("error", error);
        params.put("done", "enabled".equals(done) || "disabled".equals(done) ? done : null);
        renderer.render(ctx, status, "mirror.jte", params);
    }

    private void mirrorConfirm(Context ctx, Page page) {
        String action = ctx.queryParam("action");
        if (!"enable".equals(action) && !"disable".equals(action)) {
            throw ApiException.badRequest("action", "action must be enable or disable");
        }
        requireAdminRole(page);
        Map<String, Object> params = params(page);
        params.put("action", action);
        params.put("status", mirror.status());
        params.put("endpoint", config.mirror().endpoint());
        renderer.render(ctx, 200, "mirror_confirm.jte", params);
    }

    private void mirrorAction(Context ctx, Page page, boolean enable) {
        requireAdminRole(page);
        String actor = "web:" + page.user();
        try {
            if (enable) {
                mirror.enable(actor);
            } else {
                mirror.disable(actor, rotateMirrorLogs);
            }
        } catch (MirrorException e) {
            renderMirror(ctx, page, 409, e.getMessage(), null);
            return;
        }
        ctx.redirect("/admin/mirror?done=" + (enable ? "enabled" : "disabled"), io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private static void requireAdminRole(Page page) {
        if (!page.isAdmin()) {
            throw new ApiException(403, "forbidden", null, page.t("error.viewer"));
        }
    }

    /** What the clients page was asked for, to keep in links and the refresh URL. */
    public record ClientsQuery(String q, String state, String sort) {
        public String url(String path, String newSort) {
            StringBuilder url = new StringBuilder(path).append("?sort=").append(Page.enc(newSort));
            if (q != null) {
                url.append("&q=").append(Page.enc(q));
            }
            if (state != null && !state.isEmpty()) {
                url.append("&state=").append(Page.enc(state));
            }
            return url.toString();
        }

        /** The sort a column header links to: its own key, reversed when it is the current one. */
        public String toggle(String key) {
            return sort.equals(key) ? "-" + key : key;
        }

        /** For numbers the first click shows the highest first. */
        public String toggleDesc(String key) {
            return sort.equals("-" + key) ? key : "-" + key;
        }

        public String arrow(String key) {
            return sort.equals(key) ? " ▲" : sort.equals("-" + key) ? " ▼" : "";
        }

        public boolean stateIs(String value) {
            return value.equals(state == null ? "" : state);
        }
    }

    /** The log search form's values, to fill the form again and build paging links. */
    public record LogsQuery(String q, String level, String client, String from, String to, String requestId) {
        public String url(int offset) {
            StringBuilder url = new StringBuilder("/admin/logs?offset=").append(offset);
            append(url, "q", q);
            append(url, "level", level);
            append(url, "client", client);
            append(url, "from", from);
            append(url, "to", to);
            append(url, "request_id", requestId);
            return url.toString();
        }

        private static void append(StringBuilder url, String name, String value) {
            if (value != null && !value.isEmpty()) {
                url.append('&').append(name).append('=').append(Page.enc(value));
            }
        }

        public String value(String text) {
            return text == null ? "" : text;
        }
    }

    /** A {@code datetime-local} value ({@code 2026-11-23T08:00}) in the factory's zone, or an ISO instant. */
    private static Instant localTime(Page page, String field, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.trim()).atZone(page.zoneId()).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(text.trim()).toInstant();
            } catch (DateTimeParseException again) {
                throw ApiException.badRequest(field, page.t("logs.bad_time", field));
            }
        }
    }

    // ---- plumbing -----------------------------------------------------------------------

    private Map<String, Object> params(Page page) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", page);
        return params;
    }

    private Page page(Context ctx, WebSessions.Session session) {
        String chosen = ctx.queryParam("lang");
        if (chosen != null && Messages.LANGUAGES.contains(chosen)) {
            setCookie(ctx, LANG_COOKIE, chosen, 365 * 24 * 3600);
        } else {
            chosen = ctx.cookie(LANG_COOKIE);
        }
        Messages messages = Messages.of(Messages.choose(chosen, ctx.header("Accept-Language")));
        return new Page(messages, session, config.server().timezone(), clock.instant(), ctx.path(), ctx.queryString(), version);
    }

    private Optional<WebSessions.Session> session(Context ctx) {
        return sessions.find(ctx.cookie(SESSION_COOKIE));
    }

    /** A GET page: without a session, off to the login page (and back here afterwards). */
    private io.javalin.http.Handler page(PageHandler handler) {
        return ctx -> {
            Optional<WebSessions.Session> session = session(ctx);
            if (session.isEmpty()) {
                String next = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
                PageRenderer.secureHeaders(ctx);
                ctx.redirect("/admin/login?next=" + Page.enc(next), io.javalin.http.HttpStatus.SEE_OTHER);
                return;
            }
            run(ctx, page(ctx, session.get()), handler);
        };
    }

    /** A piece of a page fetched by the page's script: 401 without a session, so the script reloads. */
    private io.javalin.http.Handler fragment(PageHandler handler) {
        return ctx -> {
            Optional<WebSessions.Session> session = session(ctx);
            if (session.isEmpty()) {
                throw ApiException.unauthorized("the login session has ended; reload the page to log in again");
            }
            run(ctx, page(ctx, session.get()), handler);
        };
    }

    /** A form post: needs a session and the session's CSRF token; refused otherwise, changing nothing. */
    private io.javalin.http.Handler form(PageHandler handler) {
        return ctx -> {
            Optional<WebSessions.Session> session = session(ctx);
            Page page = page(ctx, session.orElse(null));
            if (session.isEmpty()) {
                renderError(ctx, page, 403, page.t("error.no_session"));
                return;
            }
            if (!sameSecret(session.get().csrfToken(), ctx.formParam("csrf")) || crossOrigin(ctx)) {
                log.warn("request {} {} {}: refused, CSRF token missing or wrong (user {})", RequestIds.of(ctx), ctx.method(),
                        ctx.path(), session.get().user());
                renderError(ctx, page, 403, page.t("error.csrf"));
                return;
            }
            run(ctx, page, handler);
        };
    }

    private void run(Context ctx, Page page, PageHandler handler) {
        ctx.attribute(PageRenderer.STARTED, System.nanoTime());
        try {
            handler.handle(ctx, page);
        } catch (ApiException e) {
            renderError(ctx, page, e.status(), e.getMessage());
        }
    }

    private void renderError(Context ctx, Page page, int status, String message) {
        Map<String, Object> params = params(page);
        params.put("status", status);
        params.put("message", message);
        params.put("requestId", RequestIds.of(ctx));
        renderer.render(ctx, status, "error.jte", params);
    }

    /** A form from another site (Origin header naming another host) is refused even with a token. */
    private static boolean crossOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || origin.equals("null")) {
            return false;
        }
        String host = ctx.header("Host");
        try {
            java.net.URI uri = java.net.URI.create(origin);
            String originHost = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
            return host == null || !host.equalsIgnoreCase(originHost);
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    private static boolean sameSecret(String expected, String given) {
        if (expected == null || expected.isEmpty() || given == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    /** Only a path on this server's admin pages: never another site ("//evil", "https://..."). */
    static String safeNext(String next) {
        if (next == null || !next.startsWith("/admin") || next.startsWith("//") || next.contains("\\")
                || next.startsWith("/admin/login") || next.chars().anyMatch(c -> c < 0x20)) {
            return "/admin";
        }
        return next;
    }

    private static void setCookie(Context ctx, String name, String value, int maxAgeSeconds) {
        StringBuilder cookie = new StringBuilder(name).append('=').append(value).append("; Path=/admin; HttpOnly; SameSite=Lax");
        if (maxAgeSeconds >= 0) {
            cookie.append("; Max-Age=").append(maxAgeSeconds);
        }
        if ("https".equalsIgnoreCase(ctx.scheme())) {
            cookie.append("; Secure");
        }
        ctx.res().addHeader("Set-Cookie", cookie.toString());
    }

    private static String trimmed(String text, int max) {
        if (text == null) {
            return null;
        }
        String trimmed = text.trim();
        return trimmed.length() > max ? trimmed.substring(0, max) : trimmed;
    }
}
