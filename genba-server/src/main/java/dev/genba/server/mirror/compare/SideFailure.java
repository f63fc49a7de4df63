package dev.genba.server.mirror.compare;

/** A query failed on one side during a run; the run goes on without the ranges it covered. */
final class SideFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String side;

    SideFailure(String side, Throwable cause) {
        super(cause);
        this.side = side;
    }

    /** One plain sentence: "mirror database: computing checksums failed: canceling statement due to statement timeout". */
    String sentence(String doing) {
        return Failures.sentence(side, doing + " failed", getCause());
    }
}
