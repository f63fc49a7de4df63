package dev.genba.server.scans;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.DefaultTimeBasedFileNamingAndTriggeringPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TimeBasedRollingPolicy;
import dev.genba.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code logs/mirror_requests.log}: one JSON line per received scan, accepted or rejected, in the
 * seed's format ({@code timestamp, device_id, payload, response_ms, status}) plus the scan and
 * request ids. Logback rolls it over daily (factory time zone) into
 * {@code mirror_requests.YYYY-MM-DD.log.gz} and deletes archives past the retention.
 *
 * <p>It has a logging context of its own so each server instance writes to its own data directory.
 */
public final class RequestLog implements AutoCloseable {
    public static final String FILE_NAME = "mirror_requests.log";

    private final LoggerContext context = new LoggerContext();
    private final Logger logger;
    private final RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    private final Path file;
    /** Writers share it; a manual rotation takes it alone, so no line is written while the file is swapped. */
    private final ReentrantReadWriteLock rotation = new ReentrantReadWriteLock();

    public RequestLog(Path logsDir, ZoneId zone, int retentionDays) {
        this(logsDir, zone, retentionDays, new DefaultTimeBasedFileNamingAndTriggeringPolicy<>());
    }

    /** {@code timing} decides when a day ends; tests move its clock to see a rollover happen. */
    RequestLog(Path logsDir, ZoneId zone, int retentionDays,
               DefaultTimeBasedFileNamingAndTriggeringPolicy<ILoggingEvent> timing) {
        context.setName("mirror-requests");
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        context.start();
        file = logsDir.resolve(FILE_NAME);
        appender.setContext(context);
        appender.setName("mirror-requests");
        appender.setFile(logsDir.resolve(FILE_NAME).toString());

        TimeBasedRollingPolicy<ILoggingEvent> policy = new TimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(logsDir.resolve("mirror_requests.%d{yyyy-MM-dd," + zone.getId() + "}.log.gz").toString());
        policy.setMaxHistory(retentionDays);
        policy.setCleanHistoryOnStart(true);
        policy.setTimeBasedFileNamingAndTriggeringPolicy(timing);
        timing.setTimeBasedRollingPolicy(policy);
        policy.start();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.setCharset(java.nio.charset.StandardCharsets.UTF_8);
        encoder.start();

        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder);
        appender.start();

        logger = context.getLogger("mirror_requests");
        logger.setAdditive(false);
        logger.addAppender(appender);
    }

    /** One received scan as the request log shows it. */
    public record Line(Instant timestamp, String deviceId, Object payload, long responseMs, int status,
                       String scanId, String requestId) {
        String toJson() {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("timestamp", timestamp.toString());
            line.put("device_id", deviceId);
            line.put("payload", payload);
            line.put("response_ms", responseMs);
            line.put("status", status);
            line.put("scan_id", scanId);
            line.put("request_id", requestId);
            return Json.write(line);
        }
    }

    /** Appends the lines of one request with a single write (a 1,000-scan batch is one write, not 1,000). */
    public void record(List<Line> lines) {
        if (lines.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder(lines.size() * 200);
        for (Line line : lines) {
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(line.toJson());
        }
        rotation.readLock().lock();
        try {
            logger.info(text.toString());
        } finally {
            rotation.readLock().unlock();
        }
    }

    /**
     * Moves the current file to {@code target} now (for {@code genba mirror rotate}); writers
     * wait for the swap, so every line lands in exactly one of the two files.
     */
    public boolean rotateTo(Path target) throws IOException {
        rotation.writeLock().lock();
        try {
            if (!Files.exists(file) || Files.size(file) == 0) {
                return false;
            }
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            // The appender still holds the moved file open; give it a fresh file at the usual name.
            appender.openFile(file.toString());
            return true;
        } finally {
            rotation.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        context.stop();
    }
}
