package dev.genba.agent.cli;

import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import java.io.IOException;
import java.util.Map;

/**
 * One quick {@code GET /healthz} to tell whether the server answers right now, and how far its clock
 * is ahead of this Pi's ({@code serverAheadMs}, null when unknown).
 */
record ServerProbe(boolean reachable, String detail, Long serverAheadMs) {
    private static final int TIMEOUT_MS = 2_000;

    static ServerProbe check(AgentHttp http, String serverUrl) {
        try {
            HttpAnswer answer = http.get(serverUrl + "/healthz", TIMEOUT_MS, Map.of());
            return new ServerProbe(true, "HTTP " + answer.status() + " in " + answer.elapsedMs() + " ms",
                    answer.serverAheadMs());
        } catch (IOException e) {
            return new ServerProbe(false, NoAnswer.describe(serverUrl + "/healthz", e), null);
        }
    }
}
