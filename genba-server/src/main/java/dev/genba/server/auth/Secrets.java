package dev.genba.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Device keys and admin tokens: 256 random bits, shown once, stored as SHA-256. A fast hash is
 * enough here because the secrets are random, not chosen by people (passwords get a slow hash).
 */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** A new secret such as {@code gk_3q2-...}: a readable prefix then 43 URL-safe characters. */
    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether {@code secret} has the form {@link #generate} gives: the prefix, then 43 URL-safe characters. */
    public static boolean isWellFormed(String prefix, String secret) {
        return secret.length() == prefix.length() + 43 && secret.startsWith(prefix)
                && secret.substring(prefix.length()).chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                        || c >= '0' && c <= '9' || c == '-' || c == '_');
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The first characters of a secret, enough to tell keys apart in a listing. */
    public static String hint(String secret) {
        return secret.substring(0, Math.min(7, secret.length())) + "…";
    }
}
