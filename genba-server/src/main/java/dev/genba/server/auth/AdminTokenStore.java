package dev.genba.server.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Bearer tokens for the admin API ({@code admin_tokens} table). */
public final class AdminTokenStore {
    private final Jdbi jdbi;

    public AdminTokenStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Token(long id, String name, String hint, Instant createdAt, Instant revokedAt) {
    }

    public record Created(long id, String token) {
    }

    public Created create(String name) {
        String token = Secrets.generate("gt_");
        long id = jdbi.inTransaction(handle -> handle.createUpdate(
                        "insert into admin_tokens (name, token_hash, token_hint) values (:name, :hash, :hint)")
                .bind("name", name).bind("hash", Secrets.hash(token)).bind("hint", Secrets.hint(token))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        return new Created(id, token);
    }

    public List<Token> list() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select id, name, token_hint, created_at, revoked_at from admin_tokens order by id")
                .map((rs, ctx) -> new Token(rs.getLong("id"), rs.getString("name"), rs.getString("token_hint"),
                        rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("revoked_at") == null ? null : rs.getTimestamp("revoked_at").toInstant()))
                .list());
    }

    public boolean revoke(long id) {
        return jdbi.inTransaction(handle -> {
            int rows = handle.createUpdate("update admin_tokens set revoked_at = now() where id = :id and revoked_at is null")
                    .bind("id", id).execute();
            CredentialCache.announceChange(handle);
            return rows > 0;
        });
    }

    Optional<String> findActiveByHash(byte[] hash) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select name from admin_tokens where token_hash = :hash and revoked_at is null")
                .bind("hash", hash).mapTo(String.class).findOne());
    }
}
