package dev.genba.server.scans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.ScanRequest;
import dev.genba.protocol.ScanResult;
import dev.genba.server.db.Database;
import dev.genba.server.testing.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScanBatcherTest {

    private static ScanRequest scan(int i) {
        Map<String, Object> payload = Map.of("tag_id", "GROUP-" + (i % 300), "order_id", "", "location", "L" + i);
        return new ScanRequest(UUID.randomUUID(), "HANDHELD-01", Instant.parse("2026-05-01T00:00:00Z").plusSeconds(i),
                "GROUP-" + (i % 300), "", "L" + i, null, null, payload);
    }

    @Test
    void thousands_of_concurrent_single_scans_all_commit_and_share_transactions() throws Exception {
        try (Database database = Database.connect(TestPostgres.newDatabase(), 4, "test", null)) {
            database.migrate();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (ScanBatcher batcher = new ScanBatcher(database.jdbi(), 2, 100_000, registry)) {
                ExecutorService senders = Executors.newFixedThreadPool(16);
                List<Future<List<ScanResult>>> results = new ArrayList<>();
                for (int i = 0; i < 8000; i++) {
                    int n = i;
                    results.add(senders.submit(() -> {
                        CompletableFuture<List<ScanResult>> stored = batcher.submit(List.of(scan(n)));
                        return stored.get(20, TimeUnit.SECONDS);
                    }));
                }
                for (Future<List<ScanResult>> result : results) {
                    assertThat(result.get(30, TimeUnit.SECONDS)).singleElement()
                            .satisfies(item -> assertThat(item.status()).isEqualTo(ScanResult.Status.STORED));
                }
                senders.shutdown();
            }
            long rows = database.jdbi().withHandle(handle -> handle.createQuery("select count(*) from scans")
                    .mapTo(Long.class).one());
            long transactions = registry.summary("genba.scans.commit.group.size").count();
            assertThat(rows).isEqualTo(8000);
            assertThat(transactions).isLessThan(8000);
            String latest = database.jdbi().withHandle(handle -> handle.createQuery(
                    "select location from part_locations where tag_id = 'GROUP-299'").mapTo(String.class).one());
            assertThat(latest).isEqualTo("L7799");
        }
    }
}
