package dev.genba.agent.config;

import dev.genba.protocol.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Typed reads of the agent's own keys, each failure added to {@code problems} as a sentence. */
final class ConfigReader {
    private final Map<String, Object> values;
    private final Map<String, String> origin;
    private final List<String> problems;

    ConfigReader(Map<String, Object> values, Map<String, String> origin, List<String> problems) {
        this.values = values;
        this.origin = origin;
        this.problems = problems;
    }

    String text(String key, boolean required) {
        Object value = values.get(key);
        if (value == null || value instanceof String text && text.isBlank()) {
            if (required) {
                problems.add(origin.get(key) + ": " + key + " is required" + example(key));
            }
            return null;
        }
        if (!(value instanceof String text)) {
            problems.add(origin.get(key) + ": " + key + " must be a string, got " + JsonFields.typeName(value));
            return null;
        }
        return text.trim();
    }

    String url(String key, boolean required) {
        String text = text(key, required);
        if (text != null && !ConfigLoader.isHttpUrl(text)) {
            problems.add(origin.get(key) + ": " + key + " must be an http:// or https:// URL like"
                    + " http://raspi-server.local:8501, got \"" + text + "\"");
            return null;
        }
        return text;
    }

    long integer(String key, long min, long max, long defaultValue) {
        Object value = values.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Long number)) {
            problems.add(origin.get(key) + ": " + key + " must be a whole number between " + min + " and " + max
                    + ", got " + describe(value));
            return defaultValue;
        }
        if (number < min || number > max) {
            problems.add(origin.get(key) + ": " + key + " must be between " + min + " and " + max + ", got " + number);
            return defaultValue;
        }
        return number;
    }

    List<String> textList(String key) {
        Object value = values.get(key);
        if (value == null) {
            return List.of();
        }
        List<String> texts = new ArrayList<>();
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof String text && !text.isBlank()) {
                    texts.add(text.trim());
                } else {
                    problems.add(origin.get(key) + ": " + key + " must be a list of systemd unit names like"
                            + " [\"genba-agent.service\", \"scanner-app.service\"]");
                    return List.of();
                }
            }
            return List.copyOf(texts);
        }
        problems.add(origin.get(key) + ": " + key + " must be a list of systemd unit names like"
                + " [\"genba-agent.service\"], got " + JsonFields.typeName(value));
        return List.of();
    }

    private static String describe(Object value) {
        return value instanceof String text ? "\"" + text + "\"" : JsonFields.typeName(value);
    }

    private static String example(String key) {
        return switch (key) {
            case "server_url" -> " (the Genba server, like http://raspi-server.local:8501)";
            case "client_id" -> " (this device's name as registered with `genba clients add`, like HANDHELD-01)";
            case "client_key" -> " (the key printed by `genba clients add` for this device)";
            default -> "";
        };
    }
}
