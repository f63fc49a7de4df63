package dev.genba.server.auth;

import dev.genba.server.http.ApiException;
import io.javalin.http.Context;
import java.util.Locale;

/**
 * Who is calling: a device ({@code x-client-key}) or an admin ({@code Authorization: Bearer}).
 * Device keys never open admin endpoints and admin tokens never post as a device.
 */
public final class AccessGuard {
    public static final String DEVICE_HEADER = "x-client-key";
    private static final int MAX_SECRET_LENGTH = 200;

    private final DeviceKeyStore devices;
    private final AdminTokenStore admins;
    private final CredentialCache cache;

    public AccessGuard(DeviceKeyStore devices, AdminTokenStore admins, CredentialCache cache) {
        this.devices = devices;
        this.admins = admins;
        this.cache = cache;
    }

    /** The calling device's name; 401 without a valid key, 403 for an admin token. */
    public String requireDevice(Context ctx) {
        String key = ctx.header(DEVICE_HEADER);
        if (key == null || key.isBlank()) {
            if (ctx.header("Authorization") != null) {
                throw ApiException.forbidden("this endpoint is for devices: send the device's x-client-key header, not an admin token");
            }
            throw ApiException.unauthorized("x-client-key header is required (issue a key with `genba clients add NAME`)");
        }
        if (key.length() > MAX_SECRET_LENGTH) {
            throw ApiException.unauthorized("x-client-key is not a valid device key");
        }
        return cache.lookup('d', Secrets.hash(key.trim()), devices::findActiveByHash)
                .orElseThrow(() -> ApiException.unauthorized("x-client-key is not a valid device key (unknown or revoked)"));
    }

    /** The admin token's name; 401 without a valid token, 403 for a device key. */
    public String requireAdmin(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization == null || authorization.isBlank()) {
            if (ctx.header(DEVICE_HEADER) != null) {
                throw ApiException.forbidden("device keys cannot use admin endpoints; send Authorization: Bearer <admin token>");
            }
            throw ApiException.unauthorized("Authorization: Bearer <token> is required (create one with `genba admin token create`)");
        }
        String trimmed = authorization.trim();
        if (!trimmed.toLowerCase(Locale.ROOT).startsWith("bearer ") || trimmed.length() > MAX_SECRET_LENGTH) {
            throw ApiException.unauthorized("Authorization must be \"Bearer <token>\"");
        }
        String token = trimmed.substring("bearer ".length()).trim();
        return cache.lookup('a', Secrets.hash(token), admins::findActiveByHash)
                .orElseThrow(() -> ApiException.unauthorized("admin token is not valid (unknown or revoked)"));
    }

    /** 403 unless the body's device id is the caller's own. */
    public static void requireOwnId(String caller, String claimed, String field) {
        if (!caller.equals(claimed)) {
            throw new ApiException(403, "forbidden", field,
                    field + " is \"" + claimed + "\" but this key belongs to \"" + caller + "\"; a device may only post for itself");
        }
    }
}
