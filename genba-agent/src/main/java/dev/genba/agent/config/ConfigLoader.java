package dev.genba.agent.config;

import dev.genba.protocol.AgentSetting;
import dev.genba.protocol.DeviceNames;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code agent.json} (the seed's keys verbatim plus the agent's own) and the
 * {@code GENBA_AGENT_<KEY>} environment overrides, checks everything once and reports every
 * problem as one sentence. Unknown keys are warnings, not errors, so a newer file still starts.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_PATH = Path.of("/etc/genba/agent.json");
    public static final String ENV_PREFIX = "GENBA_AGENT_";

    /** How the client_key of the example agent.json (deploy/agent/agent.json) begins. */
    static final String EXAMPLE_KEY_TEXT = "paste the key";
    private static final Set<String> LOCAL_KEYS = Set.of("server_url", "client_id", "client_key", "state_dir",
            "intake_port", "outbox_max_rows", "max_backoff_ms", "log_buffer_lines", "journal_units");

    private final Map<String, String> environment;

    public ConfigLoader(Map<String, String> environment) {
        this.environment = environment;
    }

    public record Loaded(AgentFileConfig config, List<String> warnings) {
    }

    public Loaded load(Path file) {
        String where = "config " + file;
        Map<String, Object> flat = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        readFile(file, where, flat, origin, warnings, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        readEnvironment(flat, origin, where);
        ConfigReader reader = new ConfigReader(flat, origin, problems);
        String serverUrl = reader.url("server_url", true);
        String clientId = reader.text("client_id", true);
        if (clientId != null && !DeviceNames.isValid(clientId)) {
            problems.add(origin.get("client_id") + ": client_id must be 1-64 letters, digits, '.', '_' or '-'"
                    + " starting with a letter or digit, like HANDHELD-01");
        }
        String clientKey = reader.text("client_key", true);
        if (clientKey != null && !clientKey.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            // sent as a header, a line break made every request throw with the key in its message
            problems.add(origin.get("client_key") + ": client_key must be the key as `genba clients add` printed it,"
                    + " on one line without tabs or characters other than ASCII");
            clientKey = null;
        } else if (clientKey != null && clientKey.startsWith(EXAMPLE_KEY_TEXT)) {
            // left as deploy/agent/agent.json has it: every call to the server would get 401
            problems.add(origin.get("client_key") + ": client_key is still the example's text; paste the key that"
                    + " `genba clients add " + (clientId == null ? "NAME" : clientId) + "` printed on the server");
            clientKey = null;
        }
        String stateDir = reader.text("state_dir", false);
        int intakePort = (int) reader.integer("intake_port", 0, 65_535, 8510);
        long outboxMaxRows = reader.integer("outbox_max_rows", 1_000, 100_000_000, 1_000_000);
        long maxBackoffMs = reader.integer("max_backoff_ms", 100, 3_600_000, 60_000);
        int logBufferLines = (int) reader.integer("log_buffer_lines", 100, 1_000_000, 5_000);
        List<String> journalUnits = reader.textList("journal_units");
        Map<String, Object> settings = new LinkedHashMap<>();
        for (AgentSetting setting : AgentSetting.ALL) {
            Object raw = flat.get(setting.key());
            try {
                settings.put(setting.key(), raw == null ? setting.defaultValue() : setting.check(raw));
            } catch (ProtocolException e) {
                problems.add(origin.get(setting.key()) + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        if (Boolean.TRUE.equals(settings.get("mirror_mode")) && settings.get("mirror_endpoint") == null) {
            warnings.add(origin.get("mirror_mode") + ": mirror_mode is on but mirror_endpoint is not set;"
                    + " scans go to the primary only until the server's configuration names a mirror");
        }
        Path configDirectory = file.toAbsolutePath().getParent();
        Path state = stateDir == null ? Path.of("/var/lib/genba-agent") : configDirectory.resolve(stateDir);
        AgentFileConfig config = new AgentFileConfig(file, stripSlash(serverUrl), clientId, clientKey, state,
                intakePort, outboxMaxRows, maxBackoffMs, logBufferLines, journalUnits, settings);
        return new Loaded(config, warnings);
    }

    private static void readFile(Path file, String where, Map<String, Object> flat, Map<String, String> origin,
                                 List<String> warnings, List<String> problems) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            problems.add(where + ": the agent reads JSON only; write the same keys as agent.json");
            return;
        }
        Object parsed;
        try {
            parsed = Json.parse(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            problems.add(where + " does not exist; copy deploy/agent/agent.json there and set server_url,"
                    + " client_id and client_key (or pass --config FILE)");
            return;
        } catch (IOException e) {
            problems.add(where + " cannot be read (" + e.getMessage() + "); check its permissions");
            return;
        } catch (ProtocolException e) {
            // the parser speaks of a request body
            problems.add(where + " is not valid JSON: " + withoutContent(
                    e.getMessage().replaceFirst("^body (is not valid JSON|could not be read as JSON): ", "")));
            return;
        }
        if (!(parsed instanceof Map<?, ?> top)) {
            problems.add(where + " must hold one JSON object like {\"server_url\": ..., \"client_id\": ...}");
            return;
        }
        for (Map.Entry<?, ?> entry : top.entrySet()) {
            String key = (String) entry.getKey();
            if (key.equals("retry") && entry.getValue() instanceof Map<?, ?> retry) {
                for (Map.Entry<?, ?> nested : retry.entrySet()) {
                    String dotted = "retry." + nested.getKey();
                    if (AgentSetting.find(dotted).isEmpty()) {
                        warnings.add(where + ": unknown key \"" + dotted + "\" is ignored");
                    } else {
                        flat.put(dotted, nested.getValue());
                        origin.put(dotted, where);
                    }
                }
            } else if (key.equals("retry")) {
                problems.add(where + ": retry must be an object like {\"max_attempts\": 3, \"backoff_ms\": 500}");
            } else if (LOCAL_KEYS.contains(key) || AgentSetting.find(key).isPresent()) {
                flat.put(key, entry.getValue());
                origin.put(key, where);
            } else {
                warnings.add(where + ": unknown key \"" + key + "\" is ignored");
            }
        }
    }

    /**
     * The parser's reason without the file's own text, which holds client_key: a word it did not
     * recognise (a key pasted without quotes) and the file's start it quotes for an unclosed object
     * or list ("start marker at [Source: ...]") are left out; the byte position stays.
     */
    static String withoutContent(String reason) {
        String plain = reason.replaceFirst("^Unrecognized token '.*': was expecting",
                "a word not in quotes (text must be in \"double quotes\"), was expecting");
        int source = plain.indexOf("[Source:");
        if (source < 0) {
            return plain;
        }
        Matcher position = Pattern.compile(" \\(at (byte|character) \\d+\\)$").matcher(plain);
        String tail = position.find() && position.start() > source ? plain.substring(position.start()) : "";
        return plain.substring(0, source).replaceFirst("\\s*\\(?start marker at\\s*$", "") + tail;
    }

    /** Environment values are text; they are typed here so one reader checks both sources alike. */
    private void readEnvironment(Map<String, Object> flat, Map<String, String> origin, String where) {
        List<String> keys = new ArrayList<>(LOCAL_KEYS);
        AgentSetting.ALL.forEach(setting -> keys.add(setting.key()));
        for (String key : keys) {
            String variable = ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
            String text = environment.get(variable);
            if (text == null) {
                continue;
            }
            origin.put(key, "environment " + variable);
            AgentSetting setting = AgentSetting.find(key).orElse(null);
            flat.put(key, setting == null ? EnvText.typed(key, text) : EnvText.setting(setting, text));
        }
        for (String key : keys) {
            origin.putIfAbsent(key, where);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    static boolean isHttpUrl(String text) {
        try {
            URI uri = new URI(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
