package dev.genba.server.mirror;

import dev.genba.protocol.Json;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Mirror state, runs and differences in Genba's database (the files hold the same facts). */
public final class MirrorStore {
    private final Jdbi jdbi;

    public MirrorStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record State(boolean enabled, String endpoint, Instant changedAt) {
    }

    /** A finished comparison as recorded. */
    public record Run(long id, Instant startedAt, Instant finishedAt, LocalDate localDate, String mode, boolean scheduled,
                      String status, long rows, int diffs, int diffRows, int chunks, int skipped, List<String> errors,
                      double timeSeconds, int okStreak) {
    }

    public State state() {
        return jdbi.withHandle(handle -> handle.createQuery("select enabled, endpoint, changed_at from mirror_state where id = 1")
                .map((rs, ctx) -> new State(rs.getBoolean("enabled"), rs.getString("endpoint"),
                        rs.getTimestamp("changed_at").toInstant()))
                .one());
    }

    public void setEnabled(boolean enabled, String endpoint, String actor) {
        jdbi.useHandle(handle -> handle.createUpdate(
                        "update mirror_state set enabled = :enabled, endpoint = :endpoint, changed_at = now(), changed_by = :actor where id = 1")
                .bind("enabled", enabled).bind("endpoint", endpoint).bind("actor", actor).execute());
    }

    /** Stores a run and its differences in one transaction; returns the run id. */
    public long record(Run run, List<Map<String, Object>> differences) {
        return jdbi.inTransaction(handle -> {
            long id = handle.createUpdate("""
                            insert into mirror_runs (started_at, finished_at, local_date, mode, scheduled, status, rows_compared,
                                diffs, diff_rows, chunks, skipped, errors, time_s, ok_streak)
                            values (:started, :finished, :date, :mode, :scheduled, :status, :rows, :diffs, :diffRows, :chunks,
                                :skipped, cast(:errors as jsonb), :time, :streak)
                            """)
                    .bind("started", utc(run.startedAt())).bind("finished", utc(run.finishedAt()))
                    .bind("date", run.localDate()).bind("mode", run.mode()).bind("scheduled", run.scheduled())
                    .bind("status", run.status()).bind("rows", run.rows()).bind("diffs", run.diffs())
                    .bind("diffRows", run.diffRows()).bind("chunks", run.chunks()).bind("skipped", run.skipped())
                    .bind("errors", Json.write(run.errors())).bind("time", run.timeSeconds()).bind("streak", run.okStreak())
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            var insert = handle.prepareBatch("""
                    insert into mirror_diffs (run_id, key, kind, primary_values, mirror_values, columns, detected_at)
                    values (:run, cast(:key as jsonb), :kind, cast(:primary as jsonb), cast(:mirror as jsonb),
                            cast(:columns as jsonb), :detected)
                    """);
            for (Map<String, Object> difference : differences) {
                insert.bind("run", id).bind("key", Json.write(difference.get("key")))
                        .bind("kind", (String) difference.get("kind"))
                        .bind("primary", Json.write(difference.get("primary")))
                        .bind("mirror", Json.write(difference.get("mirror")))
                        .bind("columns", Json.write(difference.get("columns")))
                        .bind("detected", utc(run.finishedAt()))
                        .add();
            }
            if (!differences.isEmpty()) {
                insert.execute();
            }
            return id;
        });
    }

    /** Every scheduled run's day and result, oldest first: the input of the streak. */
    public List<Streak.Day> scheduledDays() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select local_date, status from mirror_runs where scheduled order by started_at, id")
                .map((rs, ctx) -> new Streak.Day(rs.getDate("local_date").toLocalDate(), "OK".equals(rs.getString("status"))))
                .list());
    }

    public Optional<Instant> lastScheduledStart() {
        return jdbi.withHandle(handle -> handle.createQuery("select max(started_at) from mirror_runs where scheduled")
                .mapTo(OffsetDateTime.class).findOne().map(OffsetDateTime::toInstant));
    }

    public Optional<Run> lastRun() {
        return runs("true order by started_at desc, id desc limit 1").stream().findFirst();
    }

    public Optional<Run> lastRunWithDifferences() {
        return runs("diffs > 0 order by started_at desc, id desc limit 1").stream().findFirst();
    }

    public List<Run> recentRuns(int limit) {
        return runs("true order by started_at desc, id desc limit " + Math.max(1, Math.min(limit, 1000)));
    }

    /** A stored difference as the pages show it. */
    public record StoredDifference(String key, String kind, String primaryValues, String mirrorValues, String columns,
                                   Instant detectedAt) {
    }

    /** The first {@code limit} differences a run recorded. */
    public List<StoredDifference> differences(long runId, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select key::text, kind, primary_values::text, mirror_values::text, columns::text, detected_at
                        from mirror_diffs where run_id = :run order by detected_at, key::text limit :limit""")
                .bind("run", runId).bind("limit", limit)
                .map((rs, ctx) -> new StoredDifference(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant()))
                .list());
    }

    private List<Run> runs(String condition) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select id, started_at, finished_at, local_date, mode, scheduled, status, rows_compared, diffs, diff_rows,
                               chunks, skipped, errors::text as errors, time_s, ok_streak
                        from mirror_runs where """ + " " + condition)
                .map((rs, ctx) -> {
                    @SuppressWarnings("unchecked")
                    List<String> errors = ((List<Object>) Json.parse(rs.getString("errors"))).stream().map(String::valueOf).toList();
                    return new Run(rs.getLong("id"), rs.getTimestamp("started_at").toInstant(),
                            rs.getTimestamp("finished_at").toInstant(), rs.getDate("local_date").toLocalDate(),
                            rs.getString("mode"), rs.getBoolean("scheduled"), rs.getString("status"), rs.getLong("rows_compared"),
                            rs.getInt("diffs"), rs.getInt("diff_rows"), rs.getInt("chunks"), rs.getInt("skipped"), errors,
                            rs.getDouble("time_s"), rs.getInt("ok_streak"));
                })
                .list());
    }

    /** Asks the running server to rotate the mirror logs; returns the request id. */
    public long requestRotation() {
        return jdbi.inTransaction(handle -> {
            long id = handle.createUpdate("insert into mirror_rotations default values")
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            handle.execute("select pg_notify('" + MirrorRotation.CHANNEL + "', ?)", Long.toString(id));
            return id;
        });
    }

    public void markRotated(long id, List<String> archived) {
        jdbi.useHandle(handle -> handle.createUpdate(
                        "update mirror_rotations set done_at = now(), archived = cast(:archived as jsonb) where id = :id")
                .bind("id", id).bind("archived", Json.write(archived)).execute());
    }

    /** The archives a finished rotation produced, or empty while it is not done. */
    public Optional<List<String>> rotationResult(long id) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "select archived::text from mirror_rotations where id = :id and done_at is not null")
                .bind("id", id).mapTo(String.class).findOne()
                .map(text -> ((List<?>) Json.parse(text)).stream().map(String::valueOf).toList()));
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
