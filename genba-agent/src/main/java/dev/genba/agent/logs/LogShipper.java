package dev.genba.agent.logs;

import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.io.IOException;
import java.util.function.IntSupplier;

/**
 * Ships buffered log lines to {@code POST /api/clients/logs} in batches of up to 1000. Its own
 * failures go to stderr only: logging them through the buffer would feed the buffer with
 * lines about failing to empty it.
 */
public final class LogShipper {
    private final LogBuffer buffer;
    private final AgentHttp http;
    private final String url;
    private final String clientId;
    private final IntSupplier timeoutMs;
    private String lastProblem;

    public LogShipper(LogBuffer buffer, AgentHttp http, String serverUrl, String clientId, IntSupplier timeoutMs) {
        this.buffer = buffer;
        this.http = http;
        this.url = serverUrl + "/api/clients/logs";
        this.clientId = clientId;
        this.timeoutMs = timeoutMs;
    }

    /** Sends until the buffer is empty or the server does not take a batch. */
    public void flush() {
        for (LogBuffer.Taken taken = buffer.take(LogBatch.MAX_LINES); !taken.entries().isEmpty();
             taken = buffer.take(LogBatch.MAX_LINES)) {
            byte[] body = Json.writeBytes(new LogBatch(clientId, taken.entries()).toJson());
            try {
                HttpAnswer answer = http.postJson(url, body, timeoutMs.getAsInt());
                if (answer.ok()) {
                    buffer.removeThrough(taken.lastSequence());
                    lastProblem = null;
                    continue;
                }
                if (answer.status() == 400 || answer.status() == 413 || answer.status() == 422) {
                    buffer.removeThrough(taken.lastSequence());
                    complain("the server refused " + taken.entries().size() + " log lines for good (HTTP "
                            + answer.status() + ": " + answer.errorSummary() + "); they are dropped");
                    continue;
                }
                complain("log shipping paused, HTTP " + answer.status() + " from " + url + ": " + answer.errorSummary());
            } catch (IOException e) {
                complain("log shipping paused, " + NoAnswer.describe(url, e));
            }
            return;
        }
    }

    private void complain(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            System.err.println(problem);
        }
    }
}
