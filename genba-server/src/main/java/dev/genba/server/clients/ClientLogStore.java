package dev.genba.server.clients;

import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Log lines shipped by clients ({@code client_logs}), written in one statement per batch. */
public final class ClientLogStore {
    private final Jdbi jdbi;

    public ClientLogStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Stores the lines; a line already stored (a retried batch) is skipped. Returns lines newly stored. */
    public int record(LogBatch batch) {
        List<String> levels = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        List<String> times = new ArrayList<>();
        List<String> requestIds = new ArrayList<>();
        for (LogBatch.Entry entry : batch.logs()) {
            levels.add(entry.level());
            messages.add(entry.message());
            contexts.add(entry.context() == null ? null : Json.write(entry.context()));
            times.add(entry.timestamp().toString());
            requestIds.add(entry.requestId());
        }
        return jdbi.inTransaction(handle -> handle.createUpdate("""
                        insert into client_logs (client_id, level, message, context, logged_at, request_id)
                        select :client, level, message, context, logged_at, request_id
                        from unnest(cast(:levels as text[]), cast(:messages as text[]), cast(:contexts as jsonb[]),
                                    cast(:times as timestamptz[]), cast(:request_ids as text[]))
                             as input(level, message, context, logged_at, request_id)
                        on conflict do nothing
                        """)
                .bind("client", batch.clientId())
                .bindArray("levels", String.class, levels)
                .bindArray("messages", String.class, messages)
                .bindArray("contexts", String.class, contexts)
                .bindArray("times", String.class, times)
                .bindArray("request_ids", String.class, requestIds)
                .execute());
    }
}
