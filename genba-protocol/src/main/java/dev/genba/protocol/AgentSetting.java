package dev.genba.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One key of the agent configuration the server hands out ({@code GET /api/v1/agent/config}).
 * Keys are the seed's ({@code primary_endpoint}, {@code retry.max_attempts}, ...); a dot in a key
 * is a nested object on the wire ({@code "retry": {"max_attempts": 3}}).
 */
public record AgentSetting(String key, Type type, long min, long max, Object defaultValue, String description) {

    public enum Type { BOOLEAN, INTEGER, URL }

    public static final List<AgentSetting> ALL = List.of(
            new AgentSetting("primary_endpoint", Type.URL, 0, 0, null,
                    "where every scan goes first (empty: this server's /api/v1/scans)"),
            new AgentSetting("mirror_endpoint", Type.URL, 0, 0, null,
                    "second destination while mirror_mode is on"),
            new AgentSetting("mirror_mode", Type.BOOLEAN, 0, 0, false, "send every scan to both endpoints"),
            new AgentSetting("timeout_ms", Type.INTEGER, 100, 600_000, 3000L, "HTTP timeout per request"),
            new AgentSetting("retry.max_attempts", Type.INTEGER, 1, 100, 3L, "attempts, the first included, backoff_ms apart before the wait doubles"),
            new AgentSetting("retry.backoff_ms", Type.INTEGER, 0, 3_600_000, 500L, "wait between those first attempts"),
            new AgentSetting("status_interval_s", Type.INTEGER, 10, 3600, 60L, "seconds between status reports"),
            new AgentSetting("config_poll_interval_s", Type.INTEGER, 5, 3600, 30L, "seconds between config polls"),
            new AgentSetting("log_flush_interval_s", Type.INTEGER, 1, 3600, 10L, "seconds between log batches"));

    private static final Map<String, AgentSetting> BY_KEY =
            ALL.stream().collect(Collectors.toMap(AgentSetting::key, Function.identity()));

    public static Optional<AgentSetting> find(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    public static String knownKeys() {
        return ALL.stream().map(AgentSetting::key).collect(Collectors.joining(", "));
    }

    /** Parses a value typed on a command line ({@code genba agent-config set timeout_ms 5000}). */
    public Object parse(String text) {
        String trimmed = text.trim();
        return switch (type) {
            case BOOLEAN -> switch (trimmed.toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes", "1" -> true;
                case "false", "off", "no", "0" -> false;
                default -> throw ProtocolException.invalidField(key, key + " must be true or false, got \"" + text + "\"");
            };
            case INTEGER -> {
                try {
                    yield check(Long.parseLong(trimmed));
                } catch (NumberFormatException e) {
                    throw ProtocolException.invalidField(key, key + " must be a whole number, got \"" + text + "\"");
                }
            }
            case URL -> trimmed.isEmpty() || trimmed.equals("null") ? null : check(trimmed);
        };
    }

    /** Checks a value already typed (from JSON or the database); returns it normalised. */
    public Object check(Object value) {
        if (value == null) {
            if (type == Type.URL) {
                return null;
            }
            throw ProtocolException.invalidField(key, key + " must not be empty");
        }
        return switch (type) {
            case BOOLEAN -> {
                if (!(value instanceof Boolean)) {
                    throw ProtocolException.invalidField(key, key + " must be true or false");
                }
                yield value;
            }
            case INTEGER -> {
                if (!(value instanceof Long || value instanceof Integer)) {
                    throw ProtocolException.invalidField(key, key + " must be a whole number");
                }
                long number = ((Number) value).longValue();
                if (number < min || number > max) {
                    throw ProtocolException.invalidField(key,
                            key + " must be between " + min + " and " + max + ", got " + number);
                }
                yield number;
            }
            case URL -> {
                if (!(value instanceof String text)) {
                    throw ProtocolException.invalidField(key, key + " must be a URL string");
                }
                yield checkUrl(text);
            }
        };
    }

    private String checkUrl(String text) {
        try {
            URI uri = new URI(text);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(text, "not an http(s) URL with a host");
            }
            return text;
        } catch (URISyntaxException e) {
            throw ProtocolException.invalidField(key, key
                    + " must be an http:// or https:// URL such as http://raspi-server.local:8501/api/v1/scans, got \""
                    + text + "\"");
        }
    }
}
