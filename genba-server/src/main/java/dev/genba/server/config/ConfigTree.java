package dev.genba.server.config;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The raw configuration: a file (JSON or YAML, by extension) with environment overrides
 * {@code GENBA_<SECTION>_<KEY>} applied on top ({@code GENBA_DB_URL} sets {@code db.url},
 * {@code GENBA_MIRROR_PRIMARY_DB_URI} sets {@code mirror.primary_db_uri}).
 */
final class ConfigTree {
    private static final TypeReference<LinkedHashMap<String, Object>> TREE = new TypeReference<>() { };
    /** GENBA_* variables the launcher and the unit file use for themselves, not configuration. */
    private static final java.util.Set<String> NOT_SETTINGS = java.util.Set.of("GENBA_JAVA_OPTS", "GENBA_HOME", "GENBA_CONFIG");

    private ConfigTree() {
    }

    static Map<String, Object> load(Path file, Map<String, String> environment) {
        Map<String, Object> tree = file == null ? new LinkedHashMap<>() : read(file);
        applyEnvironment(tree, environment);
        return tree;
    }

    private static Map<String, Object> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist or is not a file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml")
                ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
        try {
            Map<String, Object> tree = mapper.readValue(file.toFile(), TREE);
            return tree == null ? new LinkedHashMap<>() : tree;
        } catch (IOException e) {
            String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException parse
                    ? parse.getOriginalMessage().lines().findFirst().orElse("")
                      + (parse.getLocation() == null ? "" : " (line " + parse.getLocation().getLineNr()
                          + ", column " + parse.getLocation().getColumnNr() + ")")
                    : e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new ConfigException("config file " + file + " cannot be read: " + detail);
        }
    }

    @SuppressWarnings("unchecked")
    private static void applyEnvironment(Map<String, Object> tree, Map<String, String> environment) {
        environment.forEach((name, value) -> {
            if (!name.startsWith("GENBA_") || name.length() <= "GENBA_".length() || NOT_SETTINGS.contains(name)) {
                return;
            }
            String rest = name.substring("GENBA_".length()).toLowerCase(Locale.ROOT);
            if (rest.equals("data_dir")) {
                tree.put("data_dir", value);
                return;
            }
            int underscore = rest.indexOf('_');
            if (underscore <= 0 || underscore == rest.length() - 1) {
                return;
            }
            String section = rest.substring(0, underscore);
            String key = rest.substring(underscore + 1);
            Object existing = tree.get(section);
            Map<String, Object> sectionMap = existing instanceof Map<?, ?> map
                    ? (Map<String, Object>) map : new LinkedHashMap<>();
            sectionMap.put(key, value);
            tree.put(section, sectionMap);
        });
    }
}
