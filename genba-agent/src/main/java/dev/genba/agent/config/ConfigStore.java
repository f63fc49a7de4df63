package dev.genba.agent.config;

import dev.genba.agent.DurableFile;
import dev.genba.agent.logs.AgentLog;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the last configuration received from the server in {@code state_dir/config.json}, so an
 * agent that starts while the server is away works with what it was last told.
 */
public final class ConfigStore {
    private static final AgentLog LOG = AgentLog.of(ConfigStore.class);

    private final Path file;

    public ConfigStore(Path file) {
        this.file = file;
    }

    /** Empty when nothing was ever received, or when the file is unreadable (then the file config applies). */
    public Optional<ServerConfig> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Object parsed = Json.parse(Files.readAllBytes(file));
            if (parsed instanceof Map<?, ?> stored && stored.get("config") instanceof Map<?, ?> wire) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) wire;
                return Optional.of(ServerConfig.of((String) stored.get("etag"), typed));
            }
            throw ProtocolException.invalidJson("it holds no \"config\" object");
        } catch (IOException | ProtocolException | ClassCastException e) {
            LOG.warn("ignored the saved server configuration " + file + " (" + e.getMessage()
                    + "); using the config file until the server sends a new one");
            return Optional.empty();
        }
    }

    /**
     * Write to a temporary file, fsync it, rename it over the old one, fsync the directory:
     * after a power cut the file is either the old or the new configuration, never half of one.
     */
    public void save(ServerConfig config) {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("etag", config.etag());
        stored.put("config", config.wire());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            DurableFile.write(file, Json.writeBytes(stored));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
