package dev.genba.agent.logs;

import dev.genba.protocol.LogBatch;

/** Keeps shipped messages within what the server accepts. */
final class LogText {
    private LogText() {
    }

    static String clip(String message) {
        String text = message == null || message.isBlank() ? "(empty message)" : message.replace('\0', ' ');
        return text.length() > LogBatch.MAX_MESSAGE ? text.substring(0, LogBatch.MAX_MESSAGE - 1) + "…" : text;
    }
}
