package dev.genba.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent configuration for one device at one version. {@code values} is keyed by the flat
 * setting names of {@link AgentSetting}; the wire form nests dotted keys, so a device receives
 * the seed's own shape: {@code {"config_version": 7, "mirror_mode": true, "retry": {"max_attempts": 3, ...}}}.
 */
public record AgentConfig(long version, Map<String, Object> values) {

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("config_version", version);
        for (AgentSetting setting : AgentSetting.ALL) {
            Object value = values.get(setting.key());
            int dot = setting.key().indexOf('.');
            if (dot < 0) {
                json.put(setting.key(), value);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> group = (Map<String, Object>) json.computeIfAbsent(
                        setting.key().substring(0, dot), name -> new LinkedHashMap<String, Object>());
                group.put(setting.key().substring(dot + 1), value);
            }
        }
        return json;
    }

    /** Reads the wire form back; unknown keys are ignored so an older agent accepts a newer server. */
    public static AgentConfig fromJson(Object node) {
        JsonFields body = JsonFields.of(node, "");
        Long version = body.optionalInteger("config_version", 0, Long.MAX_VALUE);
        Map<String, Object> values = new LinkedHashMap<>();
        for (AgentSetting setting : AgentSetting.ALL) {
            Object raw = lookup(body.raw(), setting.key());
            values.put(setting.key(), raw == null ? setting.defaultValue() : setting.check(raw));
        }
        return new AgentConfig(version == null ? 0 : version, values);
    }

    private static Object lookup(Map<String, Object> json, String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return json.get(key);
        }
        Object group = json.get(key.substring(0, dot));
        return group instanceof Map<?, ?> map ? map.get(key.substring(dot + 1)) : null;
    }
}
