package dev.genba.agent.config;

import dev.genba.protocol.AgentSetting;
import dev.genba.protocol.ProtocolException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Turns an environment variable's text into the JSON type its key expects. */
final class EnvText {
    private static final Set<String> NUMBERS = Set.of("intake_port", "outbox_max_rows", "max_backoff_ms",
            "log_buffer_lines");

    private EnvText() {
    }

    static Object typed(String key, String text) {
        if (key.equals("journal_units")) {
            return Arrays.stream(text.split(",")).map(String::trim).filter(unit -> !unit.isEmpty()).toList();
        }
        if (NUMBERS.contains(key)) {
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                return text;
            }
        }
        return text;
    }

    /** Keeps the raw text when it does not parse, so the reader reports it with the usual sentence. */
    static Object setting(AgentSetting setting, String text) {
        try {
            Object value = setting.parse(text);
            return value == null && setting.type() == AgentSetting.Type.URL ? null : value;
        } catch (ProtocolException e) {
            if (setting.type() == AgentSetting.Type.INTEGER) {
                try {
                    return Long.parseLong(text.trim()); // out of range: the reader says so, with the number
                } catch (NumberFormatException notNumber) {
                    return List.of(text);
                }
            }
            return setting.type() == AgentSetting.Type.URL ? text.trim() : List.of(text);
        }
    }
}
