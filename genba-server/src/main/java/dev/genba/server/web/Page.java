package dev.genba.server.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * What every template gets: who is looking, in which language, the factory's time zone, the
 * CSRF token for forms, and helpers that format times and numbers the same way on every page.
 */
public final class Page {
    private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final Messages messages;
    private final WebSessions.Session session;
    private final ZoneId zone;
    private final Instant now;
    private final String path;
    private final String query;
    private final String version;

    public Page(Messages messages, WebSessions.Session session, ZoneId zone, Instant now, String path, String query,
                String version) {
        this.messages = messages;
        this.session = session;
        this.zone = zone;
        this.now = now;
        this.path = path;
        this.query = query;
        this.version = version;
    }

    public String lang() {
        return messages.lang();
    }

    public String t(String key) {
        return messages.get(key);
    }

    public String t(String key, Object... args) {
        return messages.get(key, args);
    }

    public boolean loggedIn() {
        return session != null;
    }

    public String user() {
        return session == null ? "" : session.user();
    }

    public boolean isAdmin() {
        return session != null && session.isAdmin();
    }

    public String role() {
        return session == null ? "" : t("role." + session.role().name().toLowerCase(java.util.Locale.ROOT));
    }

    public String csrf() {
        return session == null ? "" : session.csrfToken();
    }

    public String version() {
        return version;
    }

    public String zone() {
        return zone.getId();
    }

    public ZoneId zoneId() {
        return zone;
    }

    public Instant now() {
        return now;
    }

    public String path() {
        return path;
    }

    /** This page in the other language (the choice is remembered in a cookie). */
    public String switchLanguageUrl() {
        String other = "ja".equals(lang()) ? "en" : "ja";
        String rest = query == null || query.isEmpty() ? "" : query.replaceAll("(^|&)lang=[^&]*", "");
        rest = rest.startsWith("&") ? rest.substring(1) : rest;
        return path + "?" + (rest.isEmpty() ? "" : rest + "&") + "lang=" + other;
    }

    public String otherLanguageName() {
        return "ja".equals(lang()) ? "English" : "日本語";
    }

    public boolean current(String section) {
        return section.equals("/admin") ? path.equals("/admin") : path.startsWith(section);
    }

    /** Local time in the factory's zone, or "-". */
    public String time(Instant instant) {
        return instant == null ? "-" : FULL.format(instant.atZone(zone));
    }

    /** "3 min ago" / "3分前". */
    public String ago(Instant instant) {
        if (instant == null) {
            return t("time.never");
        }
        Duration age = Duration.between(instant, now);
        if (age.isNegative() || age.toSeconds() < 60) {
            return t("time.just_now");
        }
        if (age.toMinutes() < 60) {
            return t("time.minutes_ago", age.toMinutes());
        }
        if (age.toHours() < 48) {
            return t("time.hours_ago", age.toHours());
        }
        return t("time.days_ago", age.toDays());
    }

    /** A duration such as an uptime: "3d 4h", "5h 12m", "42m". */
    public String duration(Long seconds) {
        if (seconds == null) {
            return "-";
        }
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3_600;
        long minutes = seconds % 3_600 / 60;
        if (days > 0) {
            return t("duration.days_hours", days, hours);
        }
        if (hours > 0) {
            return t("duration.hours_minutes", hours, minutes);
        }
        return t("duration.minutes", minutes);
    }

    public String percent(Double value) {
        return value == null ? "-" : String.format(java.util.Locale.ROOT, "%.0f%%", value);
    }

    public String celsius(Double value) {
        return value == null ? "-" : String.format(java.util.Locale.ROOT, "%.1f°C", value);
    }

    public String number(Long value) {
        return value == null ? "-" : String.format(java.util.Locale.ROOT, "%,d", value);
    }

    public String ms(Double value) {
        return value == null ? "-" : String.format(java.util.Locale.ROOT, "%.0f ms", value);
    }

    /** A path segment or query value, percent-encoded. */
    public static String enc(String text) {
        return text == null ? "" : URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
