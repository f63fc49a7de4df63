package dev.genba.server.auth;

import dev.genba.server.db.DbEvents;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Remembers which key hash belongs to which device or admin so a scan does not pay a database
 * lookup for its credentials. Revocations run in other processes (the {@code genba} CLI), so
 * the cache is only trusted while the server is listening on PostgreSQL's
 * {@code genba_credentials} channel; every change to a credential NOTIFYs it in the same
 * transaction, and a lost connection empties the cache.
 */
public final class CredentialCache {
    public static final String CHANNEL = "genba_credentials";
    private static final int MAX_ENTRIES = 50_000;

    private final DbEvents events;
    private final ConcurrentHashMap<ByteBuffer, String> entries = new ConcurrentHashMap<>();
    /** Bumped on every invalidation; a lookup that raced with one is not cached. */
    private final AtomicLong generation = new AtomicLong();

    /** Registers on {@code events}; start them afterwards. */
    public CredentialCache(DbEvents events) {
        this.events = events;
        events.on(CHANNEL, payload -> invalidate());
    }

    /** Called inside a transaction that changed a credential: the NOTIFY is delivered on commit. */
    static void announceChange(Handle handle) {
        handle.execute("select pg_notify('" + CHANNEL + "', 'changed')");
    }

    /** {@code kind} keeps device keys and admin tokens apart: one never answers for the other. */
    Optional<String> lookup(char kind, byte[] hash, Function<byte[], Optional<String>> database) {
        ByteBuffer key = ByteBuffer.allocate(hash.length + 1).put((byte) kind).put(hash).flip();
        if (events.listening()) {
            String cached = entries.get(key);
            if (cached != null) {
                return Optional.of(cached);
            }
        }
        long before = generation.get();
        Optional<String> found = database.apply(hash);
        if (found.isPresent() && events.listening() && entries.size() < MAX_ENTRIES) {
            entries.put(key, found.get());
            if (generation.get() != before || !events.listening()) {
                entries.remove(key);
            }
        }
        return found;
    }

    private void invalidate() {
        generation.incrementAndGet();
        entries.clear();
    }
}
