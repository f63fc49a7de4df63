package dev.genba.agent.testing;

import java.util.Map;

/** Reads a parsed JSON value as an object in assertions. */
public final class JsonObjects {
    private JsonObjects() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value) {
        return (Map<String, Object>) value;
    }
}
