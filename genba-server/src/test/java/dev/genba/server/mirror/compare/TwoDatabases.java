package dev.genba.server.mirror.compare;

import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import dev.genba.server.testing.TestPostgres;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.Jdbi;

/**
 * A stand-in for Window A's database (its own {@code part_locations}, shaped differently from
 * ours) and a Genba database migrated as the server does it.
 */
final class TwoDatabases implements AutoCloseable {
    static final CompareOptions SMALL_RANGES = CompareOptions.defaults()
            .withChunks(100, 40)
            .withRecheckPause(Duration.ofMillis(200));

    private static final String WINDOW_A_SCHEMA = """
            CREATE TABLE part_locations (
                order_id    varchar(40) NOT NULL,
                tag_id      varchar(64) NOT NULL,
                location    varchar(20) NOT NULL,
                station     varchar(20),
                lot         varchar(40),
                scanned_at  timestamptz NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tag_id, order_id)
            )
            """;

    private static final String INSERT_PRIMARY = """
            INSERT INTO part_locations (tag_id, order_id, location, station, lot, scanned_at, updated_at)
            VALUES (:tag, :order, :location, :station, :lot, CAST(:base AS timestamptz) - CAST(:age AS interval), CAST(:base AS timestamptz) - CAST(:age AS interval))
            """;

    private static final String INSERT_MIRROR = """
            INSERT INTO part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)
            VALUES (:tag, :order, :location, :station, :lot, 'PI-01', gen_random_uuid(),
                    CAST(:base AS timestamptz) - CAST(:age AS interval), CAST(:base AS timestamptz) - CAST(:age AS interval))
            """;

    private final DbTarget primaryTarget;
    private final DbTarget mirrorTarget;
    final Database primary;
    final Database mirror;
    /** "Now" for every row written, so both sides get exactly the same timestamps. */
    private final String base = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();

    TwoDatabases() {
        this(TestPostgres.newDatabase(), TestPostgres.newDatabase());
        mirror.migrate();
        primary.jdbi().useHandle(handle -> handle.execute(WINDOW_A_SCHEMA));
    }

    private TwoDatabases(DbTarget primaryTarget, DbTarget mirrorTarget) {
        this.primaryTarget = primaryTarget;
        this.mirrorTarget = mirrorTarget;
        primary = Database.connect(primaryTarget, 3, "compare-test", null);
        mirror = Database.connect(mirrorTarget, 3, "compare-test", null);
    }

    /** New connection pools on the same two databases. */
    TwoDatabases reopen() {
        return new TwoDatabases(primaryTarget, mirrorTarget);
    }

    /** The same {@code count} rows on both sides, all last changed {@code age} ago. */
    void fillBoth(int count, String age) {
        String rows = """
                SELECT 'TAG-' || lpad(i::text, 6, '0'), 'ORD-' || (i % 7), 'LOC-' || (i % 50), 'ST-' || (i % 5),
                       CASE WHEN i % 3 = 0 THEN NULL ELSE 'LOT-' || i END, CAST(:base AS timestamptz) - CAST(:age AS interval), CAST(:base AS timestamptz) - CAST(:age AS interval)
                  FROM generate_series(1, :count) AS i
                """;
        primary.jdbi().useHandle(handle -> handle.createUpdate(
                        "INSERT INTO part_locations (tag_id, order_id, location, station, lot, scanned_at, updated_at) " + rows)
                .bind("count", count).bind("age", age).bind("base", base).execute());
        mirror.jdbi().useHandle(handle -> handle.createUpdate("""
                        INSERT INTO part_locations (tag_id, order_id, location, station, lot, scanned_at, updated_at, device_id, scan_id)
                        SELECT *, 'PI-01', gen_random_uuid() FROM (""" + rows + ") AS generated")
                .bind("count", count).bind("age", age).bind("base", base).execute());
    }

    /** One row on both sides. */
    void putBoth(String tag, String order, String location, String station, String lot, String age) {
        putPrimary(tag, order, location, station, lot, age);
        putMirror(tag, order, location, station, lot, age);
    }

    void putPrimary(String tag, String order, String location, String station, String lot, String age) {
        insert(primary.jdbi(), INSERT_PRIMARY, tag, order, location, station, lot, age);
    }

    void putMirror(String tag, String order, String location, String station, String lot, String age) {
        insert(mirror.jdbi(), INSERT_MIRROR, tag, order, location, station, lot, age);
    }

    static void execute(Database database, String sql) {
        database.jdbi().useHandle(handle -> handle.execute(sql));
    }

    TableComparator comparator(Normalisation normalisation) {
        return comparator(TableSpec.partLocations(), normalisation);
    }

    TableComparator comparator(TableSpec spec, Normalisation normalisation) {
        return new TableComparator(primary.jdbi(), mirror.jdbi(), spec, normalisation, Clock.systemUTC(), SMALL_RANGES);
    }

    private void insert(Jdbi jdbi, String sql, String tag, String order, String location, String station, String lot, String age) {
        jdbi.useHandle(handle -> handle.createUpdate(sql)
                .bind("tag", tag).bind("order", order).bind("location", location)
                .bind("station", station).bind("lot", lot).bind("age", age).bind("base", base)
                .execute());
    }

    @Override
    public void close() {
        primary.close();
        mirror.close();
    }
}
