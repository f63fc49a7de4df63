package dev.genba.agent.delivery;

import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxStore;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;

/** The two delivery workers (primary and mirror), each on its own thread, acknowledged independently. */
public final class Delivery implements AutoCloseable {
    private final Map<Destination, DeliveryWorker> workers = new EnumMap<>(Destination.class);
    private final Map<Destination, Thread> threads = new EnumMap<>(Destination.class);

    public Delivery(OutboxStore outbox, LatencyStore latency, LiveSettings settings, AgentHttp http, long maxBackoffMs,
                    Clock clock) {
        ScanSender sender = new ScanSender(http);
        DeliveryWorker primary = new DeliveryWorker(Destination.PRIMARY, outbox, settings, sender,
                new LatencyTracker(Destination.PRIMARY, latency, clock), () -> false, maxBackoffMs, clock);
        DeliveryWorker mirror = new DeliveryWorker(Destination.MIRROR, outbox, settings, sender,
                new LatencyTracker(Destination.MIRROR, latency, clock), primary::failing, maxBackoffMs, clock);
        primary.afterPrimaryAttempt(mirror::newScans);
        workers.put(Destination.PRIMARY, primary);
        workers.put(Destination.MIRROR, mirror);
        settings.onChange(this::wake);
    }

    public void start() {
        workers.forEach((destination, worker) -> {
            Thread thread = new Thread(worker, "deliver-" + destination.key());
            threads.put(destination, thread);
            thread.start();
        });
    }

    public void newScans() {
        workers.values().forEach(DeliveryWorker::newScans);
    }

    private void wake() {
        workers.values().forEach(DeliveryWorker::wake);
    }

    public LatencyTracker latency(Destination destination) {
        return workers.get(destination).latency();
    }

    @Override
    public void close() {
        workers.values().forEach(DeliveryWorker::stop);
        for (Thread thread : threads.values()) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.values().forEach(worker -> worker.latency().flush());
    }
}
