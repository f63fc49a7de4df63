import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import dev.genba.server.db.EmbeddedDatabase;
import dev.genba.server.mirror.compare.CompareOptions;
import dev.genba.server.mirror.compare.CompareResult;
import dev.genba.server.mirror.compare.Difference;
import dev.genba.server.mirror.compare.Normalisation;
import dev.genba.server.mirror.compare.TableComparator;
import dev.genba.server.mirror.compare.TableSpec;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * bench/compare: the mirror comparison engine against COPY on two 1,000,000-row tables.
 *
 * <p>One embedded PostgreSQL 15 (started as the server starts it) holds both databases: "genba"
 * (migrated: Genba's part_locations) as the mirror and "window_a" (a table of Window A's shape)
 * as the primary. Usage: {@code CompareBench <work-dir> [rows] [repeats]}.
 */
public final class CompareBench {
    private static final String WINDOW_A_TABLE = """
            CREATE TABLE part_locations (
                order_id varchar(40) NOT NULL, tag_id varchar(64) NOT NULL, location varchar(20) NOT NULL,
                station varchar(20), lot varchar(40), scanned_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
                PRIMARY KEY (tag_id, order_id))
            """;
    // one row per i: a tenth of the rows changed within the last day, the rest over 30 days before
    private static final String ROWS = """
            SELECT 'TAG-' || lpad(to_hex(i * 2654435761 %% 4294967291), 8, '0'), 'ORD-' || (i %% 997),
                   CASE WHEN i %% 11 = 0 THEN '棚-' || (i %% 500) ELSE 'LOC-' || (i %% 500) END,
                   'ST-' || (i %% 40), CASE WHEN i %% 7 = 0 THEN NULL ELSE 'LOT-' || (i / 13) END,
                   ts, ts
              FROM generate_series(1, %d) AS i,
                   LATERAL (SELECT CAST('%s' AS timestamptz) - CASE WHEN i %% 10 = 0
                                   THEN (i %% 86000) * interval '1 second'
                                   ELSE interval '1 day 1 hour' + (i %% 2592000) * interval '1 second' END AS ts) AS t
            """;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String now = java.time.Instant.now().toString();

        try (EmbeddedDatabase postgres = EmbeddedDatabase.start(work.resolve("pg"), 0,
                GenbaConfig.defaultSharedBuffersMb(GenbaConfig.machineMemoryBytes() >> 20), work.resolve("pg.log"), Duration.ofSeconds(10));
             Database mirror = Database.connect(postgres.target(), 4, "bench-mirror", null)) {
            mirror.migrate();
            mirror.jdbi().useHandle(handle -> handle.execute("CREATE DATABASE window_a"));
            DbTarget primaryTarget = new DbTarget(postgres.target().jdbcUrl().replace("/genba", "/window_a"), "postgres", null);
            try (Database primary = Database.connect(primaryTarget, 4, "bench-primary", null)) {
                long loadStart = System.nanoTime();
                String rowsSql = ROWS.formatted(rows, now);
                primary.jdbi().useHandle(handle -> {
                    handle.execute(WINDOW_A_TABLE);
                    handle.execute("INSERT INTO part_locations (tag_id, order_id, location, station, lot, scanned_at, updated_at) " + rowsSql);
                });
                mirror.jdbi().useHandle(handle -> handle.execute("""
                        INSERT INTO part_locations (tag_id, order_id, location, station, lot, scanned_at, updated_at, device_id, scan_id)
                        SELECT *, 'PI-01', gen_random_uuid() FROM (""" + rowsSql + ") AS generated"));
                Set<String> expected = injectDifferences(primary, mirror, rows);
                for (Database database : List.of(primary, mirror)) {
                    database.jdbi().useHandle(handle -> handle.execute("VACUUM ANALYZE part_locations"));
                }
                System.err.printf(Locale.ROOT, "loaded %,d rows per side in %.1f s%n", rows, seconds(System.nanoTime() - loadStart));

                TableComparator comparator = new TableComparator(primary.jdbi(), mirror.jdbi(), TableSpec.partLocations(),
                        Normalisation.exact(), Clock.systemUTC(), CompareOptions.defaults());
                copyBoth(primary, mirror);  // warm-up, not measured
                comparator.full();
                List<Double> copyTimes = new ArrayList<>();
                List<Double> fullTimes = new ArrayList<>();
                CompareResult full = null;
                for (int run = 0; run < repeats; run++) {
                    copyTimes.add(copyBoth(primary, mirror));
                    full = comparator.full();
                    fullTimes.add(full.elapsed().toNanos() / 1e9);
                }
                CompareResult window = comparator.window(Duration.ofHours(25), Duration.ofMinutes(5));
                CompareResult windowRepeat = new TableComparator(primary.jdbi(), mirror.jdbi(), TableSpec.partLocations(),
                        Normalisation.exact(), Clock.systemUTC(), CompareOptions.defaults().withRecheckPause(Duration.ZERO))
                        .window(Duration.ofHours(25), Duration.ofMinutes(5));
                report(rows, expected, full, median(copyTimes), median(fullTimes), window, windowRepeat);
            }
        }
    }

    /** Ten differences spread over the key space, on both sides; returns their tag_ids. */
    private static Set<String> injectDifferences(Database primary, Database mirror, int rows) {
        String[] mirrorChanges = {
                "UPDATE part_locations SET station = 'ST-X' WHERE tag_id = %s",
                "UPDATE part_locations SET location = 'LOC-X' WHERE tag_id = %s",
                "UPDATE part_locations SET lot = NULL WHERE tag_id = %s",
                "DELETE FROM part_locations WHERE tag_id = %s",
                "DELETE FROM part_locations WHERE tag_id = %s",
                "UPDATE part_locations SET lot = 'LOT-X', station = 'ST-Y' WHERE tag_id = %s",
        };
        String[] primaryChanges = {
                "UPDATE part_locations SET station = 'ST-Z' WHERE tag_id = %s",
                "DELETE FROM part_locations WHERE tag_id = %s",
                "UPDATE part_locations SET location = ' LOC-1' WHERE tag_id = %s",
                "DELETE FROM part_locations WHERE tag_id = %s",
        };
        Set<String> tags = new TreeSet<>();
        int step = rows / 10;
        for (int k = 0; k < 10; k++) {
            long i = (long) k * step + 4320 + (k % 3 == 0 ? 0 : 7);  // i % 10 == 0: changed within the last day
            String tag = primary.jdbi().withHandle(handle -> handle.createQuery(
                    "SELECT 'TAG-' || lpad(to_hex(CAST(:i AS bigint) * 2654435761 % 4294967291), 8, '0')").bind("i", i).mapTo(String.class).one());
            tags.add(tag);
            String sql = k < mirrorChanges.length ? mirrorChanges[k] : primaryChanges[k - mirrorChanges.length];
            Database side = k < mirrorChanges.length ? mirror : primary;
            side.jdbi().useHandle(handle -> handle.execute(sql.formatted("'" + tag + "'")));
        }
        return tags;
    }

    /** Seconds to COPY both tables TO STDOUT (the client discards the bytes). */
    private static double copyBoth(Database primary, Database mirror) throws Exception {
        long start = System.nanoTime();
        for (Database database : List.of(primary, mirror)) {
            try (Connection connection = database.dataSource().getConnection()) {
                connection.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY part_locations TO STDOUT", OutputStream.nullOutputStream());
            }
        }
        return seconds(System.nanoTime() - start);
    }

    private static void report(int rows, Set<String> expected, CompareResult full, double copy, double fullTime,
                               CompareResult window, CompareResult windowRepeat) {
        Set<String> found = full.differences().stream().map(d -> String.valueOf(d.key().get("tag_id"))).collect(Collectors.toCollection(TreeSet::new));
        Set<String> inWindow = window.differences().stream().map(d -> String.valueOf(d.key().get("tag_id"))).collect(Collectors.toCollection(TreeSet::new));
        System.out.printf(Locale.ROOT, "%-44s %14s %14s%n", "measure", "value", "goal");
        System.out.printf(Locale.ROOT, "%-44s %,14d %14s%n", "rows per table", rows, "");
        System.out.printf(Locale.ROOT, "%-44s %14.3f %14s%n", "COPY both tables TO STDOUT (s, median)", copy, "");
        System.out.printf(Locale.ROOT, "%-44s %14.3f %14s%n", "full mode (s, median)", fullTime, "");
        System.out.printf(Locale.ROOT, "%-44s %14.2f %14s%n", "full / COPY", fullTime / copy, "<= 0.50");
        System.out.printf(Locale.ROOT, "%-44s %,14d %,14d%n", "full mode rows fetched (both sides)", full.rowsFetched(), rows / 100);
        System.out.printf(Locale.ROOT, "%-44s %13.2f%% %14s%n", "rows fetched / rows per table", 100.0 * full.rowsFetched() / rows, "<= 1%");
        System.out.printf(Locale.ROOT, "%-44s %,14d %14s%n", "full mode ranges checksummed (chunks)", full.chunks(), "");
        System.out.printf(Locale.ROOT, "%-44s %14s %14s%n", "full mode found exactly the 10 differences",
                found.equals(expected) && full.differences().size() == 10 ? "yes" : "NO: " + found, "yes");
        System.out.printf(Locale.ROOT, "%-44s %,14d %14s%n", "window mode rows compared (last 25 h)", window.rows(), "");
        System.out.printf(Locale.ROOT, "%-44s %14.3f %14s%n", "window mode (s, incl. 2 s re-check pause)", window.elapsed().toNanos() / 1e9, "< 5");
        System.out.printf(Locale.ROOT, "%-44s %14.3f %14s%n", "window mode, re-check without pause (s)", windowRepeat.elapsed().toNanos() / 1e9, "< 5");
        System.out.printf(Locale.ROOT, "%-44s %14s %14s%n", "window mode differences (in the last day)", inWindow, "");
        System.out.printf(Locale.ROOT, "%-44s %14s %14s%n", "errors / skipped", full.errors() + " / " + full.skipped(), "[] / 0");
        if (!found.equals(expected)) {
            System.out.println("expected " + expected);
            full.differences().forEach(difference -> System.out.println("found " + difference));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
