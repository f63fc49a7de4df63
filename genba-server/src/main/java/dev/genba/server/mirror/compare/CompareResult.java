package dev.genba.server.mirror.compare;

import java.time.Duration;
import java.util.List;

/**
 * What one comparison found.
 *
 * @param mode        {@code window} or {@code full}
 * @param rows        rows compared: keys checked in window mode, the larger table's row count in full mode
 * @param chunks      key ranges checksummed (full mode) or key batches fetched (window mode)
 * @param skipped     ranges that could not be compared (a query failed or timed out)
 * @param errors      one plain sentence per problem met during the run
 * @param rowsFetched rows transferred from both databases for row-by-row comparison
 */
public record CompareResult(String mode, long rows, List<Difference> differences, int chunks, int skipped,
                            List<String> errors, long rowsFetched, Duration elapsed) {

    public CompareResult {
        differences = List.copyOf(differences);
        errors = List.copyOf(errors);
    }

    /** The databases agree: no difference, nothing skipped, no error. */
    public boolean ok() {
        return differences.isEmpty() && skipped == 0 && errors.isEmpty();
    }
}
