package dev.genba.server.mirror;

import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The mirror's files, in the seed's layout: {@code logs/mirror_status.log} (one JSON line per
 * run), {@code logs/mirror_diff.log} (one JSON line per difference) and {@code state/ok_counter}.
 * Lines are appended with open-append-close, so a rename-based rotation never loses one.
 */
public final class MirrorFiles {
    public static final String STATUS_LOG = "mirror_status.log";
    public static final String DIFF_LOG = "mirror_diff.log";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss");

    private final Path logsDir;
    private final Path stateDir;
    private final ZoneId zone;
    private final Clock clock;

    public MirrorFiles(Path logsDir, Path stateDir, ZoneId zone, Clock clock) {
        this.logsDir = logsDir;
        this.stateDir = stateDir;
        this.zone = zone;
        this.clock = clock;
    }

    public void appendStatus(Map<String, Object> line) {
        append(logsDir.resolve(STATUS_LOG), List.of(Json.write(line)));
    }

    public void appendDiffs(List<Map<String, Object>> lines) {
        if (!lines.isEmpty()) {
            append(logsDir.resolve(DIFF_LOG), lines.stream().map(Json::write).toList());
        }
    }

    /** Replaces {@code state/ok_counter} atomically: a reader sees the old or the new number. */
    public void writeOkCounter(int streak) {
        try {
            Files.createDirectories(stateDir);
            Path temp = stateDir.resolve("ok_counter.tmp");
            Files.writeString(temp, streak + "\n", StandardCharsets.UTF_8);
            Files.move(temp, stateDir.resolve("ok_counter"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + stateDir.resolve("ok_counter") + ": " + e.getMessage(), e);
        }
    }

    /** Moves {@code logs/<name>} aside under a dated name and gzips it; returns the archive, or null if empty. */
    public Path archive(String name) {
        Path current = logsDir.resolve(name);
        try {
            if (!Files.exists(current) || Files.size(current) == 0) {
                return null;
            }
            String base = name.endsWith(".log") ? name.substring(0, name.length() - 4) : name;
            Path moved = logsDir.resolve(base + "." + STAMP.format(clock.instant().atZone(zone)) + ".log");
            Files.move(current, moved, StandardCopyOption.ATOMIC_MOVE);
            return gzip(moved);
        } catch (IOException e) {
            throw new UncheckedIOException("could not archive " + current + ": " + e.getMessage(), e);
        }
    }

    /** Gzips a file next to itself ({@code x.log} → {@code x.log.gz}) and removes the original. */
    public static Path gzip(Path file) throws IOException {
        Path target = file.resolveSibling(file.getFileName() + ".gz");
        Path temp = file.resolveSibling(file.getFileName() + ".gz.tmp");
        try (InputStream in = Files.newInputStream(file);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(temp), 64 * 1024)) {
            in.transferTo(out);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(file);
        return target;
    }

    /** Deletes {@code mirror_*.gz} archives older than {@code keep}; returns what was deleted. */
    public List<Path> deleteArchivesOlderThan(Duration keep) {
        List<Path> deleted = new ArrayList<>();
        long cutoff = clock.millis() - keep.toMillis();
        try (DirectoryStream<Path> archives = Files.newDirectoryStream(logsDir, "mirror_*.gz")) {
            for (Path archive : archives) {
                if (Files.getLastModifiedTime(archive).toMillis() < cutoff) {
                    Files.delete(archive);
                    deleted.add(archive);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not clean old archives in " + logsDir + ": " + e.getMessage(), e);
        }
        return deleted;
    }

    private static void append(Path file, List<String> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
        }
    }
}
