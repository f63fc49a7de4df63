package dev.genba.agent.db;

import dev.genba.agent.DurableFile;
import dev.genba.agent.logs.AgentLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * An outbox.db that SQLite finds damaged (not a database any more, or corrupt pages, as a failing
 * SD card leaves it). Failing at every start would stop the handheld taking scans, so the file and
 * its -wal and -shm are moved, untouched, into {@code state_dir/damaged-<UTC time>/}, a new outbox
 * is made, and what can still be read from the old one is copied into it: the deliveries still
 * waiting (the server answers "duplicate" for any it already has) and the dead letters.
 * {@code genba-agent status} names the folder until an operator removes it (RUNBOOK 11.7).
 *
 * <p>Each step is written to the folder's note (fsynced) before the next begins, and every start
 * finishes a folder whose note says a step is not done: a power cut between moving outbox.db and
 * its -wal must not leave the -wal beside a new outbox.db, where SQLite would discard its scans.
 * A folder without a note (files an operator moved there by hand) is copied from too.
 */
public final class DamagedOutbox {
    private static final AgentLog LOG = AgentLog.of(DamagedOutbox.class);
    static final String FOLDER_PREFIX = "damaged-";
    /** In the folder: why and when (first line), then how far the set-aside got or what was copied. */
    public static final String NOTE = "set-aside.txt";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final int CHUNK = 1_000;
    private static final List<String> PARTS = List.of("", "-wal", "-shm");
    private static final String MOVING = "moving the damaged files here (not finished yet)";
    private static final String COPYING = "copying what can be read into the new outbox.db (not finished yet)";

    private DamagedOutbox() {
    }

    /** What was copied from one table of the damaged file; {@code error} is why some could not be read. */
    record Copied(long rows, String error) {
    }

    /**
     * Opens the outbox for {@code run}: first finishes any set-aside a stop interrupted, then sets
     * {@code file} aside when it is damaged (found now, or by the last run: {@code outbox.db.damaged}),
     * then copies into the outbox what each unfinished folder still holds.
     */
    public static AgentDatabase openForRun(Path file, Clock clock) {
        finishInterruptedMoves(file);
        String foundByLastRun = markedDamaged(file);
        AgentDatabase database;
        if (foundByLastRun != null && Files.exists(file)) {
            database = setAsideAndReopen(file, foundByLastRun, clock);
        } else {
            if (foundByLastRun != null) {
                deleteMarker(file); // nothing left to set aside
            }
            try {
                database = SpaceReserve.open(file);
            } catch (DatabaseException e) {
                if (!e.damaged()) {
                    throw e;
                }
                database = setAsideAndReopen(file, e.getCause().getMessage(), clock);
            }
        }
        try {
            finishCopies(file, database);
            SpaceReserve.keep(file);
            return database;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    private static AgentDatabase setAsideAndReopen(Path file, String why, Clock clock) {
        Path stateDir = file.toAbsolutePath().getParent();
        Path folder = stateDir.resolve(FOLDER_PREFIX + STAMP.format(clock.instant()));
        for (int n = 2; Files.exists(folder); n++) {
            folder = stateDir.resolve(FOLDER_PREFIX + STAMP.format(clock.instant()) + "-" + n);
        }
        String first = "outbox.db was found damaged (" + why.replace('\n', ' ') + "); set aside at " + clock.instant()
                + ", kept here untouched, and a new outbox.db was made";
        // no command (genba-agent scan, ...) may have the file open while it moves: its writes would stay behind
        try (OutboxLock moving = OutboxLock.exclusive(file, LOG::warn)) {
            Files.createDirectories(folder);
            writeNote(folder, first, MOVING);
            moveParts(file, folder);
            writeNote(folder, first, COPYING);
        } catch (IOException e) {
            throw new DatabaseException("the outbox file " + file.toAbsolutePath() + " is damaged (" + why
                    + "); setting it aside in " + folder + " failed (" + e.getMessage() + "): make room or fix the"
                    + " disk and start the agent again; it finishes the set-aside then (RUNBOOK 11.7)", e);
        }
        deleteMarker(file);
        return SpaceReserve.open(file);
    }

    /**
     * A folder whose set-aside a stop interrupted while moving the files, or null. Until a start
     * finishes it, outbox.db must not be opened: its -wal may still lie beside where it was, and
     * SQLite would reset that -wal for a new outbox.db, losing the scans in it.
     */
    static Path interruptedMove(Path stateDir) {
        for (Path folder : folders(stateDir)) {
            if (MOVING.equals(noteLine(folder, 1))) {
                return folder;
            }
        }
        return null;
    }

    /** A stop between writing MOVING and COPYING: the parts still beside the new file's place go to the folder. */
    private static void finishInterruptedMoves(Path file) {
        for (Path folder : folders(file.toAbsolutePath().getParent())) {
            if (MOVING.equals(noteLine(folder, 1))) {
                LOG.warn("finishing the set-aside of the damaged outbox into " + folder + " that a stop interrupted");
                try (OutboxLock moving = OutboxLock.exclusive(file, LOG::warn)) {
                    moveParts(file, folder);
                    writeNote(folder, noteLine(folder, 0), COPYING);
                } catch (IOException e) {
                    throw new DatabaseException("could not finish setting the damaged outbox aside in " + folder + " ("
                            + e.getMessage() + "): make room or fix the disk and start the agent again", e);
                }
            }
        }
    }

    private static void moveParts(Path file, Path folder) throws IOException {
        for (String suffix : PARTS) {
            Path part = file.resolveSibling(file.getFileName() + suffix);
            Path target = folder.resolve(part.getFileName());
            if (Files.exists(part) && !Files.exists(target)) {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        DurableFile.fsyncDirectory(folder);
        DurableFile.fsyncDirectory(file.toAbsolutePath().getParent());
    }

    /** Copies from every folder whose copy is not done (a stop interrupted it, or an operator made it). */
    private static void finishCopies(Path file, AgentDatabase outbox) {
        String name = file.getFileName().toString();
        for (Path folder : folders(file.toAbsolutePath().getParent())) {
            String step = noteLine(folder, 1);
            if (step != null && !COPYING.equals(step)) {
                continue;
            }
            String first = noteLine(folder, 0);
            if (first == null) {
                first = "outbox.db was put here by hand; copied from at " + Instant.now();
            }
            Path kept = folder.resolve(name);
            String result;
            if (!Files.exists(kept)) {
                result = "nothing to copy: no " + name + " in this folder";
            } else {
                Copied deliveries = copy(kept, outbox, "outbox", "destination, scan_id, body, enqueued_at",
                        "INSERT OR IGNORE INTO outbox (destination, scan_id, body, enqueued_at) VALUES (?, ?, ?, ?)");
                // dead_letters has no unique key: a copy finished a second time must not add them again
                Copied deadLetters = copy(kept, outbox, "dead_letters",
                        "destination, scan_id, body, enqueued_at, failed_at, http_status, reason", """
                        INSERT INTO dead_letters (destination, scan_id, body, enqueued_at, failed_at, http_status, reason)
                        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS
                            (SELECT 1 FROM dead_letters WHERE destination = ?1 AND scan_id = ?2)""");
                result = "copied into the new outbox: " + deliveries.rows() + " deliveries waiting"
                        + (deliveries.error() == null ? "" : " (some could not be read: " + deliveries.error() + ")")
                        + ", " + deadLetters.rows() + " dead letters"
                        + (deadLetters.error() == null ? "" : " (some could not be read: " + deadLetters.error() + ")");
                LOG.error("the outbox was damaged and was set aside in " + folder + "; the new one got "
                        + deliveries.rows() + " deliveries and " + deadLetters.rows() + " dead letters copied from it"
                        + (deliveries.error() == null && deadLetters.error() == null ? ""
                                : " (not all of it could be read: keep the folder for the development team)")
                        + "; see RUNBOOK 11.7");
            }
            try {
                writeNote(folder, first, result);
            } catch (IOException e) {
                LOG.warn("could not write " + folder.resolve(NOTE) + " (" + e.getMessage() + "): the next start copies"
                        + " from " + folder + " again (nothing is added twice)");
            }
        }
    }

    /** The note, replaced durably (temporary file, fsync, rename). */
    private static void writeNote(Path folder, String first, String second) throws IOException {
        DurableFile.write(folder.resolve(NOTE), (first + "\n" + second + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Notes that SQLite found {@code file} damaged while the agent ran, for the next start to set
     * it aside: the damage may sit in pages that opening the file never reads.
     */
    public static void markDamaged(Path file, String why) {
        try {
            Files.writeString(marker(file), why + "\n");
        } catch (IOException e) {
            LOG.warn("could not write " + marker(file) + " (" + e.getMessage() + "): stop the agent and move"
                    + " outbox.db, outbox.db-wal and outbox.db-shm into a new folder damaged-manual in the state"
                    + " directory; its next start copies from there (RUNBOOK 11.7)");
        }
    }

    /** Why the last run found {@code file} damaged, or null. */
    static String markedDamaged(Path file) {
        try {
            return Files.exists(marker(file)) ? Files.readString(marker(file)).strip() : null;
        } catch (IOException e) {
            return "found damaged by an earlier run";
        }
    }

    private static void deleteMarker(Path file) {
        try {
            Files.deleteIfExists(marker(file));
        } catch (IOException e) {
            LOG.warn("could not remove " + marker(file) + " (" + e.getMessage() + "): remove it by hand");
        }
    }

    private static Path marker(Path file) {
        return file.resolveSibling(file.getFileName() + ".damaged");
    }

    /**
     * What {@code status} shows: each set-aside folder with the outcome of its copy (oldest first),
     * and a file the running agent found damaged that its next start sets aside.
     */
    public static List<String> setAside(Path stateDir) {
        List<String> found = new ArrayList<>();
        for (Path folder : folders(stateDir)) {
            String outcome = noteLine(folder, 1);
            found.add(folder + ": " + (outcome == null ? "damaged files, copied from at the agent's next start" : outcome));
        }
        String marked = markedDamaged(stateDir.resolve("outbox.db"));
        if (marked != null) {
            found.add(stateDir.resolve("outbox.db") + ": found damaged while the agent ran (" + marked + "); it is set"
                    + " aside when the agent starts again (sudo systemctl restart genba-agent)");
        }
        return found;
    }

    private static List<Path> folders(Path stateDir) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(stateDir)) {
            return found;
        }
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(stateDir,
                entry -> entry.getFileName().toString().startsWith(FOLDER_PREFIX) && Files.isDirectory(entry))) {
            folders.forEach(found::add);
        } catch (IOException e) {
            LOG.warn("could not list " + stateDir + ": " + e.getMessage());
        }
        found.sort(null);
        return found;
    }

    /** Line {@code index} of a folder's note, or null. */
    private static String noteLine(Path folder, int index) {
        try {
            List<String> lines = Files.readAllLines(folder.resolve(NOTE));
            return lines.size() > index ? lines.get(index) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Copies {@code columns} of {@code table} from the damaged file in id order. Past a page that
     * cannot be read it looks further on (ids are found through the table's upper pages, which may
     * still be whole) and goes on from the first row it can read: only the rows on damaged pages stay behind.
     */
    private static Copied copy(Path damaged, AgentDatabase fresh, String table, String columns, String insert) {
        int width = columns.split(",").length;
        long copied = 0;
        String firstError = null;
        // a statement that failed on a damaged page is prepared anew for every read
        String select = "SELECT id, " + columns + " FROM " + table + " WHERE id > ? ORDER BY id LIMIT ?";
        // read-only: the damaged file and its -wal stay as they were (a read-write close would merge them)
        SQLiteConfig readOnly = new SQLiteConfig();
        readOnly.setReadOnly(true);
        try (Connection source = readOnly.createConnection("jdbc:sqlite:" + damaged)) {
            Reader read = new Reader(source, select, width);
            long maxId = maxId(source, table);
            long after = 0;
            while (true) {
                List<Object[]> rows = new ArrayList<>();
                String error = null;
                try {
                    after = read.rows(after, CHUNK, rows);
                } catch (SQLException e) {
                    error = e.getMessage();
                    after = rows.isEmpty() ? after : lastId(rows);
                }
                if (!rows.isEmpty()) {
                    copied += fresh.write(connection -> insert(connection, insert, strip(rows)));
                }
                if (error == null && rows.isEmpty()) {
                    if (after >= maxId) {
                        return new Copied(copied, firstError);
                    }
                    error = "rows up to id " + maxId + " were expected after id " + after; // a page read as empty
                }
                if (error != null) {
                    firstError = firstError == null ? error : firstError;
                    Long next = nextReadable(read, after, maxId);
                    if (next == null) {
                        return new Copied(copied, firstError);
                    }
                    after = next;
                }
            }
        } catch (SQLException e) {
            return new Copied(copied, firstError == null ? e.getMessage() : firstError);
        }
    }

    /** Reads rows of one table of the damaged file. */
    private record Reader(Connection source, String select, int width) {
        /** Reads up to {@code limit} rows with ids above {@code after} into {@code rows} (id first); returns the last id. */
        long rows(long after, int limit, List<Object[]> rows) throws SQLException {
            long last = after;
            try (PreparedStatement read = source.prepareStatement(select)) {
                read.setLong(1, after);
                read.setInt(2, limit);
                try (ResultSet result = read.executeQuery()) {
                    while (result.next()) {
                        Object[] row = new Object[width + 1];
                        for (int i = 0; i <= width; i++) {
                            row[i] = result.getObject(i + 1);
                        }
                        rows.add(row);
                        last = result.getLong(1);
                    }
                }
            }
            return last;
        }

        /** True when the first row above {@code start} can be read. */
        boolean rowAfter(long start) {
            List<Object[]> rows = new ArrayList<>();
            try {
                rows(start, 1, rows);
                return !rows.isEmpty();
            } catch (SQLException e) {
                return false;
            }
        }
    }

    /**
     * The smallest start above {@code after} from which a row can be read again: doubling steps
     * until a read works, then halving back toward the damaged page. A damaged page may also read
     * as empty, so only {@code maxId} says where the rows end. Null when nothing readable follows.
     */
    private static Long nextReadable(Reader read, long after, long maxId) {
        long failing = after;
        long working = -1;
        for (int shift = 0; shift < 62 && working < 0; shift++) {
            long start = after + (1L << shift);
            if (start >= maxId) {
                start = maxId - 1;
                if (start <= failing || !read.rowAfter(start)) {
                    return null;
                }
                working = start;
            } else if (read.rowAfter(start)) {
                working = start;
            } else {
                failing = start;
            }
        }
        if (working < 0) {
            return null;
        }
        while (working - failing > 1) {
            long middle = failing + (working - failing) / 2;
            if (read.rowAfter(middle)) {
                working = middle;
            } else {
                failing = middle;
            }
        }
        return working;
    }

    /** The highest id in {@code table}, read from its last page; a very large number when that cannot be read. */
    private static long maxId(Connection source, String table) {
        try (PreparedStatement max = source.prepareStatement("SELECT max(id) FROM " + table);
             ResultSet row = max.executeQuery()) {
            return row.next() ? row.getLong(1) : 0;
        } catch (SQLException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    private static long lastId(List<Object[]> rows) {
        return ((Number) rows.get(rows.size() - 1)[0]).longValue();
    }

    /** The rows without their leading id. */
    private static List<Object[]> strip(List<Object[]> rows) {
        List<Object[]> values = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            values.add(Arrays.copyOfRange(row, 1, row.length));
        }
        return values;
    }

    private static int insert(Connection connection, String sql, List<Object[]> rows) throws SQLException {
        int inserted = 0;
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    insert.setObject(i + 1, row[i]);
                }
                inserted += insert.executeUpdate();
            }
        }
        return inserted;
    }
}
