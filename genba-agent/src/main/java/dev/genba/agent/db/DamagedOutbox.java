package dev.genba.agent.db;

import dev.genba.agent.logs.AgentLog;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * An outbox.db that SQLite finds damaged when the agent starts (not a database any more, or
 * corrupt pages, as a failing SD card leaves it). Failing at every start would stop the
 * handheld taking scans, so the file and its -wal and -shm are moved, untouched, into
 * {@code state_dir/damaged-<UTC time>/}, a new outbox is made, and what can still be read from
 * the old one is copied into it: the deliveries still waiting (the server answers "duplicate"
 * for any it already has) and the dead letters. {@code genba-agent status} names the folder
 * until an operator removes it (RUNBOOK 11.7).
 */
public final class DamagedOutbox {
    private static final AgentLog LOG = AgentLog.of(DamagedOutbox.class);
    static final String FOLDER_PREFIX = "damaged-";
    /** In the folder: when, why, and what was copied, in plain words. */
    public static final String NOTE = "set-aside.txt";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final int CHUNK = 1_000;
    private static final String COPYING = "copying what can be read into the new outbox.db (not finished yet)";

    private DamagedOutbox() {
    }

    /** What was copied from one table of the damaged file; {@code error} is why the rest could not be read. */
    record Copied(long rows, String error) {
    }

    /** Sets the damaged file aside, opens a new outbox with what could be read from it, and says so in the log. */
    public static AgentDatabase setAsideAndReopen(Path file, String why, Clock clock) {
        Path stateDir = file.toAbsolutePath().getParent();
        Path folder = stateDir.resolve(FOLDER_PREFIX + STAMP.format(clock.instant()));
        for (int n = 2; Files.exists(folder); n++) {
            folder = stateDir.resolve(FOLDER_PREFIX + STAMP.format(clock.instant()) + "-" + n);
        }
        try {
            Files.createDirectories(folder);
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path part = file.resolveSibling(file.getFileName() + suffix);
                if (Files.exists(part)) {
                    Files.move(part, folder.resolve(part.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            // Until the copy is done the note says so: a start after a crash in between finishes it.
            Files.writeString(folder.resolve(NOTE), "outbox.db was found damaged (" + why + "); set aside at "
                    + clock.instant() + ", kept here untouched, and a new outbox.db was made\n" + COPYING + "\n");
            Files.deleteIfExists(marker(file));
        } catch (IOException e) {
            throw new DatabaseException("the outbox file " + file.toAbsolutePath() + " is damaged (" + why
                    + "); setting it aside in " + folder + " failed too (" + e.getMessage() + "): move outbox.db,"
                    + " outbox.db-wal and outbox.db-shm out of the state directory by hand and start the agent again", e);
        }
        AgentDatabase fresh = AgentDatabase.open(file);
        try {
            finishCopy(folder, file.getFileName().toString(), fresh);
            return fresh;
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    /** Finishes a copy that a crash interrupted (its note still says so); run at every start. */
    public static void finishInterruptedCopies(Path file, AgentDatabase outbox) {
        for (Path folder : folders(file.toAbsolutePath().getParent())) {
            if (COPYING.equals(noteLine(folder, 1))) {
                LOG.warn("finishing the copy from the damaged outbox in " + folder + " that a stop interrupted");
                finishCopy(folder, file.getFileName().toString(), outbox);
            }
        }
    }

    private static void finishCopy(Path folder, String fileName, AgentDatabase outbox) {
        Path kept = folder.resolve(fileName);
        Copied deliveries = copy(kept, outbox, "outbox", "destination, scan_id, body, enqueued_at");
        Copied deadLetters = copy(kept, outbox, "dead_letters",
                "destination, scan_id, body, enqueued_at, failed_at, http_status, reason");
        String result = "copied into the new outbox: " + deliveries.rows() + " deliveries waiting"
                + (deliveries.error() == null ? "" : " (some could not be read: " + deliveries.error() + ")") + ", "
                + deadLetters.rows() + " dead letters"
                + (deadLetters.error() == null ? "" : " (some could not be read: " + deadLetters.error() + ")");
        try {
            Files.writeString(folder.resolve(NOTE), noteLine(folder, 0) + "\n" + result + "\n");
        } catch (IOException e) {
            LOG.warn("could not write " + folder.resolve(NOTE) + ": " + e.getMessage());
        }
        LOG.error("the outbox was damaged and was set aside in " + folder + "; a new one was made with "
                + deliveries.rows() + " deliveries and " + deadLetters.rows() + " dead letters copied from it"
                + (deliveries.error() == null && deadLetters.error() == null ? ""
                        : " (not all of it could be read: keep the folder for the development team)")
                + "; see RUNBOOK 11.7");
    }

    /**
     * Notes that SQLite found {@code file} damaged while the agent ran, for the next start to set
     * it aside: the damage may sit in pages that opening the file never reads.
     */
    public static void markDamaged(Path file, String why) {
        try {
            Files.writeString(marker(file), why + "\n");
        } catch (IOException e) {
            LOG.warn("could not write " + marker(file) + " (" + e.getMessage() + "): move outbox.db aside by hand"
                    + " (RUNBOOK 11.7)");
        }
    }

    /** Why the last run found {@code file} damaged, or null. */
    public static String markedDamaged(Path file) {
        try {
            return Files.exists(marker(file)) ? Files.readString(marker(file)).strip() : null;
        } catch (IOException e) {
            return "found damaged by an earlier run";
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
            found.add(folder + ": " + (outcome == null ? "a damaged outbox.db" : outcome));
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
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(stateDir, FOLDER_PREFIX + "*")) {
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
    private static Copied copy(Path damaged, AgentDatabase fresh, String table, String columns) {
        int width = columns.split(",").length;
        String insert = "INSERT OR IGNORE INTO " + table + " (" + columns + ") VALUES (?" + ", ?".repeat(width - 1) + ")";
        long copied = 0;
        String firstError = null;
        // a statement that failed on a damaged page is prepared anew for every read
        String select = "SELECT id, " + columns + " FROM " + table + " WHERE id > ? ORDER BY id LIMIT ?";
        try (Connection source = new SQLiteConfig().createConnection("jdbc:sqlite:" + damaged)) {
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
                    return new Copied(copied, firstError);
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
