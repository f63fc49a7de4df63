package dev.genba.protocol;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads typed fields out of a parsed JSON object. Every failure is a {@link ProtocolException}
 * naming the full dotted path of the field ({@code payload.tag_id}) and what was expected.
 */
public final class JsonFields {
    /** Far beyond a double's range, well within what PostgreSQL's numeric (and so jsonb) can hold. */
    static final int MAX_DECIMAL_SCALE = 1000;
    /** {@code Instant.toString} writes other years in a form PostgreSQL cannot read ({@code 0000-}, {@code +10000-}). */
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, without loading the date parser into the agent
    private static final Instant EARLIEST_INSTANT = Instant.ofEpochSecond(-62_135_596_800L);
    private static final Instant END_OF_INSTANTS = Instant.ofEpochSecond(253_402_300_799L, 999_999_999);
    private final Map<String, Object> object;
    private final String path;

    private JsonFields(Map<String, Object> object, String path) {
        this.object = object;
        this.path = path;
    }

    /** Wraps a parsed value that must be a JSON object; {@code path} is "" for the body itself. */
    @SuppressWarnings("unchecked")
    public static JsonFields of(Object node, String path) {
        if (!(node instanceof Map<?, ?>)) {
            String where = path.isEmpty() ? "request body" : path;
            throw ProtocolException.invalidField(path.isEmpty() ? null : path,
                    where + " must be a JSON object, got " + typeName(node));
        }
        return new JsonFields((Map<String, Object>) node, path);
    }

    public Map<String, Object> raw() {
        return object;
    }

    public String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    public boolean has(String name) {
        return object.containsKey(name) && object.get(name) != null;
    }

    /** Refuses any field not in {@code allowed}, naming the first unknown one. */
    public JsonFields allowOnly(Set<String> allowed) {
        for (String name : object.keySet()) {
            if (!allowed.contains(name)) {
                throw ProtocolException.invalidField(path(name), path(name) + " is not a known field");
            }
        }
        return this;
    }

    public String requiredText(String name, int maxLength) {
        String value = optionalText(name, maxLength);
        if (value == null) {
            throw ProtocolException.invalidField(path(name), path(name) + " is required");
        }
        if (value.isBlank()) {
            throw ProtocolException.invalidField(path(name), path(name) + " must not be empty");
        }
        return value;
    }

    public String optionalText(String name, int maxLength) {
        Object value = object.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw wrongType(name, "a string", value);
        }
        return checkText(path(name), text, maxLength);
    }

    /** Checks a string for length and for characters PostgreSQL and log readers cannot hold. */
    public static String checkText(String field, String text, int maxLength) {
        if (text.length() > maxLength) {
            throw ProtocolException.invalidField(field,
                    field + " is too long: " + text.length() + " characters, at most " + maxLength + " allowed");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw ProtocolException.invalidField(field, field + " must not contain the NUL character (\\u0000)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ProtocolException.invalidField(field, field + " contains an unpaired UTF-16 surrogate (\\u"
                        + Integer.toHexString(c) + ")");
            }
        }
        return text;
    }

    /**
     * Checks every string (keys included) inside a free-form value such as unknown payload fields, and
     * every number: PostgreSQL's jsonb refuses one like {@code 1e200000} or {@code 1e-20000}, short as it is.
     */
    public static void checkStrings(String field, Object value, int maxLength) {
        if (value instanceof String text) {
            checkText(field, text, maxLength);
        } else if (value instanceof BigDecimal number && Math.abs((long) number.scale()) > MAX_DECIMAL_SCALE) {
            throw ProtocolException.invalidField(field, field + " is " + abbreviate(number.toString())
                    + ", a number too large or too small to store (at most " + MAX_DECIMAL_SCALE + " decimal places either way)");
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                checkText(field, String.valueOf(entry.getKey()), 256);
                checkStrings(field + "." + entry.getKey(), entry.getValue(), maxLength);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                checkStrings(field + "[" + i + "]", list.get(i), maxLength);
            }
        }
    }

    public UUID requiredUuid(String name) {
        String text = requiredText(name, 36);
        try {
            UUID uuid = UUID.fromString(text);
            if (!uuid.toString().equalsIgnoreCase(text)) {
                throw new IllegalArgumentException();
            }
            return uuid;
        } catch (IllegalArgumentException e) {
            throw ProtocolException.invalidField(path(name),
                    path(name) + " must be a UUID like 0d6c1d2e-5f7a-4b8c-9d0e-1f2a3b4c5d6e, got \"" + text + "\"");
        }
    }

    public Instant requiredInstant(String name) {
        Instant value = optionalInstant(name);
        if (value == null) {
            throw ProtocolException.invalidField(path(name), path(name) + " is required");
        }
        return value;
    }

    /** An ISO-8601 timestamp with an offset ({@code 2025-02-20T10:15:03Z} or {@code +09:00}). */
    public Instant optionalInstant(String name) {
        String text = optionalText(name, 40);
        if (text == null) {
            return null;
        }
        Instant value;
        try {
            value = Timestamps.parse(text);
        } catch (DateTimeParseException e) {
            throw ProtocolException.invalidField(path(name), path(name)
                    + " must be an ISO-8601 timestamp with a time zone, like 2025-02-20T10:15:03Z, got \""
                    + abbreviate(text) + "\"");
        }
        if (value.isBefore(EARLIEST_INSTANT) || value.isAfter(END_OF_INSTANTS)) {
            throw ProtocolException.invalidField(path(name), path(name)
                    + " must be between the years 0001 and 9999 (UTC), got \"" + abbreviate(text) + "\"");
        }
        return value;
    }

    public Double optionalNumber(String name, double min, double max) {
        Object value = object.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Long || value instanceof BigDecimal)) {
            throw wrongType(name, "a number", value);
        }
        double number = ((Number) value).doubleValue();
        if (!(number >= min && number <= max)) {
            throw ProtocolException.invalidField(path(name),
                    path(name) + " must be between " + plain(min) + " and " + plain(max) + ", got " + value);
        }
        return number;
    }

    public Long optionalInteger(String name, long min, long max) {
        Object value = object.get(name);
        if (value == null) {
            return null;
        }
        long number;
        if (value instanceof Long whole) {
            number = whole;
        } else if (value instanceof BigDecimal decimal && decimal.stripTrailingZeros().scale() <= 0
                && decimal.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
            number = decimal.longValueExact();
        } else if (value instanceof BigDecimal) {
            throw ProtocolException.invalidField(path(name), path(name) + " must be a whole number, got " + value);
        } else {
            throw wrongType(name, "a whole number", value);
        }
        if (number < min || number > max) {
            throw ProtocolException.invalidField(path(name),
                    path(name) + " must be between " + min + " and " + max + ", got " + number);
        }
        return number;
    }

    public Boolean optionalBoolean(String name) {
        Object value = object.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean bool)) {
            throw wrongType(name, "true or false", value);
        }
        return bool;
    }

    public JsonFields optionalObject(String name) {
        Object value = object.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?>)) {
            throw wrongType(name, "a JSON object", value);
        }
        return of(value, path(name));
    }

    public JsonFields requiredObject(String name) {
        JsonFields value = optionalObject(name);
        if (value == null) {
            throw ProtocolException.invalidField(path(name), path(name) + " is required");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    public List<Object> requiredArray(String name, int maxItems) {
        Object value = object.get(name);
        if (value == null) {
            throw ProtocolException.invalidField(path(name), path(name) + " is required");
        }
        if (!(value instanceof List<?> list)) {
            throw wrongType(name, "a JSON array", value);
        }
        if (list.isEmpty()) {
            throw ProtocolException.invalidField(path(name), path(name) + " must not be empty");
        }
        if (list.size() > maxItems) {
            throw ProtocolException.invalidField(path(name),
                    path(name) + " has " + list.size() + " items, at most " + maxItems + " allowed");
        }
        return (List<Object>) list;
    }

    private ProtocolException wrongType(String name, String expected, Object actual) {
        return ProtocolException.invalidField(path(name),
                path(name) + " must be " + expected + ", got " + typeName(actual));
    }

    public static String typeName(Object value) {
        if (value == null) {
            return "null";
        } else if (value instanceof String) {
            return "a string";
        } else if (value instanceof Map<?, ?>) {
            return "an object";
        } else if (value instanceof List<?>) {
            return "an array";
        } else if (value instanceof Boolean) {
            return "a boolean";
        } else {
            return "a number";
        }
    }

    private static String plain(double number) {
        return number == Math.rint(number) ? Long.toString((long) number) : Double.toString(number);
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
