package dev.genba.server.mirror;

/** A mirror operation refused or failed for a reason the operator can act on; the message says which. */
public final class MirrorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MirrorException(String message) {
        super(message);
    }
}
