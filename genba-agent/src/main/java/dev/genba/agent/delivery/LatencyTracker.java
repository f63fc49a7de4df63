package dev.genba.agent.delivery;

import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.outbox.Destination;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Request latency of one destination, counted in memory for the current hour and added to the
 * {@link LatencyStore} at most every few seconds (one small write, not one per request), so the
 * status report of the running agent and {@code genba-agent report} show the same 24 hours.
 */
public final class LatencyTracker {
    private static final AgentLog LOG = AgentLog.of(LatencyTracker.class);
    private static final long FLUSH_EVERY_MS = 10_000;
    /** Stands for "no endpoint" in the store. */
    static final String NONE = "";

    public record Summary(double avg, double p50, double p95, double p99, double max, long samples) {
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("avg", avg);
            json.put("p50", p50);
            json.put("p95", p95);
            json.put("p99", p99);
            json.put("max", max);
            json.put("samples", samples);
            return json;
        }
    }

    private final Destination destination;
    private final LatencyStore store;
    private final Clock clock;
    /** Measured and not written yet, per hour: more than one only while the disk takes no writes. */
    private final TreeMap<Long, LatencyHistogram> unsaved = new TreeMap<>();
    private long lastFlushMs;
    private String endpoint;
    /**
     * False while the store could not be told that {@link #endpoint} is the one measured now (the
     * disk takes no writes): it still holds another endpoint's hours, so nothing is added to them.
     */
    private boolean storeSwitched = true;
    private boolean keptInMemory;

    public LatencyTracker(Destination destination, LatencyStore store, Clock clock) {
        this.destination = destination;
        this.store = store;
        this.clock = clock;
        this.lastFlushMs = clock.millis();
    }

    /**
     * Called with the endpoint in force before each delivery step (null: none any more, mirror
     * mode turned off): when it is not the one measured so far, what was measured (here and in the
     * store) is dropped and measuring starts anew.
     */
    public synchronized void endpoint(String inForce) {
        String key = inForce == null ? NONE : inForce;
        if (key.equals(endpoint)) {
            return;
        }
        if (endpoint != null) {
            unsaved.clear();
        } else {
            flush();
        }
        endpoint = key;
        storeSwitched = false;
        // Delivery calls this before each step: a full disk must not stop the scans going to the new
        // endpoint for the sake of the latency figures, which wait in memory until the store is switched.
        switchStore();
    }

    private boolean switchStore() {
        try {
            store.useEndpoint(destination, endpoint);
            storeSwitched = true;
        } catch (DatabaseException e) {
            keepInMemory(e);
        }
        return storeSwitched;
    }

    private void keepInMemory(DatabaseException e) {
        if (!keptInMemory) {
            keptInMemory = true;
            LOG.warn(destination.key() + " latency is kept in memory until the disk takes writes again: "
                    + e.getMessage());
        }
    }

    public synchronized void record(long elapsedMs) {
        long now = clock.millis();
        long hour = LatencyStore.hourOf(now);
        if (!unsaved.isEmpty() && unsaved.lastKey() != hour) {
            flush();
        }
        unsaved.computeIfAbsent(hour, h -> new LatencyHistogram()).add(elapsedMs);
        if (now - lastFlushMs >= FLUSH_EVERY_MS) {
            flush();
        }
    }

    /**
     * Writes what was measured since the last write, each hour's samples to their own hour. When the
     * disk takes no writes (full or failing), the measurements stay in memory for the next try
     * (hours that left the 24-hour window are let go): neither a delivery nor a status report fails
     * for their sake.
     */
    public synchronized void flush() {
        long now = clock.millis();
        lastFlushMs = now;
        unsaved.headMap(LatencyStore.hourOf(now) - LatencyStore.HOURS_KEPT, true).clear();
        if (!storeSwitched && !switchStore()) {
            return;
        }
        try {
            while (!unsaved.isEmpty()) {
                Map.Entry<Long, LatencyHistogram> oldest = unsaved.firstEntry();
                store.add(destination, oldest.getKey(), oldest.getValue(), clock.instant());
                unsaved.pollFirstEntry();
            }
        } catch (DatabaseException e) {
            keepInMemory(e);
            return;
        }
        keptInMemory = false;
    }

    /**
     * The summary for a status report made under settings whose endpoint is {@code inForce} (null:
     * none): null while delivery still measures another endpoint. After a configuration change,
     * delivery switches the tracker at its next step (a backoff wait can last minutes); until then
     * the hours are the old endpoint's and must not go out under the new configuration's version.
     * Only delivery switches: a request to the old endpoint may still be in flight.
     */
    public synchronized Summary summaryFor(String inForce) {
        String key = inForce == null ? NONE : inForce;
        try {
            if (endpoint == null) {
                // no delivery step in this process yet: the store says whose hours it holds
                return store.summaryOf(destination, inForce, clock.instant());
            }
            return key.equals(endpoint) ? summary() : null;
        } catch (DatabaseException e) {
            return null; // the report goes out without latency rather than not at all (a full disk is news)
        }
    }

    /**
     * The last 24 hours, this process's newest measurements included (those not written yet
     * because the disk takes no writes excepted); null when nothing was measured.
     */
    public synchronized Summary summary() {
        flush();
        if (!storeSwitched) {
            // the store's hours are another endpoint's: only what was measured here since the switch
            LatencyHistogram measured = new LatencyHistogram();
            unsaved.values().forEach(hour -> measured.add(hour.countsText(), hour.totalMs(), hour.maxMs()));
            return measured.summary();
        }
        return store.summary(destination, clock.instant());
    }
}
