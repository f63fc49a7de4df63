package dev.genba.agent.testing;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes an agent.json for a test and loads it the way the agent does. */
public final class TestConfig {
    private TestConfig() {
    }

    /** {@code extraJson} is inserted as more top-level members, like {@code "\"mirror_mode\": true"}. */
    public static Path write(Path directory, String serverUrl, String extraJson) throws IOException {
        return write(directory, serverUrl, 0, extraJson);
    }

    /** With a fixed intake port, for an agent started as its own process. */
    public static Path write(Path directory, String serverUrl, int intakePort, String extraJson) throws IOException {
        String json = """
                {
                  "server_url": "%s",
                  "client_id": "HANDHELD-01",
                  "client_key": "test-key-0001",
                  "state_dir": "state",
                  "intake_port": %d,
                  "max_backoff_ms": 200,
                  "retry": {"max_attempts": 2, "backoff_ms": 10}%s
                }
                """.formatted(serverUrl, intakePort, extraJson.isEmpty() ? "" : ",\n  " + extraJson);
        Path file = directory.resolve("agent.json");
        Files.writeString(file, json);
        return file;
    }

    public static AgentFileConfig load(Path file) {
        return new ConfigLoader(Map.of()).load(file).config();
    }
}
