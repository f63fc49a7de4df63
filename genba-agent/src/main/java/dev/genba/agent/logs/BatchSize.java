package dev.genba.agent.logs;

import dev.genba.protocol.Json;
import dev.genba.protocol.LogBatch;
import java.io.OutputStream;
import java.util.List;

/** Keeps log batches well within the server's body limit, measuring their JSON without keeping it. */
final class BatchSize {
    /**
     * The most a batch may take as JSON: well under the server's 4 MiB body limit (and the 1 MiB
     * a proxy in front of it allows by default), little for the agent's heap, and still room for
     * about twenty of the longest messages in Japanese (three bytes a character).
     */
    static final int MAX_BYTES = 512 * 1024;

    private BatchSize() {
    }

    /** How many of {@code entries}, from the first, fit in one batch of at most {@link #MAX_BYTES}; at least one. */
    static int fitting(String clientId, List<LogBatch.Entry> entries) {
        long bytes = of(new LogBatch(clientId, List.of()).toJson());
        for (int i = 0; i < entries.size(); i++) {
            bytes += of(entries.get(i).toJson()) + 1;
            if (bytes > MAX_BYTES && i > 0) {
                return i;
            }
        }
        return entries.size();
    }

    /** The length of {@code json} as {@link Json#writeTo} writes it. */
    static long of(Object json) {
        Counter counter = new Counter();
        Json.writeTo(counter, json);
        return counter.bytes;
    }

    private static final class Counter extends OutputStream {
        private long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
