package dev.genba.server.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where a PostgreSQL database is: a JDBC URL plus credentials kept apart from it, so the URL
 * can be shown in messages while the password never is.
 *
 * <p>Accepts both the libpq form operators know from the seeds
 * ({@code postgresql://USER:PASSWORD@host:5432/DB}) and JDBC URLs ({@code jdbc:postgresql://host/db}).
 */
public record DbTarget(String jdbcUrl, String user, String password) {

    public static DbTarget parse(String url, String user, String password) {
        if (url.startsWith("jdbc:postgresql:")) {
            return new DbTarget(url, user, password);
        }
        if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
            throw new IllegalArgumentException("must start with postgresql:// or jdbc:postgresql://");
        }
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("has no host name");
            }
            String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
            StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
            if (uri.getPort() > 0) {
                jdbc.append(':').append(uri.getPort());
            }
            jdbc.append(path);
            if (uri.getRawQuery() != null) {
                jdbc.append('?').append(uri.getRawQuery());
            }
            String parsedUser = user;
            String parsedPassword = password;
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                parsedUser = decode(parts[0]);
                if (parts.length == 2) {
                    parsedPassword = decode(parts[1]);
                }
            }
            return new DbTarget(jdbc.toString(), parsedUser, parsedPassword);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a valid URL (" + e.getReason() + ")");
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /** The URL with any password parameter removed: safe to print and log. */
    public String redacted() {
        String safe = jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
        return user == null ? safe : safe + " (user " + user + ")";
    }

    @Override
    public String toString() {
        return redacted();
    }
}
