-- One scan, as Genba stores it: the scan row, then the part's location (latest scanned_at wins).
\set tag random(1, 100000)
BEGIN;
INSERT INTO bench_scans (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
VALUES (gen_random_uuid(), 'BENCH-01', 'T' || :tag, '', 'SHELF-' || (:tag % 50), 'A', 'LOT-1', now(),
        jsonb_build_object('tag_id', 'T' || :tag, 'order_id', '', 'location', 'SHELF-' || (:tag % 50), 'station', 'A', 'lot', 'LOT-1'))
ON CONFLICT (scan_id) DO NOTHING;
INSERT INTO bench_part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)
VALUES ('T' || :tag, '', 'SHELF-' || (:tag % 50), 'A', 'LOT-1', 'BENCH-01', gen_random_uuid(), now(), now())
ON CONFLICT (tag_id, order_id) DO UPDATE
    SET location = excluded.location, station = excluded.station, lot = excluded.lot, device_id = excluded.device_id,
        scan_id = excluded.scan_id, scanned_at = excluded.scanned_at, updated_at = now()
    WHERE (excluded.scanned_at, excluded.scan_id) > (bench_part_locations.scanned_at, bench_part_locations.scan_id);
COMMIT;
