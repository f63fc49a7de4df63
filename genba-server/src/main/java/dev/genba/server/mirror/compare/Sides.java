package dev.genba.server.mirror.compare;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/** Runs the same query on both databases at once: each does its own work inside its own server. */
final class Sides {
    private final SideQueries primary;
    private final SideQueries mirror;
    private final ExecutorService executor;

    Sides(SideQueries primary, SideQueries mirror, ExecutorService executor) {
        this.primary = primary;
        this.mirror = mirror;
        this.executor = executor;
    }

    /** Both results; a failure on either side becomes a {@link SideFailure} naming that side. */
    <T> Pair<T> run(Function<SideQueries, T> work) {
        return run(work, work);
    }

    /** Different work on each side, at once. */
    <T> Pair<T> run(Function<SideQueries, T> primaryWork, Function<SideQueries, T> mirrorWork) {
        CompletableFuture<T> onPrimary = CompletableFuture.supplyAsync(() -> primaryWork.apply(primary), executor);
        T onMirror;
        try {
            onMirror = mirrorWork.apply(mirror);
        } catch (RuntimeException e) {
            onPrimary.handle((result, failure) -> null).join();  // never leave a query running behind
            throw new SideFailure(mirror.side(), e);
        }
        try {
            return new Pair<>(onPrimary.join(), onMirror);
        } catch (CompletionException e) {
            throw new SideFailure(primary.side(), e.getCause());
        }
    }
}
