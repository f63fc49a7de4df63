package dev.genba.agent.logs;

import dev.genba.agent.db.AgentDatabase;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Log lines the short commands ({@code genba-agent dead-letters discard}) write for shipping:
 * they run in another process than {@code genba-agent run}, so the lines wait in outbox.db
 * until the running agent's {@link LogShipper} has them accepted by the server.
 */
public final class LogInbox {
    public record Stored(long id, LogBatch.Entry entry) {
    }

    private final AgentDatabase database;

    public LogInbox(AgentDatabase database) {
        this.database = database;
    }

    public void add(LogBatch.Entry entry) {
        database.write(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO log_inbox (line) VALUES (?)")) {
                insert.setString(1, Json.write(entry.toJson()));
                insert.executeUpdate();
            }
            return null;
        });
    }

    /** The oldest lines, up to {@code limit} and, past the first, up to about {@code maxCharacters} of stored JSON. */
    public List<Stored> oldest(int limit, long maxCharacters) {
        return database.read(connection -> {
            List<Stored> lines = new ArrayList<>();
            long characters = 0;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, line FROM log_inbox ORDER BY id LIMIT ?")) {
                select.setInt(1, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String line = rows.getString(2);
                        characters += line.length();
                        if (characters > maxCharacters && !lines.isEmpty()) {
                            break;
                        }
                        lines.add(new Stored(rows.getLong(1), entry((Map<?, ?>) Json.parse(line))));
                    }
                }
            }
            return lines;
        });
    }

    public void removeThrough(long id) {
        database.write(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM log_inbox WHERE id <= ?")) {
                delete.setLong(1, id);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @SuppressWarnings("unchecked")
    private static LogBatch.Entry entry(Map<?, ?> line) {
        return new LogBatch.Entry((String) line.get("level"), (String) line.get("message"),
                (Map<String, Object>) line.get("context"), Instant.parse((String) line.get("timestamp")),
                (String) line.get("request_id"));
    }
}
