#!/usr/bin/env bash
# Writes the pgbench script for one 100-row multi-VALUES upsert: the baseline for 100-scan batches,
# written as Genba writes a group (one statement: scan rows, then the newest location per part).
set -euo pipefail
rows=${1:-100}
echo "WITH input (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload) AS (VALUES"
for i in $(seq 1 "$rows"); do
  sep=","; [ "$i" -eq "$rows" ] && sep=""
  echo "  (gen_random_uuid(), 'BENCH-01', 'T' || (random()*100000)::int, '', 'SHELF-$((i % 50))', 'A', 'LOT-1', now(), '{\"tag_id\":\"T$i\",\"order_id\":\"\",\"location\":\"SHELF-$((i % 50))\",\"station\":\"A\",\"lot\":\"LOT-1\"}'::jsonb)$sep"
done
cat <<'SQL'
), stored AS (
    INSERT INTO bench_scans (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload)
    SELECT * FROM input ON CONFLICT (scan_id) DO NOTHING
    RETURNING scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at
), newest AS (
    SELECT DISTINCT ON (tag_id, order_id) * FROM stored ORDER BY tag_id, order_id, scanned_at DESC, scan_id DESC
)
INSERT INTO bench_part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)
SELECT tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, now() FROM newest
ON CONFLICT (tag_id, order_id) DO UPDATE
    SET location = excluded.location, station = excluded.station, lot = excluded.lot, device_id = excluded.device_id,
        scan_id = excluded.scan_id, scanned_at = excluded.scanned_at, updated_at = now()
    WHERE (excluded.scanned_at, excluded.scan_id) > (bench_part_locations.scanned_at, bench_part_locations.scan_id);
SQL
