package dev.genba.server.scans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.DefaultTimeBasedFileNamingAndTriggeringPolicy;
import dev.genba.protocol.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestLogTest {
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @TempDir
    Path logs;

    private static RequestLog.Line line(String scanId) {
        return new RequestLog.Line(Instant.parse("2026-02-20T10:15:03Z"), "HANDHELD-01",
                Map.of("station", "A", "location", "SHELF-03", "lot", "LOT-123"), 128, 200, scanId, "req-1");
    }

    @Test
    void writes_the_seed_format_one_json_line_per_scan() throws Exception {
        try (RequestLog log = new RequestLog(logs, TOKYO, 30)) {
            log.record(List.of(line("a"), line("b")));
        }
        List<String> lines = Files.readAllLines(logs.resolve("mirror_requests.log"));
        assertThat(lines).hasSize(2);
        Map<?, ?> first = (Map<?, ?>) Json.parse(lines.get(0));
        assertThat(first.get("timestamp")).isEqualTo("2026-02-20T10:15:03Z");
        assertThat(first.get("device_id")).isEqualTo("HANDHELD-01");
        assertThat(first.get("response_ms")).isEqualTo(128L);
        assertThat(first.get("status")).isEqualTo(200L);
        assertThat(((Map<?, ?>) first.get("payload")).get("location")).isEqualTo("SHELF-03");
    }

    @Test
    void rolls_over_at_local_midnight_into_a_gzipped_dated_file_and_keeps_30_days() throws Exception {
        Path ancient = logs.resolve("mirror_requests.2026-01-20.log.gz");
        Path recent = logs.resolve("mirror_requests.2026-02-10.log.gz");
        Files.write(ancient, new byte[] {1});
        Files.write(recent, new byte[] {1});
        DefaultTimeBasedFileNamingAndTriggeringPolicy<ILoggingEvent> timing = new DefaultTimeBasedFileNamingAndTriggeringPolicy<>();
        ZonedDateTime evening = ZonedDateTime.of(2026, 2, 20, 23, 59, 0, 0, TOKYO);
        timing.setCurrentTime(evening.toInstant().toEpochMilli());

        try (RequestLog log = new RequestLog(logs, TOKYO, 30, timing)) {
            log.record(List.of(line("before-midnight")));
            timing.setCurrentTime(evening.plusMinutes(2).toInstant().toEpochMilli());
            log.record(List.of(line("after-midnight")));

            Path archive = logs.resolve("mirror_requests.2026-02-20.log.gz");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(archive).exists();
                assertThat(ancient).doesNotExist();
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gunzip(archive)).contains("before-midnight"));
            assertThat(gunzip(archive)).doesNotContain("after-midnight");
            assertThat(Files.readString(logs.resolve("mirror_requests.log"))).contains("after-midnight")
                    .doesNotContain("before-midnight");
            assertThat(recent).exists();
        }
    }

    @Test
    void a_manual_rotation_while_writers_keep_writing_loses_no_line() throws Exception {
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Path> rotated = new java.util.ArrayList<>();
        try (RequestLog log = new RequestLog(logs, TOKYO, 30)) {
            List<Thread> writers = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread writer = new Thread(() -> {
                    while (writing.get()) {
                        log.record(List.of(line("w"), line("w")));
                        written.addAndGet(2);
                    }
                });
                writer.start();
                writers.add(writer);
            }
            for (int i = 0; i < 5; i++) {
                Thread.sleep(100);
                Path target = logs.resolve("mirror_requests.rotated-" + i + ".log");
                if (log.rotateTo(target)) {
                    rotated.add(target);
                }
            }
            writing.set(false);
            for (Thread writer : writers) {
                writer.join();
            }
        }
        long lines = Files.readAllLines(logs.resolve("mirror_requests.log")).size();
        for (Path file : rotated) {
            lines += Files.readAllLines(file).size();
        }
        assertThat(rotated).hasSize(5);
        assertThat(lines).isEqualTo(written.get());
    }

    private static String gunzip(Path file) throws Exception {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
