-- One scan, written exactly as Genba writes it: one statement (its own transaction) that stores the
-- scan row and moves the part's location (latest scanned_at wins, scan_id breaks ties).
\set tag random(1, 100000)
WITH input AS (
    SELECT gen_random_uuid() AS scan_id, 'BENCH-01'::text AS device_id, 'T' || :tag AS tag_id, ''::text AS order_id,
           'SHELF-' || (:tag % 50) AS location, 'A'::text AS station, 'LOT-1'::text AS lot, now() AS scanned_at,
           jsonb_build_object('tag_id', 'T' || :tag, 'order_id', '', 'location', 'SHELF-' || (:tag % 50),
                              'station', 'A', 'lot', 'LOT-1') AS payload
), stored AS (
    INSERT INTO bench_scans (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
    SELECT * FROM input ON CONFLICT (scan_id) DO NOTHING
    RETURNING scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at
)
INSERT INTO bench_part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)
SELECT tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, now() FROM stored
ON CONFLICT (tag_id, order_id) DO UPDATE
    SET location = excluded.location, station = excluded.station, lot = excluded.lot, device_id = excluded.device_id,
        scan_id = excluded.scan_id, scanned_at = excluded.scanned_at, updated_at = now()
    WHERE (excluded.scanned_at, excluded.scan_id) > (bench_part_locations.scanned_at, bench_part_locations.scan_id);
