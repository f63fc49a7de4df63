package dev.genba.server.mirror.compare;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Compares one table between the primary database (the old server, Window A) and the mirror
 * (Genba): recent changes ({@link #window}) or the whole table ({@link #full}).
 *
 * <p>Each run first checks the table and its columns in both databases; an unreachable database
 * or a missing table or column is a {@link CompareException} with a plain sentence naming the
 * side. The comparator holds no connection between runs.
 */
public final class TableComparator {
    static final String PRIMARY = "primary";
    static final String MIRROR = "mirror";

    private final Jdbi primary;
    private final Jdbi mirror;
    private final TableSpec spec;
    private final Normalisation normalisation;
    private final Clock clock;
    private final CompareOptions options;

    public TableComparator(Jdbi primary, Jdbi mirror, TableSpec spec, Normalisation normalisation, Clock clock) {
        this(primary, mirror, spec, normalisation, clock, CompareOptions.defaults());
    }

    public TableComparator(Jdbi primary, Jdbi mirror, TableSpec spec, Normalisation normalisation, Clock clock,
                           CompareOptions options) {
        this.primary = primary;
        this.mirror = mirror;
        this.spec = spec;
        this.normalisation = normalisation;
        this.clock = clock;
        this.options = options;
    }

    /**
     * Rows whose timestamp is within [now − lookback, now − inFlight] on either side, each
     * difference re-checked once after {@link CompareOptions#recheckPause()}.
     */
    public CompareResult window(Duration lookback, Duration inFlight) {
        if (lookback.compareTo(inFlight) <= 0) {
            throw new IllegalArgumentException("lookback (" + lookback + ") must be longer than the in-flight margin (" + inFlight + ")");
        }
        return withSides((sides, comparer) -> new WindowCompare(sides, comparer, options, clock).run(lookback, inFlight));
    }

    /** The whole table, by checksums of key ranges computed inside each database. */
    public CompareResult full() {
        return withSides((sides, comparer) -> new FullCompare(sides, comparer, options).run());
    }

    private interface Run {
        CompareResult on(Sides sides, RowComparer comparer);
    }

    private CompareResult withSides(Run run) {
        ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "mirror-compare-primary");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Pair<TableShape> shapes = resolve(executor);
            TableShape.checkKeysAgree(shapes.primary(), shapes.mirror());
            Sides sides = new Sides(new SideQueries(primary, shapes.primary(), normalisation, options),
                    new SideQueries(mirror, shapes.mirror(), normalisation, options), executor);
            return run.on(sides, new RowComparer(shapes.primary(), shapes.mirror(), normalisation));
        } catch (SideFailure e) {
            throw new CompareException(e.sentence("a query"), e.getCause());
        } finally {
            executor.shutdownNow();
        }
    }

    /** Both tables' shapes, checked at once; if both sides are wrong, both problems are named. */
    private Pair<TableShape> resolve(ExecutorService executor) {
        CompletableFuture<TableShape> onPrimary =
                CompletableFuture.supplyAsync(() -> TableShape.resolve(primary, spec, PRIMARY), executor);
        List<String> mirrorProblems = new ArrayList<>();
        TableShape mirrorShape = attempt(() -> TableShape.resolve(mirror, spec, MIRROR), mirrorProblems);
        List<String> problems = new ArrayList<>();
        TableShape primaryShape = attempt(onPrimary::join, problems);
        problems.addAll(mirrorProblems);
        if (!problems.isEmpty()) {
            throw new CompareException(String.join("; ", problems));
        }
        return new Pair<>(primaryShape, mirrorShape);
    }

    private static TableShape attempt(Supplier<TableShape> resolve, List<String> problems) {
        try {
            return resolve.get();
        } catch (CompletionException e) {
            problems.add(e.getCause().getMessage());
        } catch (CompareException e) {
            problems.add(e.getMessage());
        }
        return null;
    }
}
