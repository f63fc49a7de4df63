package dev.genba.server.clients;

import dev.genba.protocol.ClientStatusReport;
import dev.genba.protocol.Json;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jdbi.v3.core.Jdbi;

/** Health reports: every sample in {@code client_status_history}, the newest in {@code client_status}. */
public final class ClientStatusStore {
    private final Jdbi jdbi;

    public ClientStatusStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Records one sample; returns false when a sample with the same {@code sampled_at} was
     * already recorded (an agent retrying a back-fill). A back-filled sample never replaces a
     * newer "latest" state.
     */
    public boolean record(ClientStatusReport report, Instant sampledAt, Instant receivedAt) {
        String json = Json.write(report.toJson());
        OffsetDateTime sampled = OffsetDateTime.ofInstant(sampledAt, ZoneOffset.UTC);
        OffsetDateTime received = OffsetDateTime.ofInstant(receivedAt, ZoneOffset.UTC);
        return jdbi.inTransaction(handle -> {
            int inserted = handle.createUpdate("""
                    insert into client_status_history
                        (client_id, sampled_at, received_at, cpu_usage, memory_usage, disk_usage,
                         temperature, uptime_seconds, report)
                    values (:client, :sampled, :received, :cpu, :memory, :disk, :temperature, :uptime, cast(:report as jsonb))
                    on conflict (client_id, sampled_at) do nothing
                    """)
                    .bind("client", report.clientId()).bind("sampled", sampled).bind("received", received)
                    .bind("cpu", report.cpuUsage()).bind("memory", report.memoryUsage())
                    .bind("disk", report.diskUsage()).bind("temperature", report.temperature())
                    .bind("uptime", report.uptimeSeconds()).bind("report", json)
                    .execute();
            handle.createUpdate("""
                    insert into client_status (client_id, sampled_at, received_at, report)
                    values (:client, :sampled, :received, cast(:report as jsonb))
                    on conflict (client_id) do update
                        set sampled_at = excluded.sampled_at, received_at = excluded.received_at, report = excluded.report
                        where excluded.sampled_at >= client_status.sampled_at
                    """)
                    .bind("client", report.clientId()).bind("sampled", sampled).bind("received", received)
                    .bind("report", json)
                    .execute();
            return inserted > 0;
        });
    }
}
