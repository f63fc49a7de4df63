package dev.genba.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TimeBasedRollingPolicy;
import java.nio.file.Path;
import java.time.ZoneId;
import org.slf4j.LoggerFactory;

/** The server's application log: {@code logs/genba.log}, rolled daily, gzipped, kept for the retention. */
public final class AppLogging {
    private AppLogging() {
    }

    public static void toFiles(Path logsDir, ZoneId zone, int retentionDays) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName("genba-file");
        appender.setFile(logsDir.resolve("genba.log").toString());

        TimeBasedRollingPolicy<ILoggingEvent> policy = new TimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(logsDir.resolve("genba.%d{yyyy-MM-dd," + zone.getId() + "}.log.gz").toString());
        policy.setMaxHistory(retentionDays);
        policy.start();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{ISO8601," + zone.getId() + "} %-5level [%thread] %logger{30} - %msg%n");
        encoder.start();

        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder);
        appender.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(appender);
        context.getLogger("org.flywaydb").setLevel(Level.INFO);
        context.getLogger("io.zonky").setLevel(Level.INFO);
    }
}
