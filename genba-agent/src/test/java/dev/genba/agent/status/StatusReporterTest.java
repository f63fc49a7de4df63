package dev.genba.agent.status;

import static dev.genba.agent.testing.JsonObjects.object;
import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.config.ServerContact;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.delivery.LatencyStore;
import dev.genba.agent.delivery.LatencyTracker;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.outbox.QueuedScan;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import dev.genba.protocol.ClientStatusReport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusReporterTest {
    @TempDir
    Path directory;

    private FakeGenbaServer server;
    private AgentDatabase database;
    private OutboxStore outbox;
    private StatusBacklog backlog;
    private AgentFileConfig file;

    @BeforeEach
    void start() throws Exception {
        server = new FakeGenbaServer();
        file = TestConfig.load(TestConfig.write(directory, server.url(), ""));
        database = AgentDatabase.open(file.outboxFile());
        outbox = new OutboxStore(database, 1_000);
        backlog = new StatusBacklog(database, StatusBacklog.MAX_REPORTS);
    }

    @AfterEach
    void stop() {
        database.close();
        server.close();
    }

    private StatusReporter reporter(Clock clock) {
        LatencyTracker latency = new LatencyTracker(Destination.PRIMARY, new LatencyStore(database), clock);
        latency.record(12);
        return new StatusReporter(new LiveSettings(file, Optional.empty()), new SystemSampler(Path.of("/")), outbox,
                backlog, destination -> destination == Destination.PRIMARY ? latency.summary() : null, () -> 3L,
                new AgentHttp("test-key-0001", "test"), new ServerContact(clock), clock, "9.9.9");
    }

    @Test
    void a_report_carries_the_pis_health_and_the_outbox_facts() throws Exception {
        outbox.enqueue(List.of(new QueuedScan("s1", "{}")), List.of(Destination.PRIMARY), Instant.now().minusSeconds(90));

        reporter(Clock.systemUTC()).tick();

        ClientStatusReport report = server.statusReports().get(0);
        assertThat(report.clientId()).isEqualTo("HANDHELD-01");
        assertThat(report.cpuUsage()).isBetween(0.0, 100.0);
        assertThat(report.memoryUsage()).isBetween(0.0, 100.0);
        assertThat(report.diskUsage()).isBetween(0.0, 100.0);
        assertThat(report.uptimeSeconds()).isPositive();
        assertThat(report.lastBoot()).isBefore(Instant.now());
        assertThat(report.agentVersion()).isEqualTo("9.9.9");
        assertThat(report.logsDropped()).isEqualTo(3);
        assertThat(report.outbox()).containsOnlyKeys("primary");
        assertThat(object(report.outbox().get("primary"))).containsEntry("pending", 1L).containsEntry("dead_letters", 0L);
        assertThat(((Number) ((Map<?, ?>) report.outbox().get("primary")).get("oldest_pending_s")).longValue())
                .isGreaterThanOrEqualTo(90);
        assertThat(object(report.latencyMs().get("primary"))).containsEntry("samples", 1L);
        assertThat(backlog.size()).isZero();
    }

    @Test
    void after_an_outage_the_current_report_goes_first_then_the_waiting_ones_oldest_first_with_their_time()
            throws Exception {
        server.forceStatus(503);
        Instant first = Instant.parse("2026-11-23T01:00:00Z");
        Instant second = Instant.parse("2026-11-23T01:01:00Z");
        Instant third = Instant.parse("2026-11-23T01:02:00Z");
        reporter(Clock.fixed(first, ZoneOffset.UTC)).tick();
        reporter(Clock.fixed(second, ZoneOffset.UTC)).tick();
        reporter(Clock.fixed(third, ZoneOffset.UTC)).tick();
        assertThat(server.statusReports()).isEmpty();
        assertThat(backlog.size()).isEqualTo(3);

        server.forceStatus(0);
        Instant current = Instant.parse("2026-11-23T01:03:00Z");
        reporter(Clock.fixed(current, ZoneOffset.UTC)).tick();

        assertThat(server.statusReports()).extracting(ClientStatusReport::sampledAt)
                .containsExactly(current, first, second, third);
        assertThat(backlog.size()).isZero();
    }

    @Test
    void the_backlog_keeps_only_the_newest_reports_past_its_bound() {
        StatusBacklog small = new StatusBacklog(database, 3);
        for (int i = 0; i < 5; i++) {
            small.add("{\"n\":" + i + "}");
        }

        assertThat(small.size()).isEqualTo(3);
        assertThat(small.oldest(1).get(0).body()).isEqualTo("{\"n\":2}");
    }
}
