package dev.genba.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads typed values out of a {@link ConfigTree}, collecting every problem instead of stopping
 * at the first, and remembering which keys were read so unknown ones can be warned about.
 */
final class ConfigReader {
    private final String source;
    private final Map<String, Object> tree;
    private final List<String> problems = new ArrayList<>();
    private final Set<String> used = new LinkedHashSet<>();

    ConfigReader(String source, Map<String, Object> tree) {
        this.source = source;
        this.tree = tree;
    }

    List<String> problems() {
        return problems;
    }

    void problem(String sentence) {
        problems.add(sentence);
    }

    /** A problem with one setting, prefixed with where settings come from like every other one. */
    void problem(String section, String key, String sentence) {
        problems.add(source + ": " + name(section, key) + " " + sentence);
    }

    /** Keys present in the tree that nothing read: probably typos, reported as warnings. */
    List<String> unusedKeys() {
        List<String> unused = new ArrayList<>();
        tree.forEach((section, value) -> {
            if (value instanceof Map<?, ?> map) {
                for (Object key : map.keySet()) {
                    String dotted = section + "." + key;
                    if (!used.contains(dotted) && !used.contains(section + ".*")) {
                        unused.add(dotted);
                    }
                }
            } else if (!used.contains(section)) {
                unused.add(section);
            }
        });
        return unused;
    }

    Object raw(String section, String key) {
        used.add(section.isEmpty() ? key : section + "." + key);
        if (section.isEmpty()) {
            return tree.get(key);
        }
        Object sectionValue = tree.get(section);
        if (sectionValue == null) {
            return null;
        }
        if (!(sectionValue instanceof Map<?, ?> map)) {
            problem(source + ": " + section + " must be a section (key: value pairs), got " + sectionValue);
            return null;
        }
        return map.get(key);
    }

    /** Every key of a free-form section (such as {@code agent}), marked as used. */
    Map<String, Object> section(String section) {
        used.add(section + ".*");
        Object value = tree.get(section);
        Map<String, Object> result = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> result.put(String.valueOf(key), item));
        }
        return result;
    }

    String text(String section, String key, String fallback) {
        Object value = raw(section, key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            problem(source + ": " + name(section, key) + " must be a single value, got " + value);
            return fallback;
        }
        String text = String.valueOf(value).trim();
        return text.isEmpty() ? fallback : text;
    }

    int integer(String section, String key, int fallback, int min, int max) {
        Object value = raw(section, key);
        if (value == null || String.valueOf(value).isBlank()) {
            return fallback;
        }
        try {
            long number = value instanceof Number n && !(value instanceof Double) ? n.longValue()
                    : Long.parseLong(String.valueOf(value).trim());
            if (number < min || number > max) {
                problem(source + ": " + name(section, key) + " must be between " + min + " and " + max
                        + ", got " + number);
                return fallback;
            }
            return (int) number;
        } catch (NumberFormatException e) {
            problem(source + ": " + name(section, key) + " must be a whole number, got \"" + value + "\"");
            return fallback;
        }
    }

    boolean bool(String section, String key, boolean fallback) {
        Object value = raw(section, key);
        if (value == null || String.valueOf(value).isBlank()) {
            return fallback;
        }
        String text = String.valueOf(value).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (text) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> {
                problem(source + ": " + name(section, key) + " must be true or false, got \"" + value + "\"");
                yield fallback;
            }
        };
    }

    /** A list given as a YAML/JSON list or as a comma-separated string (for environment variables). */
    List<String> list(String section, String key, List<String> fallback) {
        Object value = raw(section, key);
        if (value == null) {
            return fallback;
        }
        List<String> items = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(item -> items.add(String.valueOf(item).trim()));
        } else {
            for (String item : String.valueOf(value).split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }

    private static String name(String section, String key) {
        return section.isEmpty() ? key : section + "." + key;
    }
}
