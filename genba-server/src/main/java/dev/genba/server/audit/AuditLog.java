package dev.genba.server.audit;

import dev.genba.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code logs/audit.jsonl}: one JSON line per important event (who, what, when, result).
 * The server and operator commands append to the same file; each line is written with a
 * single append so lines from different processes never interleave.
 */
public final class AuditLog {
    private final Path file;
    private final Clock clock;

    public AuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    public void record(String actor, String action, String target, String result, Map<String, ?> details) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", clock.instant().toString());
        line.put("actor", actor);
        line.put("action", action);
        line.put("target", target);
        line.put("result", result);
        if (details != null && !details.isEmpty()) {
            line.put("details", details);
        }
        byte[] bytes = (Json.write(line) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The operator running a command: the OS user, which is who the audit line is about. */
    public static String cliActor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }
}
