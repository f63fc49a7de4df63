package dev.genba.server.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The pages' words in Japanese and English ({@code web/messages_ja.properties},
 * {@code web/messages_en.properties}, UTF-8). A key missing from a language is a bug the tests
 * catch; at run time it shows as the key itself rather than failing the page.
 */
public final class Messages {
    public static final List<String> LANGUAGES = List.of("ja", "en");
    private static final Map<String, Messages> ALL = Map.of("ja", load("ja"), "en", load("en"));

    private final String lang;
    private final Properties texts;

    private Messages(String lang, Properties texts) {
        this.lang = lang;
        this.texts = texts;
    }

    public static Messages of(String lang) {
        return ALL.getOrDefault(lang, ALL.get("ja"));
    }

    public String lang() {
        return lang;
    }

    public java.util.Set<String> keys() {
        return texts.stringPropertyNames();
    }

    public String get(String key) {
        return texts.getProperty(key, key);
    }

    public String get(String key, Object... args) {
        String pattern = texts.getProperty(key);
        if (pattern == null) {
            return key;
        }
        return new MessageFormat(pattern.replace("'", "''"), Locale.forLanguageTag(lang)).format(args);
    }

    /**
     * The language for a request: an explicit choice (cookie) first, then the browser's
     * {@code Accept-Language} in its order of preference; Japanese when neither says.
     */
    public static String choose(String chosen, String acceptLanguage) {
        if (chosen != null && LANGUAGES.contains(chosen)) {
            return chosen;
        }
        if (acceptLanguage != null && !acceptLanguage.isBlank()) {
            try {
                for (Locale.LanguageRange range : Locale.LanguageRange.parse(acceptLanguage)) {
                    String tag = range.getRange().toLowerCase(Locale.ROOT);
                    for (String lang : LANGUAGES) {
                        if (tag.equals(lang) || tag.startsWith(lang + "-")) {
                            return lang;
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                // A malformed header chooses nothing.
            }
        }
        return "ja";
    }

    private static Messages load(String lang) {
        String resource = "/web/messages_" + lang + ".properties";
        try (InputStream in = Messages.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the jar");
            }
            Properties properties = new Properties();
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return new Messages(lang, properties);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
