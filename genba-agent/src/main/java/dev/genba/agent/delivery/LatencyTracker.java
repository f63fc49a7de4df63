package dev.genba.agent.delivery;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request latency of one destination over the last 24 hours, in one-minute slots of a fixed
 * log-scale histogram: memory stays bounded (a few hundred KB at most) however many requests
 * are made, and percentiles are accurate to one histogram bucket.
 */
public final class LatencyTracker {
    private static final long[] BUCKET_UPPER_MS = {1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500,
        700, 1_000, 1_500, 2_000, 3_000, 5_000, 7_000, 10_000, 15_000, 20_000, 30_000, 60_000, 3_600_000};
    private static final int SLOTS = 24 * 60;

    private record Slot(long minute, long[] counts, long sum, long max) {
    }

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

    private final Clock clock;
    private final Slot[] slots = new Slot[SLOTS];

    public LatencyTracker(Clock clock) {
        this.clock = clock;
    }

    public synchronized void record(long elapsedMs) {
        long millis = Math.max(0, Math.min(elapsedMs, BUCKET_UPPER_MS[BUCKET_UPPER_MS.length - 1]));
        long minute = clock.millis() / 60_000;
        int index = (int) (minute % SLOTS);
        Slot slot = slots[index];
        if (slot == null || slot.minute() != minute) {
            slot = new Slot(minute, new long[BUCKET_UPPER_MS.length], 0, 0);
        }
        slot.counts()[bucket(millis)]++;
        slots[index] = new Slot(minute, slot.counts(), slot.sum() + millis, Math.max(slot.max(), millis));
    }

    /** Null when nothing was measured in the last 24 hours. */
    public synchronized Summary summary() {
        long oldestMinute = clock.millis() / 60_000 - SLOTS + 1;
        long[] counts = new long[BUCKET_UPPER_MS.length];
        long samples = 0;
        long sum = 0;
        long max = 0;
        for (Slot slot : slots) {
            if (slot == null || slot.minute() < oldestMinute) {
                continue;
            }
            for (int i = 0; i < counts.length; i++) {
                counts[i] += slot.counts()[i];
                samples += slot.counts()[i];
            }
            sum += slot.sum();
            max = Math.max(max, slot.max());
        }
        if (samples == 0) {
            return null;
        }
        return new Summary(Math.round(10.0 * sum / samples) / 10.0, percentile(counts, samples, 0.50, max),
                percentile(counts, samples, 0.95, max), percentile(counts, samples, 0.99, max), max, samples);
    }

    private static double percentile(long[] counts, long samples, double fraction, long max) {
        long rank = (long) Math.ceil(fraction * samples);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(BUCKET_UPPER_MS[i], max);
            }
        }
        return max;
    }

    private static int bucket(long millis) {
        for (int i = 0; i < BUCKET_UPPER_MS.length; i++) {
            if (millis <= BUCKET_UPPER_MS[i]) {
                return i;
            }
        }
        return BUCKET_UPPER_MS.length - 1;
    }
}
