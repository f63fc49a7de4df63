package dev.genba.server.auth;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

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

    /** Thrown when the key given for a device belongs to another device, or was revoked here. */
    public static final class KeyInUseException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String owner;
        private final boolean revoked;

        KeyInUseException(String owner, boolean revoked) {
            super(revoked ? "that key was revoked here (client " + owner + "), and a revoked key is never used again;"
                    + " issue a new one with genba clients add " + owner
                    : "that key already belongs to " + (owner == null ? "another client" : "client " + owner)
                            + " here; each device needs its own key");
            this.owner = owner;
            this.revoked = revoked;
        }
    }

    /** Registers a device (or re-issues a revoked one) and returns its key; only the hash is stored. */
    public String add(String name) {
        String key = Secrets.generate("gk_");
        register(name, key);
        return key;
    }

    /**
     * Registers a device with a key it already has (one {@link #add} made on another Genba server, such as
     * the stand-in for the old server during a migration test, or the server this one replaces).
     */
    public void register(String name, String key) {
        try {
            registerOnce(name, key);
        } catch (UnableToExecuteStatementException e) {
            // the same key registered by another command at the same moment: the unique index caught it
            if (e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                throw new KeyInUseException(null, false);
            }
            throw e;
        }
    }

    private void registerOnce(String name, String key) {
        byte[] hash = Secrets.hash(key);
        jdbi.useTransaction(handle -> {
            // a key once revoked here stays revoked, even after its device was given a new one
            handle.createQuery("""
                            select name, true as revoked from revoked_device_keys where key_hash = :hash
                            union all
                            select name, revoked_at is not null from devices where key_hash = :hash
                            order by revoked desc limit 1""")
                    .bind("hash", hash)
                    .map((row, context) -> new KeyInUseException(row.getString("name"), row.getBoolean("revoked")))
                    .findOne()
                    .ifPresent(used -> {
                        if (!used.owner.equals(name) || used.revoked) {
                            throw used;
                        }
                    });
            int rows = handle.createUpdate("""
                    insert into devices (name, key_hash, key_hint) values (:name, :hash, :hint)
                    on conflict (name) do update
                        set key_hash = excluded.key_hash, key_hint = excluded.key_hint,
                            created_at = now(), revoked_at = null
                        where devices.revoked_at is not null
                    """)
                    .bind("name", name).bind("hash", hash).bind("hint", Secrets.hint(key))
                    .execute();
            if (rows == 0) {
                throw new DeviceExistsException(name);
            }
            CredentialCache.announceChange(handle);
        });
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
            handle.createUpdate("""
                    insert into revoked_device_keys (key_hash, name, revoked_at)
                    select key_hash, name, revoked_at from devices where name = :name and revoked_at is not null
                    on conflict (key_hash) do nothing""")
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
