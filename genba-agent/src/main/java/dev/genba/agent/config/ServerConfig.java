package dev.genba.agent.config;

import dev.genba.protocol.AgentConfig;
import dev.genba.protocol.AgentSetting;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration the server last handed out ({@code GET /api/v1/agent/config}), with its
 * ETag. Only the keys present in the server's answer override the file; a present null
 * {@code primary_endpoint} still means "the server itself".
 */
public record ServerConfig(String etag, Map<String, Object> wire) {

    /** Checks the wire form with the protocol's rules; throws {@code ProtocolException} when invalid. */
    public static ServerConfig of(String etag, Map<String, Object> wire) {
        AgentConfig.fromJson(wire);
        return new ServerConfig(etag, wire);
    }

    public long version() {
        return AgentConfig.fromJson(wire).version();
    }

    /** The file's settings with every key the server sent laid over them. */
    public Map<String, Object> overlay(Map<String, Object> fileSettings) {
        AgentConfig checked = AgentConfig.fromJson(wire);
        Map<String, Object> merged = new LinkedHashMap<>(fileSettings);
        for (AgentSetting setting : AgentSetting.ALL) {
            if (present(setting.key())) {
                merged.put(setting.key(), checked.values().get(setting.key()));
            }
        }
        return merged;
    }

    private boolean present(String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return wire.containsKey(key);
        }
        return wire.get(key.substring(0, dot)) instanceof Map<?, ?> group && group.containsKey(key.substring(dot + 1));
    }
}
