package dev.genba.protocol;

/**
 * A caller sent something Genba cannot accept. Carries the JSON field that is wrong, when one
 * is, so the answer can name it ({@code "field": "payload.tag_id"}).
 */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String error;
    private final String field;

    public ProtocolException(String error, String field, String message) {
        super(message);
        this.error = error;
        this.field = field;
    }

    /** A short machine-readable code such as {@code invalid_field} or {@code invalid_json}. */
    public String error() {
        return error;
    }

    /** The dotted path of the offending field, or {@code null} when the problem is the whole body. */
    public String field() {
        return field;
    }

    public static ProtocolException invalidField(String field, String message) {
        return new ProtocolException("invalid_field", field, message);
    }

    public static ProtocolException invalidJson(String message) {
        return new ProtocolException("invalid_json", null, message);
    }
}
