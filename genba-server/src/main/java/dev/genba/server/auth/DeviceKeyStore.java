package dev.genba.server.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Devices and their keys ({@code devices} table). */
public final class DeviceKeyStore {
    private final Jdbi jdbi;

    public DeviceKeyStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Device(String name, String keyHint, Instant createdAt, Instant revokedAt) {
        public boolean active() {
            return revokedAt == null;
        }
    }

    /** Thrown when a device name is taken by an active device. */
    public static final class DeviceExistsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeviceExistsException(String name) {
            super("client " + name + " already exists; run `genba clients revoke " + name
                    + "` first to issue it a new key");
        }
    }

    /** Registers a device (or re-issues a revoked one) and returns its key; only the hash is stored. */
    public String add(String name) {
        String key = Secrets.generate("gk_");
        int changed = jdbi.inTransaction(handle -> {
            int rows = handle.createUpdate("""
                    insert into devices (name, key_hash, key_hint) values (:name, :hash, :hint)
                    on conflict (name) do update
                        set key_hash = excluded.key_hash, key_hint = excluded.key_hint,
                            created_at = now(), revoked_at = null
                        where devices.revoked_at is not null
                    """)
                    .bind("name", name).bind("hash", Secrets.hash(key)).bind("hint", Secrets.hint(key))
                    .execute();
            CredentialCache.announceChange(handle);
            return rows;
        });
        if (changed == 0) {
            throw new DeviceExistsException(name);
        }
        return key;
    }

    public List<Device> list() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select name, key_hint, created_at, revoked_at from devices order by name")
                .map((rs, ctx) -> new Device(rs.getString("name"), rs.getString("key_hint"),
                        rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("revoked_at") == null ? null : rs.getTimestamp("revoked_at").toInstant()))
                .list());
    }

    /** Revokes at once: the server's credential cache is cleared in the same transaction's commit. */
    public boolean revoke(String name) {
        return jdbi.inTransaction(handle -> {
            int rows = handle.createUpdate("update devices set revoked_at = now() where name = :name and revoked_at is null")
                    .bind("name", name).execute();
            CredentialCache.announceChange(handle);
            return rows > 0;
        });
    }

    Optional<String> findActiveByHash(byte[] hash) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select name from devices where key_hash = :hash and revoked_at is null")
                .bind("hash", hash).mapTo(String.class).findOne());
    }
}
