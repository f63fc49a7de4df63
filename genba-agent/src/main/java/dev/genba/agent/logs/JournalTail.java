package dev.genba.agent.logs;

import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import dev.genba.protocol.ProtocolException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Follows {@code journalctl -o json -f -p warning} for the configured units and puts each line
 * into the {@link LogBuffer} with its journal cursor. The first start follows from now; later
 * starts resume after the cursor of the last line the server took ({@link JournalCursor}), or,
 * while it has taken none yet, at the first line read, so a restart neither ships a line twice nor
 * misses one. Restarts journalctl when it exits; does nothing on a machine without journalctl.
 */
public final class JournalTail implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JournalTail.class.getName());
    private static final long RESTART_DELAY_MS = 30_000;
    private static final List<Path> FALLBACK = List.of(Path.of("/usr/bin/journalctl"), Path.of("/bin/journalctl"));

    private final List<String> units;
    private final Path journalctl;
    private final JournalCursor shippedCursor;
    private final LogBuffer buffer;
    private volatile boolean running = true;
    private volatile Process process;
    private Thread thread;

    /** @param journalctl the program to run; null when this machine has none (nothing is followed) */
    public JournalTail(List<String> units, Path journalctl, JournalCursor shippedCursor, LogBuffer buffer) {
        this.units = units;
        this.journalctl = journalctl;
        this.shippedCursor = shippedCursor;
        this.buffer = buffer;
    }

    /** {@code journalctl} from {@code PATH}, else from /usr/bin or /bin; null when there is none. */
    public static Path findJournalctl(String path) {
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String directory : path.split(":")) {
                if (!directory.isEmpty()) {
                    candidates.add(Path.of(directory, "journalctl"));
                }
            }
        }
        candidates.addAll(FALLBACK);
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    public void start() {
        if (units.isEmpty() || journalctl == null) {
            return;
        }
        thread = new Thread(this::follow, "journal-tail");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        // Within one run, journalctl restarts after the last line read: earlier lines are in the buffer.
        String resumeAfter;
        String resumeAt;
        try {
            resumeAfter = shippedCursor.load();
            resumeAt = resumeAfter == null ? shippedCursor.loadFirstUnshipped() : null;
        } catch (RuntimeException e) {
            // an outbox that cannot be read: better the journal from now on than no journal at all
            LOG.warning("could not read where the journal was left (" + e.getMessage() + "); following it from now on");
            resumeAfter = null;
            resumeAt = null;
        }
        while (running) {
            try {
                process = new ProcessBuilder(command(resumeAfter, resumeAt)).redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                boolean readAny = false;
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        Map<?, ?> fields = fields(line);
                        if (fields == null) {
                            continue;
                        }
                        readAny = true;
                        String cursor = text(fields.get("__CURSOR"));
                        if (cursor != null && resumeAfter == null && resumeAt == null) {
                            keepFirstUnshipped(cursor);
                        }
                        try {
                            LogBatch.Entry entry = toEntry(fields);
                            if (entry != null) {
                                buffer.add(entry, cursor);
                            }
                        } catch (RuntimeException unreadable) {
                            // one odd line is skipped: thrown out of this loop, it would restart journalctl
                            // before it, and the lines after it would never be read
                            LOG.warning("a journal line could not be read and is skipped (" + unreadable + ")");
                        }
                        if (cursor != null) {
                            resumeAfter = cursor;
                        }
                    }
                }
                int exit = process.waitFor();
                // Only journalctl's own failure (exit 1: "Failed to seek to cursor") says the cursor is
                // bad. Killed by a signal (exit 128 + n), as when systemd stops this unit and SIGTERMs
                // journalctl a moment before the agent's own stop, the cursor is fine: forgetting it
                // would make the next start follow from then on and miss the lines written meanwhile.
                if (running && exit != 0 && exit < 128 && !readAny && (resumeAfter != null || resumeAt != null)) {
                    LOG.warning("journalctl could not resume after the saved cursor (exit " + exit
                            + "); following the journal from now on");
                    resumeAfter = null;
                    resumeAt = null;
                    shippedCursor.clear();
                }
                if (running) {
                    // Warned after the wait, not before: at a stop, systemd's SIGTERM ends journalctl a moment
                    // before the agent's own stop ends this wait, and every restart of every Pi would ship a
                    // warning that journalctl stopped and is started again.
                    Thread.sleep(RESTART_DELAY_MS);
                    if (running) {
                        LOG.warning("journalctl stopped (exit " + exit + "); started it again after "
                                + RESTART_DELAY_MS / 1000 + " s");
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warning("cannot follow the journal of " + units + ": " + e.getMessage());
                if (process != null) {
                    process.destroy(); // not left running beside the one started next
                }
                sleepQuietly();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private List<String> command(String resumeAfter, String resumeAt) {
        List<String> command = new ArrayList<>(List.of(journalctl.toString(), "-o", "json", "-f", "-p", "warning"));
        if (resumeAfter != null) {
            // --no-tail: every line after the cursor, not only the last ten that -f shows by default
            command.addAll(List.of("--after-cursor", resumeAfter, "--no-tail"));
        } else if (resumeAt != null) {
            command.addAll(List.of("--cursor", resumeAt, "--no-tail"));
        } else {
            command.addAll(List.of("-n", "0"));
        }
        units.forEach(unit -> command.addAll(List.of("-u", unit)));
        return command;
    }

    /**
     * Keeps where this run began reading while the server has taken no line yet: a restart before the
     * first shipment (the server away since the Pi was set up, a power cut) would otherwise follow from
     * now again, and the lines read meanwhile would be lost without being counted as dropped.
     */
    private void keepFirstUnshipped(String cursor) {
        try {
            shippedCursor.saveFirstUnshipped(cursor);
        } catch (RuntimeException e) {
            // a full disk: a restart before the first shipment follows from now, as it did before
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(RESTART_DELAY_MS);
        } catch (InterruptedException e) {
            running = false;
        }
    }

    /** One journal entry in {@code -o json} form; null when it is not one. */
    static LogBatch.Entry toEntry(String line) {
        Map<?, ?> fields = fields(line);
        return fields == null ? null : toEntry(fields);
    }

    private static Map<?, ?> fields(String line) {
        try {
            return Json.parse(line) instanceof Map<?, ?> map ? map : null;
        } catch (ProtocolException e) {
            return null;
        }
    }

    private static LogBatch.Entry toEntry(Map<?, ?> fields) {
        String message = text(fields.get("MESSAGE"));
        if (fields.containsKey("MESSAGE") && fields.get("MESSAGE") == null) {
            // `-o json` gives a field over 4096 bytes as null. Not asked for in full with --all: one
            // line could then be as large as the journal lets a unit write, read whole into a 24 MB heap.
            message = "(a message over 4096 bytes, which journalctl -o json leaves out; read it on this Pi with"
                    + " journalctl -u " + Objects.requireNonNullElse(text(fields.get("_SYSTEMD_UNIT")), "UNIT")
                    + " -p warning)";
        }
        if (message == null) {
            return null;
        }
        long priority = parseLong(text(fields.get("PRIORITY")), 4);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("source", "journal");
        putIfText(context, "unit", fields.get("_SYSTEMD_UNIT"));
        putIfText(context, "identifier", fields.get("SYSLOG_IDENTIFIER"));
        putIfText(context, "pid", fields.get("_PID"));
        long micros = parseLong(text(fields.get("__REALTIME_TIMESTAMP")), -1);
        Instant timestamp = micros < 0 ? Instant.now() : Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        return new LogBatch.Entry(priority <= 3 ? "error" : "warn", LogText.clip(message), context, timestamp, null);
    }

    /** journald writes non-UTF-8 messages as an array of byte values. */
    private static String text(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof List<?> bytes && !bytes.isEmpty() && bytes.stream().allMatch(Number.class::isInstance)) {
            byte[] raw = new byte[bytes.size()];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = ((Number) bytes.get(i)).byteValue();
            }
            return new String(raw, StandardCharsets.UTF_8);
        }
        return null;
    }

    private static void putIfText(Map<String, Object> context, String key, Object value) {
        String text = text(value);
        if (text != null) {
            context.put(key, text);
        }
    }

    private static long parseLong(String text, long fallback) {
        try {
            return text == null ? fallback : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void close() {
        running = false;
        Process current = process;
        if (current != null) {
            current.destroy();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
