package dev.genba.agent.logs;

import dev.genba.protocol.LogBatch;

/**
 * Keeps shipped messages within what the server accepts ({@link LogBatch#fromJson}): not blank, no
 * NUL, no unpaired UTF-16 surrogate, and at most {@link LogBatch#MAX_MESSAGE} characters as Java
 * counts them ({@code String.length()}, UTF-16 units), which is what the server counts.
 */
final class LogText {
    private LogText() {
    }

    static String clip(String message) {
        String text = message == null ? "" : message.replace('\0', ' ');
        if (text.isBlank()) {
            return "(empty message)";
        }
        if (text.length() > LogBatch.MAX_MESSAGE) {
            int end = LogBatch.MAX_MESSAGE - 1;
            // A cut between the two halves of a surrogate pair would leave half a character, which
            // the server refuses; the whole batch with it would be refused.
            if (Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            text = text.substring(0, end) + "…";
        }
        return withoutUnpairedSurrogates(text);
    }

    private static String withoutUnpairedSurrogates(String text) {
        StringBuilder repaired = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                if (repaired == null) {
                    repaired = new StringBuilder(text);
                }
                repaired.setCharAt(i, '\uFFFD');
            }
        }
        return repaired == null ? text : repaired.toString();
    }
}
