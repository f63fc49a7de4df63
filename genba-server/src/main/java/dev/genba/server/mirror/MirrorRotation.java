package dev.genba.server.mirror;

import dev.genba.server.scans.RequestLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code genba mirror rotate}: {@code mirror_requests.log} and {@code mirror_diff.log} moved to
 * dated files and gzipped, archives older than 30 days deleted. The request log is written by
 * the running server, so while one runs it does the rotation itself (asked through the database)
 * and no line is lost; with no server running the command rotates the files directly.
 */
public final class MirrorRotation {
    public static final String CHANNEL = "genba_mirror_rotate";
    private static final Duration KEEP = Duration.ofDays(30);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss");

    private final Path logsDir;
    private final MirrorFiles files;
    private final RequestLog requestLog;
    private final ZoneId zone;
    private final Clock clock;

    /** {@code requestLog} is the server's live log, or null when no server is running. */
    public MirrorRotation(Path logsDir, MirrorFiles files, RequestLog requestLog, ZoneId zone, Clock clock) {
        this.logsDir = logsDir;
        this.files = files;
        this.requestLog = requestLog;
        this.zone = zone;
        this.clock = clock;
    }

    /** Rotates both logs; returns the archive file names created. */
    public synchronized List<String> rotate() {
        List<String> archived = new ArrayList<>();
        try {
            Path dated = logsDir.resolve("mirror_requests." + STAMP.format(clock.instant().atZone(zone)) + ".log");
            boolean moved;
            if (requestLog != null) {
                moved = requestLog.rotateTo(dated);
            } else {
                Path current = logsDir.resolve(RequestLog.FILE_NAME);
                moved = Files.exists(current) && Files.size(current) > 0;
                if (moved) {
                    Files.move(current, dated);
                }
            }
            if (moved) {
                archived.add(MirrorFiles.gzip(dated).getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not rotate " + RequestLog.FILE_NAME + ": " + e.getMessage(), e);
        }
        Path diffArchive = files.archive(MirrorFiles.DIFF_LOG);
        if (diffArchive != null) {
            archived.add(diffArchive.getFileName().toString());
        }
        files.deleteArchivesOlderThan(KEEP);
        return archived;
    }
}
