#!/usr/bin/env bash
# Writes the pgbench script for one 100-row multi-VALUES upsert (the baseline for 100-scan batches).
set -euo pipefail
rows=${1:-100}
echo "BEGIN;"
echo "INSERT INTO bench_scans (scan_id, device_id, tag_id, order_id, location, station, lot, scanned_at, payload) VALUES"
for i in $(seq 1 "$rows"); do
  sep=","; [ "$i" -eq "$rows" ] && sep=""
  echo "  (gen_random_uuid(), 'BENCH-01', 'T' || (random()*100000)::int, '', 'SHELF-$((i % 50))', 'A', 'LOT-1', now(), '{\"tag_id\":\"T$i\",\"order_id\":\"\",\"location\":\"SHELF-$((i % 50))\",\"station\":\"A\",\"lot\":\"LOT-1\"}')$sep"
done
echo "ON CONFLICT (scan_id) DO NOTHING;"
echo "INSERT INTO bench_part_locations (tag_id, order_id, location, station, lot, device_id, scan_id, scanned_at, updated_at)"
echo "SELECT DISTINCT ON (tag_id) tag_id, '', location, 'A', 'LOT-1', 'BENCH-01', gen_random_uuid(), now(), now() FROM (VALUES"
for i in $(seq 1 "$rows"); do
  sep=","; [ "$i" -eq "$rows" ] && sep=""
  echo "  ('T' || (random()*100000)::int, 'SHELF-$((i % 50))')$sep"
done
echo ") AS v(tag_id, location)"
echo "ON CONFLICT (tag_id, order_id) DO UPDATE"
echo "  SET location = excluded.location, station = excluded.station, lot = excluded.lot, device_id = excluded.device_id,"
echo "      scan_id = excluded.scan_id, scanned_at = excluded.scanned_at, updated_at = now()"
echo "  WHERE (excluded.scanned_at, excluded.scan_id) > (bench_part_locations.scanned_at, bench_part_locations.scan_id);"
echo "COMMIT;"
