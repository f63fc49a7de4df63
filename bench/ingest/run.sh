#!/usr/bin/env bash
# bench/ingest: Genba's scan ingest against pgbench on the same embedded PostgreSQL, in one run.
#
#   bench/ingest/run.sh [SECONDS_PER_SCENARIO]        (default 20)
#
# 1. starts `genba server` on a fresh data directory (embedded PostgreSQL, fsync on);
# 2. pgbench on that same PostgreSQL: the single-scan transaction (scan row + part_locations
#    upsert) at 1, 8 and 32 clients, and a 100-row multi-VALUES version of it;
# 3. Genba over HTTP at the same concurrencies: single scans, then 100-scan batches;
# 4. Genba at a steady 1,000 scans/s (p99 goal: <= 20 ms) right after the bursts, then after a
#    checkpoint + vacuum in three windows alternating with pgbench at the same rate (-R 1000);
# 5. prints scans/s, p50/p99 and the ratio of each Genba row to its pgbench baseline, and
#    saves the table under bench/results/.
#
# GENBA_BENCH_TRACE=1 also keeps what is needed to explain a tail, next to the results as
# ingest-<time>-trace/: every request of the 1,000/s windows slower than 20 ms (LoadGen's
# LOADGEN_TRACE), the server's GC and safepoint log, and PostgreSQL's log with checkpoints,
# autovacuum runs and, in those windows, statements over 20 ms (application name genba-server or pgbench).
set -euo pipefail
# shellcheck source=../lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lock.sh"

SECONDS_PER=${1:-20}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="$ROOT/genba-server/target/genba-server.jar"
WORK=$(mktemp -d /tmp/genba-bench-ingest.XXXXXX)
PORT=${GENBA_BENCH_PORT:-18650}
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/ingest-$(date -u +%Y%m%d-%H%M%S).txt"
TRACE=""
SERVER_OPTS=${GENBA_JAVA_OPTS:--Xmx512m}
if [ "${GENBA_BENCH_TRACE:-0}" = 1 ]; then
  TRACE="${OUT%.txt}-trace"
  mkdir -p "$TRACE"
  SERVER_OPTS="$SERVER_OPTS -Xlog:gc,safepoint:file=$TRACE/server-gc.log:utctime"
fi

PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1 || true)
[ -n "$PGBENCH" ] || PGBENCH=$(command -v pgbench || true)
if [ -z "$PGBENCH" ]; then
  echo "pgbench is missing: sudo apt-get install -y postgresql-15 (Debian ships pgbench with the server package)" >&2
  exit 2
fi

cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [ -n "$TRACE" ] && [ -d "$WORK/data/logs/postgresql" ]; then
    cat "$WORK"/data/logs/postgresql/*.log > "$TRACE/postgresql.log" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building (skipped when up to date)"
[ -f "$JAR" ] || "$ROOT/mvnw" -q -B -DskipTests -pl genba-server -am package
javac -d "$WORK/loadgen" "$HERE/LoadGen.java"

echo "== starting genba server on :$PORT (data in $WORK/data)"
# shellcheck disable=SC2086 # the options are meant to be split into words
java $SERVER_OPTS -jar "$JAR" server --data-dir "$WORK/data" --port "$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$WORK/server.log"; exit 1; }
KEY=$(java -jar "$JAR" clients add BENCH-01 --json --data-dir "$WORK/data" | sed -E 's/.*"client_key":"([^"]+)".*/\1/')
PGPORT=$(sed -n 4p "$WORK/data/pg/postmaster.pid")
PSQL=(psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres genba)
"${PSQL[@]}" -f "$HERE/setup.sql" >/dev/null 2>&1
echo "== embedded PostgreSQL shared_buffers: $("${PSQL[@]}" -Atc 'show shared_buffers')"
if [ -n "$TRACE" ]; then
  "${PSQL[@]}" -c "alter system set log_checkpoints = on" -c "alter system set log_autovacuum_min_duration = 0" \
    -c "alter system set log_line_prefix = '%m [%p] %a '" -c "select pg_reload_conf()" >/dev/null
fi
"$HERE/make-batch-sql.sh" 100 > "$WORK/batch100.sql"

loadgen() { java -Xmx256m -cp "$WORK/loadgen" LoadGen 127.0.0.1 "$PORT" "$KEY" BENCH-01 "$@"; }
json_field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }

# pgbench with a per-transaction log, so p50/p99 come from the same kind of data as Genba's.
pgbench_run() {
  local script=$1 clients=$2 rows=$3
  local dir="$WORK/pgbench-$clients-$rows"
  mkdir -p "$dir"
  (cd "$dir" && "$PGBENCH" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$clients" -j "$clients" -T "$SECONDS_PER" \
      -l -f "$script" genba > summary.txt 2>&1)
  local tps p50 p99
  tps=$(awk -F' = ' '/^tps/ {split($2, a, " "); print a[1]}' "$dir/summary.txt")
  cat "$dir"/pgbench_log.* | awk '{print $3}' | sort -n > "$dir/lat.txt"
  local n; n=$(wc -l < "$dir/lat.txt")
  p50=$(awk -v n="$n" 'NR==int(n*0.50+0.999){printf "%.2f", $1/1000}' "$dir/lat.txt")
  p99=$(awk -v n="$n" 'NR==int(n*0.99+0.999){printf "%.2f", $1/1000}' "$dir/lat.txt")
  printf '%s %s %s\n' "$(awk -v t="$tps" -v r="$rows" 'BEGIN{printf "%.0f", t*r}')" "$p50" "$p99"
}

# pgbench at a fixed rate (-R): latency = time in the transaction + its schedule lag (open model).
pgbench_rate_run() {
  local script=$1 clients=$2 rate=$3
  local dir="$WORK/pgbench-rate-$rate-$RANDOM"
  mkdir -p "$dir"
  (cd "$dir" && "$PGBENCH" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$clients" -j 2 -R "$rate" -T "$SECONDS_PER" \
      -l -f "$script" genba > summary.txt 2>&1)
  local tps n
  tps=$(awk -F' = ' '/^tps/ {split($2, a, " "); printf "%.0f", a[1]}' "$dir/summary.txt")
  cat "$dir"/pgbench_log.* | awk '{print $3 + $7}' | sort -n > "$dir/lat.txt"
  n=$(wc -l < "$dir/lat.txt")
  printf '%s %s %s\n' "$tps" \
    "$(awk -v n="$n" 'NR==int(n*0.50+0.999){printf "%.2f", $1/1000}' "$dir/lat.txt")" \
    "$(awk -v n="$n" 'NR==int(n*0.99+0.999){printf "%.2f", $1/1000}' "$dir/lat.txt")"
}

echo "== warming up the server JIT for 40 s (not measured: a factory server runs for days)"
loadgen single 32 30 >/dev/null
loadgen batch 8 10 100 >/dev/null

{
  echo "bench/ingest  $(date -u +%FT%TZ)  $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "PostgreSQL: $("${PSQL[@]}" -At -c 'show server_version') embedded (fsync=$("${PSQL[@]}" -At -c 'show fsync'), synchronous_commit=$("${PSQL[@]}" -At -c 'show synchronous_commit')); $SECONDS_PER s per scenario"
  printf '%-34s %10s %9s %9s %14s\n' scenario scans/s p50_ms p99_ms ratio_to_pgbench
} | tee "$OUT"

for c in 1 8 32; do
  read -r base p50 p99 < <(pgbench_run "$HERE/single.sql" "$c" 1)
  printf '%-34s %10s %9s %9s %14s\n' "pgbench single-row upsert c=$c" "$base" "$p50" "$p99" "1.00" | tee -a "$OUT"
  g=$(loadgen single "$c" "$SECONDS_PER")
  rate=$(echo "$g" | json_field scans_per_s)
  printf '%-34s %10s %9s %9s %14s\n' "genba POST /scans c=$c" "$rate" "$(echo "$g" | json_field p50_ms)" \
    "$(echo "$g" | json_field p99_ms)" "$(awk -v a="$rate" -v b="$base" 'BEGIN{printf "%.2f", a/b}')" | tee -a "$OUT"
done
for c in 1 8 32; do
  read -r base p50 p99 < <(pgbench_run "$WORK/batch100.sql" "$c" 100)
  printf '%-34s %10s %9s %9s %14s\n' "pgbench 100-row upsert c=$c" "$base" "$p50" "$p99" "1.00" | tee -a "$OUT"
  g=$(loadgen batch "$c" "$SECONDS_PER" 100)
  rate=$(echo "$g" | json_field scans_per_s)
  printf '%-34s %10s %9s %9s %14s\n' "genba POST /scans/batch(100) c=$c" "$rate" "$(echo "$g" | json_field p50_ms)" \
    "$(echo "$g" | json_field p99_ms)" "$(awk -v a="$rate" -v b="$base" 'BEGIN{printf "%.2f", a/b}')" | tee -a "$OUT"
done
# The bursts above wrote millions of rows: let PostgreSQL finish what they left (a checkpoint of the
# dirty pages, autovacuum/analyze of the grown tables) before measuring the steady state, and say how
# the same rate fares while that catch-up is still running (a factory sees bursts, then hours of steady).
if [ -n "$TRACE" ]; then
  export LOADGEN_TRACE="$TRACE/slow-requests.txt"
  "${PSQL[@]}" -c "alter system set log_min_duration_statement = 20" -c "select pg_reload_conf()" >/dev/null
fi
g=$(loadgen single 16 "$SECONDS_PER" 1 1000)
printf '%-34s %10s %9s %9s %14s\n' "genba 1000/s right after the bursts" "$(echo "$g" | json_field scans_per_s)" \
  "$(echo "$g" | json_field p50_ms)" "$(echo "$g" | json_field p99_ms)" "-" | tee -a "$OUT"
"${PSQL[@]}" -c "checkpoint" -c "vacuum analyze" >/dev/null 2>&1
# The steady rate in alternating windows with its baseline: pgbench sending the same single-row
# transaction at the same 1,000/s (-R; 16 clients), latency counted from each transaction's scheduled
# start as Genba's is. What both see in the same minutes is the machine's own commit latency (fsync).
for round in 1 2 3; do
  read -r base p50 p99 < <(pgbench_rate_run "$HERE/single.sql" 16 1000)
  printf '%-34s %10s %9s %9s %14s\n' "pgbench steady 1000/s ($round)" "$base" "$p50" "$p99" "-" | tee -a "$OUT"
  g=$(loadgen single 16 "$SECONDS_PER" 1 1000)
  printf '%-34s %10s %9s %9s %14s\n' "genba steady 1000/s ($round)" "$(echo "$g" | json_field scans_per_s)" \
    "$(echo "$g" | json_field p50_ms)" "$(echo "$g" | json_field p99_ms)" "-" | tee -a "$OUT"
done
echo "saved: $OUT${TRACE:+ (trace in $TRACE)}"
