package dev.genba.server.clients;

import dev.genba.server.auth.AccessGuard;
import dev.genba.server.http.ApiException;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.QueryParams;
import dev.genba.server.http.RequestIds;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The admin side of fleet monitoring: {@code GET /api/clients/status} (every client's latest
 * state, amber/red when silent), {@code GET /api/clients/{id}/metrics} (history, downsampled)
 * and {@code GET /api/clients/logs} (search, newest first).
 */
public final class FleetRoutes implements RouteGroup {
    private static final Duration LONGEST_RANGE = Duration.ofDays(31);
    private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug");
    private static final int LOG_COUNT_CAP = 10_000;

    private final AccessGuard guard;
    private final FleetQueries queries;
    private final Clock clock;

    public FleetRoutes(AccessGuard guard, FleetQueries queries, Clock clock) {
        this.guard = guard;
        this.queries = queries;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/clients/status", this::clients);
        routes.get("/api/clients/summary", this::summary);
        routes.get("/api/clients/logs", this::logs);
        routes.get("/api/clients/{id}/metrics", this::metrics);
    }

    private void clients(Context ctx) {
        guard.requireAdmin(ctx);
        int limit = QueryParams.integer(ctx, "limit", 100, 1, 5000);
        int offset = QueryParams.integer(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        FleetQueries.Page page = queries.clients(clientFilter(ctx), limit, offset, clock.instant());
        respond(ctx, page, limit, offset, page.total());
    }

    /** What the dashboard's tiles show: clients per state and the fleet's errors and warnings of the last 24 h. */
    private void summary(Context ctx) {
        guard.requireAdmin(ctx);
        Map<String, Object> body = new LinkedHashMap<>(queries.summary(clock.instant()));
        body.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, body);
    }

    /**
     * {@code q} (name or hostname), {@code state} (comma-separated online, amber, red, never),
     * {@code stale=true} (amber, red and never), {@code sort} (a key of {@link FleetQueries#SORTS},
     * {@code -} in front for descending). Shared by the API and the clients page.
     */
    public static FleetQueries.ClientFilter clientFilter(Context ctx) {
        java.util.Set<String> states = null;
        String stateText = QueryParams.text(ctx, "state", 60);
        if (stateText != null && !stateText.isBlank()) {
            states = new java.util.LinkedHashSet<>();
            for (String state : stateText.split(",")) {
                String name = state.trim().toLowerCase(Locale.ROOT);
                if (!FleetQueries.STATES.contains(name)) {
                    throw ApiException.badRequest("state", "state must be online, amber, red or never (comma-separated), got \""
                            + abbreviate(name) + "\"");
                }
                states.add(name);
            }
        }
        if (bool(ctx, "stale")) {
            java.util.Set<String> stale = java.util.Set.of("amber", "red", "never");
            if (states == null) {
                states = new java.util.LinkedHashSet<>(stale);
            } else {
                states.retainAll(stale);
            }
        }
        String sort = QueryParams.text(ctx, "sort", 20);
        boolean descending = false;
        if (sort == null || sort.isBlank()) {
            sort = "name";
        } else if (sort.startsWith("-")) {
            descending = true;
            sort = sort.substring(1);
        }
        if (!FleetQueries.SORTS.containsKey(sort)) {
            throw ApiException.badRequest("sort", "sort must be one of " + String.join(", ", new java.util.TreeSet<>(FleetQueries.SORTS.keySet()))
                    + " (with - in front for descending), got \"" + abbreviate(sort) + "\"");
        }
        return new FleetQueries.ClientFilter(QueryParams.text(ctx, "q", 100), states, sort, descending);
    }

    private void metrics(Context ctx) {
        guard.requireAdmin(ctx);
        String clientId = ctx.pathParam("id");
        if (!queries.exists(clientId)) {
            throw new ApiException(404, "not_found", "id", "no client named " + abbreviate(clientId));
        }
        Instant to = QueryParams.instant(ctx, "to");
        to = to == null ? clock.instant() : to;
        Instant from = QueryParams.instant(ctx, "from");
        from = from == null ? to.minus(Duration.ofDays(1)) : from;
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from", "from must be before to");
        }
        if (Duration.between(from, to).compareTo(LONGEST_RANGE) > 0) {
            throw ApiException.badRequest("from", "the range from..to may be at most 31 days");
        }
        FleetQueries.Series series = queries.metrics(clientId, from, to);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("client_id", clientId);
        body.put("from", from);
        body.put("to", to);
        body.put("bucket_s", series.bucket().toSeconds());
        body.put("points", series.points());
        body.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, body);
    }

    private void logs(Context ctx) {
        guard.requireAdmin(ctx);
        int limit = QueryParams.integer(ctx, "limit", 100, 1, 1000);
        int offset = QueryParams.integer(ctx, "offset", 0, 0, LOG_COUNT_CAP);
        List<String> levels = null;
        String levelText = QueryParams.text(ctx, "level", 40);
        if (levelText != null) {
            levels = Arrays.stream(levelText.split(",")).map(level -> level.trim().toLowerCase(Locale.ROOT)).toList();
            for (String level : levels) {
                if (!LEVELS.contains(level)) {
                    throw ApiException.badRequest("level", "level must be error, warn, info or debug (comma-separated), got \""
                            + abbreviate(level) + "\"");
                }
            }
        }
        String requestId = QueryParams.text(ctx, "request_id", 128);
        if (requestId == null) {
            requestId = QueryParams.text(ctx, "requestId", 128);
        }
        FleetQueries.LogFilter filter = new FleetQueries.LogFilter(QueryParams.text(ctx, "client", 64), levels,
                QueryParams.text(ctx, "q", 200), QueryParams.instant(ctx, "from"), QueryParams.instant(ctx, "to"), requestId);
        FleetQueries.Page page = queries.logs(filter, limit, offset);
        respond(ctx, page, limit, offset, Math.min(page.total(), LOG_COUNT_CAP));
    }

    private static void respond(Context ctx, FleetQueries.Page page, int limit, int offset, long total) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.items());
        body.put("total", total);
        body.put("total_capped", page.total() > total);
        body.put("limit", limit);
        body.put("offset", offset);
        body.put("next_offset", offset + page.items().size() < total ? offset + page.items().size() : null);
        body.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, body);
    }

    static boolean bool(Context ctx, String name) {
        String text = QueryParams.text(ctx, name, 5);
        if (text == null) {
            return false;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw ApiException.badRequest(name, name + " must be true or false");
        };
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
