package dev.genba.agent.logs;

import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.io.IOException;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Ships log lines to {@code POST /api/clients/logs} in batches of up to 1000: first the lines other
 * commands left in the {@link LogInbox}, then the {@link LogBuffer}. Once the server has a batch
 * with journal lines, their cursor is saved. Its own failures go to stderr only: logging them
 * through the buffer would feed the buffer with lines about failing to empty it.
 */
public final class LogShipper {
    private static final AgentLog LOG = AgentLog.of(LogShipper.class);
    private enum Sent { TAKEN, REFUSED, PAUSED }

    private final LogBuffer buffer;
    private final LogInbox inbox;
    private final JournalCursor journalCursor;
    private final AgentHttp http;
    private final String url;
    private final String clientId;
    private final IntSupplier timeoutMs;
    private String lastProblem;

    public LogShipper(LogBuffer buffer, LogInbox inbox, JournalCursor journalCursor, AgentHttp http, String serverUrl,
                      String clientId, IntSupplier timeoutMs) {
        this.buffer = buffer;
        this.inbox = inbox;
        this.journalCursor = journalCursor;
        this.http = http;
        this.url = serverUrl + "/api/clients/logs";
        this.clientId = clientId;
        this.timeoutMs = timeoutMs;
    }

    /** Sends until both are empty or the server does not take a batch. */
    public void flush() {
        for (List<LogInbox.Stored> stored = inbox.oldest(LogBatch.MAX_LINES); !stored.isEmpty();
             stored = inbox.oldest(LogBatch.MAX_LINES)) {
            if (send(stored.stream().map(LogInbox.Stored::entry).toList()) == Sent.PAUSED) {
                return;
            }
            inbox.removeThrough(stored.get(stored.size() - 1).id());
        }
        for (LogBuffer.Taken taken = buffer.take(LogBatch.MAX_LINES); !taken.entries().isEmpty();
             taken = buffer.take(LogBatch.MAX_LINES)) {
            if (send(taken.entries()) == Sent.PAUSED) {
                return;
            }
            buffer.removeThrough(taken.lastSequence());
            if (taken.journalCursor() != null) {
                journalCursor.save(taken.journalCursor());
            }
        }
    }

    private Sent send(List<LogBatch.Entry> entries) {
        byte[] body = Json.writeBytes(new LogBatch(clientId, entries).toJson());
        try {
            HttpAnswer answer = http.postJson(url, body, timeoutMs.getAsInt());
            if (answer.ok()) {
                lastProblem = null;
                return Sent.TAKEN;
            }
            if (answer.status() == 400 || answer.status() == 413 || answer.status() == 422) {
                complain("the server refused " + entries.size() + " log lines for good (HTTP "
                        + answer.status() + ": " + answer.errorSummary() + "); they are dropped");
                return Sent.REFUSED;
            }
            complain("log shipping paused, " + answer.describe(url));
        } catch (IOException e) {
            complain("log shipping paused, " + NoAnswer.describe(url, e));
        }
        return Sent.PAUSED;
    }

    /** To the console only, at INFO: a warning would be shipped, and shipping is what fails. */
    private void complain(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            LOG.info(problem);
        }
    }
}
