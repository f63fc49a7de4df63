package dev.genba.server.scans;

import dev.genba.protocol.Json;
import dev.genba.protocol.ScanRequest;
import dev.genba.protocol.ScanResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Writes scans and keeps {@code part_locations}: each scan is stored once per {@code scan_id};
 * for each (tag_id, order_id) the scan with the latest {@code scanned_at} wins, ties broken by
 * the larger {@code scan_id}, so any arrival order gives the same result on any server.
 *
 * <p>Both tables are written by one statement, so a group of scans costs one round trip and
 * is atomic on its own (a single statement is a transaction).
 */
final class ScanStore {

    private static final String STORE = """
            with input as (
                select * from unnest(cast(? as uuid[]), cast(? as text[]), cast(? as text[]), cast(? as text[]),
                                     cast(? as text[]), cast(? as text[]), cast(? as text[]), cast(? as timestamptz[]),
                                     cast(? as jsonb[]))
                     as t(scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
            ),
            stored as (
                insert into scans (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
                select * from input
                on conflict (scan_id) do nothing
                returning scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at
            ),
            newest as (
                select distinct on (tag_id, order_id) *
                from stored
                order by tag_id, order_id, scanned_at desc, scan_id desc
            ),
            moved as (
                insert into part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)
                select tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, now() from newest
                on conflict (tag_id, order_id) do update
                    set location = excluded.location, station = excluded.station, lot = excluded.lot,
                        device_id = excluded.device_id, scan_id = excluded.scan_id,
                        scanned_at = excluded.scanned_at, updated_at = now()
                    where (excluded.scanned_at, excluded.scan_id) > (part_locations.scanned_at, part_locations.scan_id)
            )
            select scan_id from stored
            """;

    /** The arrays bound to {@link #STORE}, in parameter order. */
    private static final List<Function<ScanRequest, String>> COLUMNS = List.of(
            scan -> scan.scanId().toString(), ScanRequest::deviceId, ScanRequest::tagId, ScanRequest::orderId,
            ScanRequest::location, ScanRequest::station, ScanRequest::lot, scan -> scan.scannedAt().toString(),
            scan -> Json.write(scan.payload()));

    /** Stores the scans in one statement; results are in input order. */
    List<ScanResult> write(Handle handle, List<ScanRequest> scans) {
        Map<UUID, ScanRequest> unique = new LinkedHashMap<>();
        for (ScanRequest scan : scans) {
            unique.putIfAbsent(scan.scanId(), scan);
        }
        // A fixed row order keeps two concurrent writers from deadlocking on the same keys.
        List<ScanRequest> ordered = new ArrayList<>(unique.values());
        ordered.sort(Comparator.comparing(scan -> scan.scanId().toString()));
        Set<UUID> inserted = insert(handle.getConnection(), ordered);

        List<ScanResult> results = new ArrayList<>(scans.size());
        Set<UUID> reported = new HashSet<>();
        for (ScanRequest scan : scans) {
            boolean firstTime = inserted.contains(scan.scanId()) && reported.add(scan.scanId());
            results.add(firstTime ? ScanResult.stored(scan.scanId()) : ScanResult.duplicate(scan.scanId()));
        }
        return results;
    }

    /** Plain JDBC on the hot path: Jdbi's per-binding type resolution was a tenth of all allocation here. */
    private static Set<UUID> insert(Connection connection, List<ScanRequest> scans) {
        try (PreparedStatement statement = connection.prepareStatement(STORE)) {
            int parameter = 1;
            for (Function<ScanRequest, String> column : COLUMNS) {
                String[] values = new String[scans.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = column.apply(scans.get(i));
                }
                statement.setArray(parameter++, connection.createArrayOf("text", values));
            }
            Set<UUID> inserted = new HashSet<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    inserted.add(rows.getObject(1, UUID.class));
                }
            }
            return inserted;
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
    }
}
