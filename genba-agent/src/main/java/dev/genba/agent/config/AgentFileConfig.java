package dev.genba.agent.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The local configuration file ({@code /etc/genba/agent.json}) after validation.
 * {@code settings} holds the seed's keys ({@code primary_endpoint}, {@code retry.max_attempts}, ...)
 * flat, with defaults filled in; the server's configuration overrides them once received.
 */
public record AgentFileConfig(Path source, String serverUrl, String clientId, String clientKey, Path stateDir,
                              int intakePort, long outboxMaxRows, long maxBackoffMs, int logBufferLines,
                              List<String> journalUnits, Map<String, Object> settings) {

    public Path outboxFile() {
        return stateDir.resolve("outbox.db");
    }

    public Path serverConfigFile() {
        return stateDir.resolve("config.json");
    }

    /** The client key is a secret: it never appears in a printed record. */
    @Override
    public String toString() {
        return "AgentFileConfig[source=" + source + ", serverUrl=" + serverUrl + ", clientId=" + clientId
                + ", clientKey=***, stateDir=" + stateDir + ", intakePort=" + intakePort
                + ", outboxMaxRows=" + outboxMaxRows + ", maxBackoffMs=" + maxBackoffMs
                + ", logBufferLines=" + logBufferLines + ", journalUnits=" + journalUnits
                + ", settings=" + settings + "]";
    }
}
