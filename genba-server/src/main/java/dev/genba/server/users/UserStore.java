package dev.genba.server.users;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The people who may log in to the admin pages ({@code users} table). */
public final class UserStore {
    /** Checked for unknown names so an answer's timing does not tell which names exist. */
    private static final String DUMMY = Passwords.hash("not-a-real-password".toCharArray());

    private final Jdbi jdbi;

    public UserStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public enum Role { ADMIN, VIEWER }

    public record User(String name, Role role, boolean hasPassword, Instant createdAt, Instant passwordSetAt) {
    }

    /** Returns false when the name is taken. */
    public boolean add(String name, Role role, String passwordHash) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                        insert into users (name, role, password_hash, password_set_at)
                        values (:name, :role, :hash, case when cast(:hash as text) is null then null else now() end)
                        on conflict (name) do nothing""")
                .bind("name", name).bind("role", role.name().toLowerCase(java.util.Locale.ROOT)).bind("hash", passwordHash)
                .execute() > 0);
    }

    /** Sets the password and ends the user's login sessions (a changed password locks out whoever had the old one). */
    public boolean setPassword(String name, String passwordHash) {
        return jdbi.inTransaction(handle -> {
            boolean found = handle.createUpdate("update users set password_hash = :hash, password_set_at = now() where name = :name")
                    .bind("name", name).bind("hash", passwordHash).execute() > 0;
            handle.createUpdate("delete from web_sessions where user_name = :name").bind("name", name).execute();
            return found;
        });
    }

    public boolean remove(String name) {
        return jdbi.withHandle(handle -> handle.createUpdate("delete from users where name = :name").bind("name", name).execute() > 0);
    }

    public List<User> list() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select name, role, password_hash is not null as has_password, created_at, password_set_at from users order by name")
                .map((rs, ctx) -> new User(rs.getString("name"), Role.valueOf(rs.getString("role").toUpperCase(java.util.Locale.ROOT)),
                        rs.getBoolean("has_password"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("password_set_at") == null ? null : rs.getTimestamp("password_set_at").toInstant()))
                .list());
    }

    /** The user, if the password is right. */
    public Optional<User> authenticate(String name, char[] password) {
        List<String> rows = jdbi.withHandle(handle -> handle.createQuery("select password_hash from users where name = :name")
                .bind("name", name).mapTo(String.class).list());
        String stored = rows.isEmpty() || rows.get(0) == null ? DUMMY : rows.get(0);
        boolean ok = Passwords.matches(password, stored) && !rows.isEmpty() && rows.get(0) != null;
        return ok ? list().stream().filter(user -> user.name().equals(name)).findFirst() : Optional.empty();
    }
}
