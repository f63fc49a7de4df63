package dev.genba.protocol;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Log lines a client ships to {@code POST /api/clients/logs}: {@code {"client_id", "logs": [...]}}. */
public record LogBatch(String clientId, List<Entry> logs) {

    public static final int MAX_LINES = 1000;
    public static final int MAX_MESSAGE = 8192;
    private static final int MAX_CONTEXT_BYTES = 16 * 1024;
    private static final Set<String> FIELDS = Set.of("client_id", "logs");
    private static final Set<String> ENTRY_FIELDS = Set.of("level", "message", "context", "timestamp", "request_id");
    private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug");

    /** One log line; {@code context} is free-form JSON kept as sent. */
    public record Entry(String level, String message, Map<String, Object> context, Instant timestamp, String requestId) {
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("level", level);
            json.put("message", message);
            json.put("context", context);
            json.put("timestamp", timestamp);
            json.put("request_id", requestId);
            return json;
        }
    }

    public static LogBatch fromJson(Object node) {
        JsonFields body = JsonFields.of(node, "").allowOnly(FIELDS);
        String clientId = DeviceNames.check("client_id", body.requiredText("client_id", DeviceNames.MAX_LENGTH));
        List<Object> lines = body.requiredArray("logs", MAX_LINES);
        List<Entry> entries = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonFields line = JsonFields.of(lines.get(i), "logs[" + i + "]").allowOnly(ENTRY_FIELDS);
            String level = line.requiredText("level", 16).toLowerCase(Locale.ROOT);
            if (!LEVELS.contains(level)) {
                throw ProtocolException.invalidField(line.path("level"),
                        line.path("level") + " must be one of error, warn, info, debug; got \"" + level + "\"");
            }
            String message = line.requiredText("message", MAX_MESSAGE);
            JsonFields context = line.optionalObject("context");
            if (context != null) {
                if (Json.writeBytes(context.raw()).length > MAX_CONTEXT_BYTES) {
                    throw ProtocolException.invalidField(line.path("context"),
                            line.path("context") + " is larger than " + MAX_CONTEXT_BYTES / 1024 + " KiB");
                }
                JsonFields.checkStrings(line.path("context"), context.raw(), MAX_CONTEXT_BYTES);
            }
            entries.add(new Entry(level, message, context == null ? null : context.raw(),
                    line.requiredInstant("timestamp"), line.optionalText("request_id", 128)));
        }
        return new LogBatch(clientId, entries);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("client_id", clientId);
        json.put("logs", logs.stream().map(Entry::toJson).toList());
        return json;
    }
}
