package dev.genba.protocol;

import java.util.regex.Pattern;

/** The one rule for device names ({@code HANDHELD-01}): used for client ids and scan device ids. */
public final class DeviceNames {
    public static final int MAX_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private DeviceNames() {
    }

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** Returns the name, or throws naming {@code field} with what a valid name looks like. */
    public static String check(String field, String name) {
        if (!isValid(name)) {
            throw ProtocolException.invalidField(field, field
                    + " must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit (like HANDHELD-01)");
        }
        return name;
    }
}
