package dev.genba.server.web;

import dev.genba.server.auth.Secrets;
import dev.genba.server.users.UserStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Login sessions of the admin pages, kept in PostgreSQL so a server restart does not log
 * everyone out and removing a user ends their sessions at once. The cookie carries a random
 * token; the database holds only its SHA-256. Each session has its own CSRF token.
 */
public final class WebSessions {
    /** A session unused this long ends (a wall display that refreshes itself never idles). */
    static final Duration IDLE = Duration.ofHours(12);
    /** However busy, a session ends this long after the login. */
    static final Duration LONGEST = Duration.ofDays(7);
    /** {@code last_seen_at} is written at most this often, not on every request. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final Jdbi jdbi;
    private final Clock clock;

    public WebSessions(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A logged-in person as a page sees them. */
    public record Session(String user, UserStore.Role role, String csrfToken) {
        public boolean isAdmin() {
            return role == UserStore.Role.ADMIN;
        }
    }

    /** A new session for {@code user}; returns the cookie value (shown to nobody else). */
    public String create(String user) {
        String token = Secrets.generate("gs_");
        Instant now = clock.instant();
        jdbi.useHandle(handle -> {
            handle.createUpdate("delete from web_sessions where expires_at < :now or last_seen_at < :idle")
                    .bind("now", utc(now)).bind("idle", utc(now.minus(IDLE))).execute();
            handle.createUpdate("""
                            insert into web_sessions (token_hash, user_name, csrf_token, created_at, last_seen_at, expires_at)
                            values (:hash, :user, :csrf, :now, :now, :expires)""")
                    .bind("hash", hash(token)).bind("user", user).bind("csrf", Secrets.generate(""))
                    .bind("now", utc(now)).bind("expires", utc(now.plus(LONGEST))).execute();
        });
        return token;
    }

    /** The session behind a cookie value, if it is still valid; keeps it alive. */
    public Optional<Session> find(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        String hash = hash(token);
        return jdbi.withHandle(handle -> {
            Optional<Object[]> row = handle.createQuery("""
                            select s.user_name, u.role, s.csrf_token, s.last_seen_at
                            from web_sessions s join users u on u.name = s.user_name
                            where s.token_hash = :hash and s.expires_at > :now and s.last_seen_at > :idle
                              and u.password_hash is not null""")
                    .bind("hash", hash).bind("now", utc(now)).bind("idle", utc(now.minus(IDLE)))
                    .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getTimestamp(4).toInstant()})
                    .findOne();
            row.ifPresent(values -> {
                if (((Instant) values[3]).isBefore(now.minus(TOUCH_EVERY))) {
                    handle.createUpdate("update web_sessions set last_seen_at = :now where token_hash = :hash")
                            .bind("now", utc(now)).bind("hash", hash).execute();
                }
            });
            return row.map(values -> new Session((String) values[0],
                    UserStore.Role.valueOf(((String) values[1]).toUpperCase(Locale.ROOT)), (String) values[2]));
        });
    }

    public void end(String token) {
        if (token != null && token.length() <= 100) {
            jdbi.useHandle(handle -> handle.createUpdate("delete from web_sessions where token_hash = :hash")
                    .bind("hash", hash(token)).execute());
        }
    }

    private static String hash(String token) {
        return HexFormat.of().formatHex(Secrets.hash(token));
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
