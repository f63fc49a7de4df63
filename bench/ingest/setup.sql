-- Baseline tables with exactly the shape and indexes of Genba's own.
DROP TABLE IF EXISTS bench_scans, bench_part_locations;
CREATE TABLE bench_scans (LIKE scans INCLUDING ALL);
CREATE TABLE bench_part_locations (LIKE part_locations INCLUDING ALL);
