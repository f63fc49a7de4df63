package dev.genba.server.scans;

import dev.genba.server.auth.AccessGuard;
import dev.genba.server.http.JsonBodies;
import dev.genba.server.http.QueryParams;
import dev.genba.server.http.RequestIds;
import dev.genba.server.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * {@code GET /api/v1/part-locations} (admin): where each part is now. Filters {@code tag_id},
 * {@code order_id}, {@code location}, {@code station}, {@code updated_since}; paging with
 * {@code limit} and {@code offset}.
 */
public final class PartLocationRoutes implements RouteGroup {
    private final AccessGuard guard;
    private final Jdbi jdbi;

    public PartLocationRoutes(AccessGuard guard, Jdbi jdbi) {
        this.guard = guard;
        this.jdbi = jdbi;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/part-locations", this::list);
    }

    private void list(Context ctx) {
        guard.requireAdmin(ctx);
        int limit = QueryParams.integer(ctx, "limit", 100, 1, 1000);
        int offset = QueryParams.integer(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        Map<String, Object> filters = new LinkedHashMap<>();
        for (String column : List.of("tag_id", "order_id", "location", "station")) {
            String value = QueryParams.text(ctx, column, 256);
            if (value != null) {
                filters.put(column, value);
            }
        }
        Instant updatedSince = QueryParams.instant(ctx, "updated_since");

        StringBuilder where = new StringBuilder(" where true");
        filters.keySet().forEach(column -> where.append(" and ").append(column).append(" = :").append(column));
        if (updatedSince != null) {
            where.append(" and updated_at >= :updated_since");
        }
        Map<String, Object> response = jdbi.withHandle(handle -> {
            Query count = handle.createQuery("select count(*) from part_locations" + where);
            Query page = handle.createQuery("""
                    select tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at
                    from part_locations""" + where + " order by tag_id, order_id limit :limit offset :offset");
            filters.forEach((column, value) -> {
                count.bind(column, value);
                page.bind(column, value);
            });
            if (updatedSince != null) {
                count.bind("updated_since", java.time.OffsetDateTime.ofInstant(updatedSince, java.time.ZoneOffset.UTC));
                page.bind("updated_since", java.time.OffsetDateTime.ofInstant(updatedSince, java.time.ZoneOffset.UTC));
            }
            long total = count.mapTo(Long.class).one();
            List<Map<String, Object>> items = page.bind("limit", limit).bind("offset", offset)
                    .map((rs, statementContext) -> {
                        Map<String, Object> item = new LinkedHashMap<>();
                        item.put("tag_id", rs.getString("tag_id"));
                        item.put("order_id", rs.getString("order_id"));
                        item.put("location", rs.getString("location"));
                        item.put("station", rs.getString("station"));
                        item.put("lot", rs.getString("lot"));
                        item.put("device_id", rs.getString("device_id"));
                        item.put("scan_id", rs.getString("scan_id"));
                        item.put("scanned_at", rs.getTimestamp("scanned_at").toInstant().toString());
                        item.put("updated_at", rs.getTimestamp("updated_at").toInstant().toString());
                        return item;
                    }).list();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("items", items);
            body.put("total", total);
            body.put("limit", limit);
            body.put("offset", offset);
            body.put("next_offset", offset + items.size() < total ? offset + items.size() : null);
            return body;
        });
        response.put("request_id", RequestIds.of(ctx));
        JsonBodies.writeJson(ctx, 200, response);
    }
}
