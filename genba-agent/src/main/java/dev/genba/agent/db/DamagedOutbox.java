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

    private DamagedOutbox() {
    }

    /** What was copied from one table of the damaged file; {@code error} is why the rest could not be read. */
    record Copied(long rows, String error) {
    }

    /** Sets the damaged file aside, opens a new outbox with what could be read from it, and says so in the log. */
    public static AgentDatabase setAsideAndReopen(Path file, DatabaseException damage, Clock clock) {
        Path folder = file.toAbsolutePath().getParent().resolve(FOLDER_PREFIX + STAMP.format(clock.instant()));
        Path kept = folder.resolve(file.getFileName());
        try {
            Files.createDirectories(folder);
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path part = file.resolveSibling(file.getFileName() + suffix);
                if (Files.exists(part)) {
                    Files.move(part, folder.resolve(part.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new DatabaseException(damage.getMessage() + "; setting it aside in " + folder + " failed too ("
                    + e.getMessage() + "): move outbox.db, outbox.db-wal and outbox.db-shm out of the state directory"
                    + " by hand and start the agent again", e);
        }
        AgentDatabase fresh = AgentDatabase.open(file);
        Copied deliveries;
        Copied deadLetters;
        try {
            deliveries = copy(kept, fresh, "outbox", "destination, scan_id, body, enqueued_at");
            deadLetters = copy(kept, fresh, "dead_letters",
                    "destination, scan_id, body, enqueued_at, failed_at, http_status, reason");
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
        String note = "outbox.db was damaged when the agent started at " + clock.instant() + " (" + damage.getCause()
                .getMessage() + "); it is kept here untouched and a new outbox.db was made\n"
                + "copied into the new outbox: " + deliveries.rows() + " deliveries waiting"
                + (deliveries.error() == null ? "" : " (reading stopped: " + deliveries.error() + ")") + ", "
                + deadLetters.rows() + " dead letters"
                + (deadLetters.error() == null ? "" : " (reading stopped: " + deadLetters.error() + ")") + "\n";
        try {
            Files.writeString(folder.resolve(NOTE), note);
        } catch (IOException e) {
            LOG.warn("could not write " + folder.resolve(NOTE) + ": " + e.getMessage());
        }
        LOG.error("the outbox was damaged and was set aside in " + folder + "; a new one was made with "
                + deliveries.rows() + " deliveries and " + deadLetters.rows() + " dead letters copied from it"
                + (deliveries.error() == null && deadLetters.error() == null ? ""
                        : " (not all of it could be read: keep the folder for the development team)")
                + "; see RUNBOOK 11.7");
        return fresh;
    }

    /** The first line of each set-aside folder's note, oldest first: what {@code status} shows. */
    public static List<String> setAside(Path stateDir) {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(stateDir)) {
            return found;
        }
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(stateDir, FOLDER_PREFIX + "*")) {
            for (Path folder : folders) {
                found.add(folder + ": " + summary(folder));
            }
        } catch (IOException e) {
            found.add(stateDir + ": could not be listed (" + e.getMessage() + ")");
        }
        found.sort(null);
        return found;
    }

    private static String summary(Path folder) {
        try {
            List<String> lines = Files.readAllLines(folder.resolve(NOTE));
            return lines.size() > 1 ? lines.get(1) : "a damaged outbox.db";
        } catch (IOException e) {
            return "a damaged outbox.db";
        }
    }

    /** Copies {@code columns} of {@code table} from the damaged file in id order, until the end or the first error. */
    private static Copied copy(Path damaged, AgentDatabase fresh, String table, String columns) {
        int width = columns.split(",").length;
        String insert = "INSERT OR IGNORE INTO " + table + " (" + columns + ") VALUES (?" + ", ?".repeat(width - 1) + ")";
        long copied = 0;
        try (Connection source = new SQLiteConfig().createConnection("jdbc:sqlite:" + damaged);
             PreparedStatement read = source.prepareStatement(
                     "SELECT id, " + columns + " FROM " + table + " WHERE id > ? ORDER BY id LIMIT " + CHUNK)) {
            long after = Long.MIN_VALUE;
            while (true) {
                List<Object[]> rows = new ArrayList<>();
                String error = null;
                read.setLong(1, after);
                try (ResultSet result = read.executeQuery()) {
                    while (result.next()) {
                        after = result.getLong(1);
                        Object[] row = new Object[width];
                        for (int i = 0; i < width; i++) {
                            row[i] = result.getObject(i + 2);
                        }
                        rows.add(row);
                    }
                } catch (SQLException e) {
                    error = e.getMessage(); // the rows read before it are copied
                }
                if (!rows.isEmpty()) {
                    copied += fresh.write(connection -> insert(connection, insert, rows));
                }
                if (error != null || rows.isEmpty()) {
                    return new Copied(copied, error);
                }
            }
        } catch (SQLException e) {
            return new Copied(copied, e.getMessage());
        }
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
