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
import org.jdbi.v3.core.Handle;

/**
 * Writes scans and keeps {@code part_locations}: each scan is stored once per {@code scan_id};
 * for each (tag_id, order_id) the scan with the latest {@code scanned_at} wins, ties broken by
 * the larger {@code scan_id}, so any arrival order gives the same result on any server.
 */
final class ScanStore {

    private static final String INSERT_SCANS = """
            insert into scans (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
            select scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload
            from unnest(cast(:ids as uuid[]), cast(:devices as text[]), cast(:tags as text[]),
                        cast(:orders as text[]), cast(:locations as text[]), cast(:stations as text[]),
                        cast(:lots as text[]), cast(:scanned as timestamptz[]), cast(:payloads as jsonb[]))
                 as input(scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
            on conflict (scan_id) do nothing
            returning scan_id
            """;

    private static final String UPSERT_LOCATIONS = """
            insert into part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)
            select tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, now()
            from unnest(cast(:tags as text[]), cast(:orders as text[]), cast(:locations as text[]),
                        cast(:stations as text[]), cast(:lots as text[]), cast(:devices as text[]),
                        cast(:ids as uuid[]), cast(:scanned as timestamptz[]))
                 as input(tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at)
            on conflict (tag_id, order_id) do update
                set location = excluded.location, station = excluded.station, lot = excluded.lot,
                    device_id = excluded.device_id, scan_id = excluded.scan_id,
                    scanned_at = excluded.scanned_at, updated_at = now()
                where (excluded.scanned_at, excluded.scan_id) > (part_locations.scanned_at, part_locations.scan_id)
            """;

    /** PostgreSQL orders uuids byte by byte, which is the order of their lower-case text. */
    private static final Comparator<ScanRequest> NEWEST_LAST = Comparator
            .comparing(ScanRequest::scannedAt)
            .thenComparing(scan -> scan.scanId().toString());

    /** Stores the scans inside the caller's transaction; results are in input order. */
    List<ScanResult> write(Handle handle, List<ScanRequest> scans) {
        Map<UUID, ScanRequest> candidates = new LinkedHashMap<>();
        for (ScanRequest scan : scans) {
            candidates.putIfAbsent(scan.scanId(), scan);
        }
        // A fixed row order keeps two concurrent writer transactions from deadlocking.
        List<ScanRequest> ordered = new ArrayList<>(candidates.values());
        ordered.sort(Comparator.comparing(scan -> scan.scanId().toString()));
        Set<UUID> inserted = new HashSet<>(handle.createQuery(INSERT_SCANS)
                .bindArray("ids", String.class, column(ordered, scan -> scan.scanId().toString()))
                .bindArray("devices", String.class, column(ordered, ScanRequest::deviceId))
                .bindArray("tags", String.class, column(ordered, ScanRequest::tagId))
                .bindArray("orders", String.class, column(ordered, ScanRequest::orderId))
                .bindArray("locations", String.class, column(ordered, ScanRequest::location))
                .bindArray("stations", String.class, column(ordered, ScanRequest::station))
                .bindArray("lots", String.class, column(ordered, ScanRequest::lot))
                .bindArray("scanned", String.class, column(ordered, scan -> scan.scannedAt().toString()))
                .bindArray("payloads", String.class, column(ordered, scan -> Json.write(scan.payload())))
                .mapTo(UUID.class)
                .list());
        updateLocations(handle, ordered.stream().filter(scan -> inserted.contains(scan.scanId())).toList());

        List<ScanResult> results = new ArrayList<>(scans.size());
        Set<UUID> reported = new HashSet<>();
        for (ScanRequest scan : scans) {
            boolean firstTime = inserted.contains(scan.scanId()) && reported.add(scan.scanId());
            results.add(firstTime ? ScanResult.stored(scan.scanId()) : ScanResult.duplicate(scan.scanId()));
        }
        return results;
    }

    private void updateLocations(Handle handle, List<ScanRequest> stored) {
        if (stored.isEmpty()) {
            return;
        }
        Map<String, ScanRequest> newestPerPart = new LinkedHashMap<>();
        for (ScanRequest scan : stored) {
            newestPerPart.merge(scan.tagId() + '\u0000' + scan.orderId(), scan,
                    (current, candidate) -> NEWEST_LAST.compare(candidate, current) > 0 ? candidate : current);
        }
        List<ScanRequest> winners = new ArrayList<>(newestPerPart.values());
        winners.sort(Comparator.comparing(ScanRequest::tagId).thenComparing(ScanRequest::orderId));
        handle.createUpdate(UPSERT_LOCATIONS)
                .bindArray("tags", String.class, column(winners, ScanRequest::tagId))
                .bindArray("orders", String.class, column(winners, ScanRequest::orderId))
                .bindArray("locations", String.class, column(winners, ScanRequest::location))
                .bindArray("stations", String.class, column(winners, ScanRequest::station))
                .bindArray("lots", String.class, column(winners, ScanRequest::lot))
                .bindArray("devices", String.class, column(winners, ScanRequest::deviceId))
                .bindArray("ids", String.class, column(winners, scan -> scan.scanId().toString()))
                .bindArray("scanned", String.class, column(winners, scan -> scan.scannedAt().toString()))
                .execute();
    }

    private static List<String> column(List<ScanRequest> scans, Function<ScanRequest, String> value) {
        List<String> column = new ArrayList<>(scans.size());
        for (ScanRequest scan : scans) {
            column.add(value.apply(scan));
        }
        return column;
    }
}
