package dev.genba.server.clients;

import dev.genba.protocol.Json;
import dev.genba.server.config.GenbaConfig;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** Reads for the fleet pages and APIs: every client's latest state, one client's history, log search. */
public final class FleetQueries {
    /** At most this many points per metric series; longer ranges are averaged into buckets. */
    static final int MAX_POINTS = 300;

    private final Jdbi jdbi;
    private final GenbaConfig.Fleet fleet;

    public FleetQueries(Jdbi jdbi, GenbaConfig.Fleet fleet) {
        this.jdbi = jdbi;
        this.fleet = fleet;
    }

    public record Page(List<Map<String, Object>> items, long total) {
    }

    /** The states a client can be in, from its last report's age. */
    public static final List<String> STATES = List.of("online", "amber", "red", "never");

    /** Orders the client list may take; each maps to a fixed SQL expression (never caller text). */
    public static final Map<String, String> SORTS = Map.of(
            "name", "d.name",
            "last_seen", "s.received_at",
            "cpu", "(s.report->>'cpu_usage')::float8",
            "memory", "(s.report->>'memory_usage')::float8",
            "disk", "(s.report->>'disk_usage')::float8",
            "temperature", "(s.report->>'temperature')::float8",
            "errors", "errors_24h",
            "pending", "pending_scans",
            "hostname", "s.report->>'hostname'");

    /**
     * What the client list may be narrowed and ordered by. {@code search} matches name or
     * hostname; {@code states} keeps those states (null: all); {@code sort} is a key of {@link #SORTS}.
     */
    public record ClientFilter(String search, java.util.Collection<String> states, String sort, boolean descending) {
        public static ClientFilter all() {
            return new ClientFilter(null, null, "name", false);
        }
    }

    /** Clients (active devices) with their latest report, filtered and ordered by {@code filter}. */
    public Page clients(ClientFilter filter, int limit, int offset, Instant now) {
        StringBuilder where = new StringBuilder(" where d.revoked_at is null");
        if (filter.search() != null) {
            where.append(" and (d.name ilike :search escape '!' or s.report->>'hostname' ilike :search escape '!')");
        }
        boolean byState = filter.states() != null && !filter.states().containsAll(STATES);
        if (byState) {
            List<String> conditions = new ArrayList<>();
            for (String state : filter.states()) {
                conditions.add(switch (state) {
                    case "online" -> "s.received_at >= :amber";
                    case "amber" -> "(s.received_at < :amber and s.received_at >= :red)";
                    case "red" -> "s.received_at < :red";
                    case "never" -> "s.received_at is null";
                    default -> throw new IllegalArgumentException("unknown client state " + state);
                });
            }
            where.append(conditions.isEmpty() ? " and false" : " and (" + String.join(" or ", conditions) + ")");
        }
        String sortExpression = SORTS.get(filter.sort());
        if (sortExpression == null) {
            throw new IllegalArgumentException("unknown sort " + filter.sort());
        }
        String direction = filter.descending() ? " desc nulls last" : " asc nulls last";
        String from = " from devices d left join client_status s on s.client_id = d.name";
        return jdbi.withHandle(handle -> {
            Query count = handle.createQuery("select count(*)" + from + where);
            Query page = handle.createQuery("""
                    select d.name, s.received_at, s.sampled_at, s.report::text as report,
                           coalesce(e.errors, 0) as errors_24h,
                           (select sum((o.value->>'pending')::bigint) from jsonb_each(s.report->'outbox') o
                             where jsonb_typeof(o.value->'pending') = 'number') as pending_scans
                    """ + from + """
                     left join (select client_id, count(*) as errors from client_logs
                                 where level = 'error' and logged_at >= :day_ago group by client_id) e
                            on e.client_id = d.name
                    """ + where + " order by " + sortExpression + direction + ", d.name limit :limit offset :offset");
            for (Query query : List.of(count, page)) {
                if (filter.search() != null) {
                    query.bind("search", "%" + escapeLike(filter.search()) + "%");
                }
                if (byState) {
                    query.bind("amber", utc(now.minus(fleet.amberAfter())));
                    query.bind("red", utc(now.minus(fleet.redAfter())));
                }
            }
            long total = count.mapTo(Long.class).one();
            List<Map<String, Object>> items = page.bind("day_ago", utc(now.minus(Duration.ofDays(1))))
                    .bind("limit", limit).bind("offset", offset)
                    .map((rs, ctx) -> client(rs, now)).list();
            return new Page(items, total);
        });
    }

    /** One client with its latest report (as in the list), or empty when no such active client. */
    public java.util.Optional<Map<String, Object>> client(String clientId, Instant now) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select d.name, s.received_at, s.sampled_at, s.report::text as report,
                               (select count(*) from client_logs l where l.client_id = d.name and l.level = 'error'
                                    and l.logged_at >= :day_ago) as errors_24h
                        from devices d left join client_status s on s.client_id = d.name
                        where d.name = :name and d.revoked_at is null""")
                .bind("name", clientId).bind("day_ago", utc(now.minus(Duration.ofDays(1))))
                .map((rs, ctx) -> client(rs, now)).findOne());
    }

    /** How many clients are in each state, and the fleet's errors of the last 24 hours. */
    public Map<String, Long> summary(Instant now) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select count(*) filter (where s.received_at >= :amber) as online,
                               count(*) filter (where s.received_at < :amber and s.received_at >= :red) as amber,
                               count(*) filter (where s.received_at < :red) as red,
                               count(*) filter (where s.received_at is null) as never,
                               (select count(*) from client_logs where level = 'error' and logged_at >= :day_ago) as errors_24h,
                               (select count(*) from client_logs where level = 'warn' and logged_at >= :day_ago) as warnings_24h
                        from devices d left join client_status s on s.client_id = d.name
                        where d.revoked_at is null""")
                .bind("amber", utc(now.minus(fleet.amberAfter()))).bind("red", utc(now.minus(fleet.redAfter())))
                .bind("day_ago", utc(now.minus(Duration.ofDays(1))))
                .map((rs, ctx) -> {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    for (String column : List.of("online", "amber", "red", "never", "errors_24h", "warnings_24h")) {
                        counts.put(column, rs.getLong(column));
                    }
                    return counts;
                }).one());
    }

    private Map<String, Object> client(ResultSet rs, Instant now) throws SQLException {
        Map<String, Object> item = new LinkedHashMap<>();
        Instant lastSeen = instant(rs.getTimestamp("received_at"));
        @SuppressWarnings("unchecked")
        Map<String, Object> report = rs.getString("report") == null ? Map.of() : (Map<String, Object>) Json.parse(rs.getString("report"));
        item.put("client_id", rs.getString("name"));
        item.put("state", state(lastSeen, now));
        item.put("last_seen_at", lastSeen);
        item.put("sampled_at", instant(rs.getTimestamp("sampled_at")));
        for (String field : List.of("hostname", "ip_address", "cpu_usage", "memory_usage", "disk_usage", "temperature",
                "uptime_seconds", "last_boot", "agent_version", "config_version", "logs_dropped")) {
            item.put(field, report.get(field));
        }
        item.put("pending_scans", pending(report.get("outbox")));
        item.put("errors_24h", rs.getLong("errors_24h"));
        item.put("outbox", report.get("outbox"));
        item.put("latency_ms", report.get("latency_ms"));
        return item;
    }

    /** {@code online}, {@code amber} (late), {@code red} (gone) or {@code never} (has not reported yet). */
    String state(Instant lastSeen, Instant now) {
        if (lastSeen == null) {
            return "never";
        }
        Duration silent = Duration.between(lastSeen, now);
        return silent.compareTo(fleet.redAfter()) >= 0 ? "red" : silent.compareTo(fleet.amberAfter()) >= 0 ? "amber" : "online";
    }

    private static Long pending(Object outbox) {
        if (!(outbox instanceof Map<?, ?> destinations)) {
            return null;
        }
        long total = 0;
        for (Object facts : destinations.values()) {
            if (facts instanceof Map<?, ?> map && map.get("pending") instanceof Number number) {
                total += number.longValue();
            }
        }
        return total;
    }

    public boolean exists(String clientId) {
        return jdbi.withHandle(handle -> handle.createQuery("select count(*) from devices where name = :name")
                .bind("name", clientId).mapTo(Long.class).one()) > 0;
    }

    public record Series(Duration bucket, List<Map<String, Object>> points) {
    }

    /** A client's samples in [from, to); averaged into buckets so no range returns more than {@link #MAX_POINTS}. */
    public Series metrics(String clientId, Instant from, Instant to) {
        long rangeSeconds = Math.max(1, Duration.between(from, to).toSeconds());
        long bucketSeconds = Math.max(60, (rangeSeconds + MAX_POINTS - 1) / MAX_POINTS);
        List<Map<String, Object>> points = jdbi.withHandle(handle -> handle.createQuery("""
                        select date_bin(make_interval(secs => :bucket), sampled_at, :from) as t,
                               avg(cpu_usage) as cpu, avg(memory_usage) as memory, avg(disk_usage) as disk,
                               avg(temperature) as temperature, count(*) as samples
                        from client_status_history
                        where client_id = :client and sampled_at >= :from and sampled_at < :to
                        group by 1 order by 1
                        """)
                .bind("bucket", (double) bucketSeconds).bind("client", clientId)
                .bind("from", utc(from)).bind("to", utc(to))
                .map((rs, ctx) -> {
                    Map<String, Object> point = new LinkedHashMap<>();
                    point.put("t", instant(rs.getTimestamp("t")));
                    point.put("cpu_usage", rounded(rs.getObject("cpu")));
                    point.put("memory_usage", rounded(rs.getObject("memory")));
                    point.put("disk_usage", rounded(rs.getObject("disk")));
                    point.put("temperature", rounded(rs.getObject("temperature")));
                    point.put("samples", rs.getLong("samples"));
                    return point;
                }).list());
        return new Series(Duration.ofSeconds(bucketSeconds), points);
    }

    /** What a log search may be narrowed by; null fields do not narrow it. */
    public record LogFilter(String clientId, List<String> levels, String text, Instant from, Instant to, String requestId) {
    }

    /** Log lines newest first; {@code text} matches any substring, case-insensitively, Japanese included. */
    public Page logs(LogFilter filter, int limit, int offset) {
        StringBuilder where = new StringBuilder(" where true");
        Map<String, Object> binds = new LinkedHashMap<>();
        if (filter.clientId() != null) {
            where.append(" and client_id = :client");
            binds.put("client", filter.clientId());
        }
        if (filter.levels() != null && !filter.levels().isEmpty()) {
            where.append(" and level = any(cast(:levels as text[]))");
        }
        if (filter.text() != null) {
            where.append(" and message ilike :text escape '!'");
            binds.put("text", "%" + escapeLike(filter.text()) + "%");
            if (filter.text().codePointCount(0, filter.text().length()) == 2) {
                // pg_trgm finds no trigram in two characters; the bigram index (V7) narrows instead.
                where.append(" and genba_bigrams(message) @> genba_bigrams(:word)");
                binds.put("word", filter.text());
            }
        }
        if (filter.from() != null) {
            where.append(" and logged_at >= :from");
            binds.put("from", utc(filter.from()));
        }
        if (filter.to() != null) {
            where.append(" and logged_at < :to");
            binds.put("to", utc(filter.to()));
        }
        if (filter.requestId() != null) {
            where.append(" and request_id = :request");
            binds.put("request", filter.requestId());
        }
        return jdbi.withHandle(handle -> {
            Query count = handle.createQuery("select count(*) from (select 1 from client_logs" + where + " limit 10001) limited");
            Query page = handle.createQuery("""
                    select id, client_id, level, message, context::text as context, logged_at, request_id, received_at
                    from client_logs""" + where + " order by logged_at desc, id desc limit :limit offset :offset");
            for (Query query : List.of(count, page)) {
                // Plan with the actual search text every time: a cached generic plan cannot know that
                // a two-character pattern gives pg_trgm nothing and scanned the whole trigram index.
                query.addCustomizer(new org.jdbi.v3.core.statement.StatementCustomizer() {
                    @Override
                    public void beforeExecution(java.sql.PreparedStatement statement,
                                                org.jdbi.v3.core.statement.StatementContext context) throws SQLException {
                        statement.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
                    }
                });
                binds.forEach(query::bind);
                if (filter.levels() != null && !filter.levels().isEmpty()) {
                    query.bindArray("levels", String.class, filter.levels());
                }
            }
            long total = count.mapTo(Long.class).one();
            List<Map<String, Object>> items = page.bind("limit", limit).bind("offset", offset).map((rs, ctx) -> {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("id", rs.getLong("id"));
                line.put("client_id", rs.getString("client_id"));
                line.put("level", rs.getString("level"));
                line.put("message", rs.getString("message"));
                line.put("context", rs.getString("context") == null ? null : Json.parse(rs.getString("context")));
                line.put("timestamp", instant(rs.getTimestamp("logged_at")));
                line.put("request_id", rs.getString("request_id"));
                line.put("received_at", instant(rs.getTimestamp("received_at")));
                return line;
            }).list();
            return new Page(items, total);
        });
    }

    /** Searches are for literal text: LIKE's wildcards are escaped ('!' because Jdbi reads a backslash in SQL). */
    private static String escapeLike(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    private static Double rounded(Object value) {
        return value == null ? null : Math.round(((Number) value).doubleValue() * 10) / 10.0;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
