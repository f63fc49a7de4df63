#!/usr/bin/env bash
# bench/fleet: fleet monitoring at factory scale (issue 5, "Speed"), each part against a raw-SQL
# baseline measured in the same run, on the same embedded PostgreSQL.
#
#   bench/fleet/run.sh [MINUTES]        (default 10; 2 is enough to try it out)
#
# 1. starts `genba server` on a fresh data directory (embedded PostgreSQL, fsync on), registers
#    10,000 devices (one INSERT: keys stored as SHA-256, as `genba clients add` stores them) and
#    loads 1,000,000 log lines of 1,000 of them over the last 30 days (logs.sql), then VACUUM ANALYZE;
# 2. report load: 10,000 agents each POST a status report every 60 s (167/s, spread evenly, each
#    agent keeping its TCP connection as genba-agent does; FLEET_NEW_CONNECTIONS=1 for one connection
#    per request), about 1 % of them also a 5-line log batch (FleetLoad.java). One warm-up minute, then MINUTES measured: CPU of the server
#    JVM and of all PostgreSQL processes (from /proc, incl. exited backends via the postmaster's
#    cutime/cstime), p50/p99/max latency, failures;
#    baseline: pgbench at the same rate with the same two statements (status.sql, logbatch.sql)
#    for 30 s warm-up + MINUTES; its database CPU;
# 3. GET /api/clients/status?limit=1000 with 10,000 clients, then with 1,000 (the others revoked):
#    10 warm-ups, 50 timed (curl time_total over loopback); baseline: the same two SQL statements
#    through pgbench; with GENBA_BENCH_WEB=1 also the HTML page /admin/clients (login as a viewer);
# 4. GET /api/clients/logs for rare/common English and Japanese words, level, client and
#    request_id filters, no filter: 5 warm-ups, 20 timed; baseline: the same SQL through pgbench;
# 5. prints the table and saves it as bench/results/fleet-<UTC time>.txt.
#
# Environment: GENBA_JAR (default genba-server/target/genba-server.jar), GENBA_BENCH_PORT (18750),
# FLEET_AGENTS (10000), FLEET_LOG_LINES (1000000), GENBA_BENCH_WEB=1, FLEET_KEEP=1 (keep the data
# directory for inspection), FLEET_NEW_CONNECTIONS=1.
set -euo pipefail
# shellcheck source=../lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lock.sh"

MINUTES=${1:-10}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR=${GENBA_JAR:-$ROOT/genba-server/target/genba-server.jar}
PORT=${GENBA_BENCH_PORT:-18750}
AGENTS=${FLEET_AGENTS:-10000}
LOG_LINES=${FLEET_LOG_LINES:-1000000}
WORK=$(mktemp -d /tmp/genba-bench-fleet.XXXXXX)
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/fleet-$(date -u +%Y%m%d-%H%M%S).txt"
BASE="http://127.0.0.1:$PORT"

pick() { # newest Debian PostgreSQL binary, else PATH
  local found; found=$(ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] || found=$(command -v "$1" || true)
  echo "$found"
}
PSQL_BIN=$(pick psql)
PGBENCH=$(pick pgbench)
if [ -z "$PSQL_BIN" ] || [ -z "$PGBENCH" ]; then
  echo "psql and pgbench are needed: sudo apt-get install -y postgresql-client postgresql-15" >&2
  exit 2
fi
[ -f "$JAR" ] || { echo "no server jar at $JAR: build it (./mvnw -B -DskipTests -pl genba-server -am package) or set GENBA_JAR" >&2; exit 2; }

cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [ "${FLEET_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { echo "== $(date -u +%T) $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
result() { printf '%s\n' "$*" | tee -a "$OUT"; }

# p50, p95, max (ms) of the numbers on stdin (in ms)
stats() { sort -n | awk '{v[NR]=$1} END {i50=int(NR*0.50+0.999); i95=int(NR*0.95+0.999); printf "%.1f %.1f %.1f", v[i50], v[i95], v[NR]}'; }
# CPU ticks of all PostgreSQL processes: live children of the postmaster, then the postmaster with
# its reaped children (a backend that exits in between is then missed rather than counted twice).
db_ticks() {
  local total=0 pid
  for pid in $(ps -o pid= --ppid "$POSTMASTER"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo $((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$POSTMASTER/stat")))
}

log "compiling the load generator"
javac -d "$WORK/classes" "$HERE/FleetLoad.java"

if curl -s -o /dev/null "$BASE/healthz"; then
  echo "port $PORT is in use (another server?); set GENBA_BENCH_PORT" >&2
  exit 2
fi
log "starting genba server on :$PORT (data in $WORK/data)"
java ${GENBA_JAVA_OPTS:--Xmx512m} -jar "$JAR" server --data-dir "$WORK/data" --port "$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 240); do
  curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "$BASE/healthz" >/dev/null || { cat "$WORK/server.log"; exit 1; }
PGPORT=$(sed -n 4p "$WORK/data/pg/postmaster.pid")
POSTMASTER=$(sed -n 1p "$WORK/data/pg/postmaster.pid")
PSQL=("$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres genba)
sql() { "${PSQL[@]}" -At -c "$1"; }
TOKEN=$(java -jar "$JAR" admin token create --name fleet-bench --json --data-dir "$WORK/data" | sed -E 's/.*"token":"([^"]+)".*/\1/')

log "registering $AGENTS devices"
"${PSQL[@]}" -v n="$AGENTS" -f "$HERE/devices.sql"
log "loading $LOG_LINES log lines (1,000 clients, 30 days; about 1.5 min per million here)"
started=$(date +%s)
"${PSQL[@]}" -v n="$LOG_LINES" -f "$HERE/logs.sql" >/dev/null
sql "vacuum analyze client_logs" >/dev/null
LOAD_S=$(( $(date +%s) - started ))
sql "checkpoint" >/dev/null

RATE=$(awk -v a="$AGENTS" 'BEGIN{printf "%.1f", a / 60}')
{
  echo "bench/fleet  $(date -u +%FT%TZ)  $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), shared machine"
  echo "PostgreSQL $(sql 'show server_version') embedded (fsync=$(sql 'show fsync'), synchronous_commit=$(sql 'show synchronous_commit'), shared_buffers=$(sql 'show shared_buffers')); Java $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
  echo "server: $JAR ($(date -u -r "$JAR" +%FT%TZ)); working tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "fleet: $AGENTS clients; client_logs: $(sql 'select count(*) from client_logs') lines of 1,000 clients over 30 days (loaded in ${LOAD_S} s)"
} | tee "$OUT"

# ---------------------------------------------------------------------------------------------
log "report load: $AGENTS agents every 60 s ($RATE/s) for 1 + $MINUTES minutes (load avg $(load))"
rows_before=$(sql "select count(*) from client_status_history")
size_before=$(sql "select pg_total_relation_size('client_status_history')")
wal_before=$(sql "select pg_current_wal_lsn()")
LOAD_BEFORE=$(load)
nice -n 10 java -XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1 -cp "$WORK/classes" FleetLoad 127.0.0.1 "$PORT" \
  "$AGENTS" 60 $((MINUTES * 60)) "$SERVER_PID" "$POSTMASTER" 1 > "$WORK/fleet.json"
LOAD_AFTER=$(load)
rows_after=$(sql "select count(*) from client_status_history")
size_after=$(sql "select pg_total_relation_size('client_status_history')")
wal_bytes=$(sql "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal_before')")
F=$(cat "$WORK/fleet.json")
field() { echo "$F" | sed -E "s/.*\"$1\":\"?([^,\"]*)\"?.*/\1/"; }

log "baseline: pgbench at the same rate, same statements, 30 s warm-up + $MINUTES min"
PGB_RATE=$(awk -v r="$RATE" 'BEGIN{printf "%.1f", r * 1.01}')
pgb_load() { "$PGBENCH" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -M prepared -c 4 -j 1 -R "$PGB_RATE" -T "$1" \
  -f "$HERE/status.sql@100" -f "$HERE/logbatch.sql@1" genba; }
pgb_load 30 > /dev/null 2>&1
PGB_LOAD_BEFORE=$(load)
pgb_load $((MINUTES * 60)) > "$WORK/pgbench-load.txt" 2>&1 &
PGB_PID=$!
sleep 2
t0=$(date +%s%N); d0=$(db_ticks)
sleep $((MINUTES * 60 - 4))
t1=$(date +%s%N); d1=$(db_ticks)
wait "$PGB_PID"
PGB_LOAD_AFTER=$(load)
PGB_DB=$(awk -v a="$d0" -v b="$d1" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.2f", 100 * (b - a) / 100 / ((t1 - t0) / 1e9)}')
PGB_TPS=$(awk -F' = ' '/^tps/ {split($2, a, " "); printf "%.1f", a[1]}' "$WORK/pgbench-load.txt")
PGB_FAILED=$(awk '/number of failed transactions/ {print $5; exit}' "$WORK/pgbench-load.txt")

SERVER=$(field server_cpu_pct); DB=$(field db_cpu_pct)
{
  echo
  echo "1. Report load: $AGENTS agents x 1 report/60 s for $MINUTES min after 1 warm-up min"
  echo "   (load average before/after: $LOAD_BEFORE / $LOAD_AFTER; the generator runs at nice 10)"
  printf '   %-44s %s\n' "reports in the window, per s" "$(field reports) ($(field reports_per_s)/s), failed: $(field report_failed)"
  printf '   %-44s %s\n' "log batches (5 lines) in the window" "$(field log_batches), failed: $(field log_failed)"
  printf '   %-44s %s / %s / %s ms\n' "report latency p50 / p99 / max" "$(field report_p50_ms)" "$(field report_p99_ms)" "$(field report_max_ms)"
  printf '   %-44s %s %% of one core (user %s, sys %s)   goal <= 10 %%\n' "server JVM CPU" "$SERVER" "$(field server_user_pct)" "$(field server_sys_pct)"
  printf '   %-44s %s %% of one core\n' "embedded PostgreSQL CPU (all processes)" "$DB"
  printf '   %-44s %s %% of one core\n' "server + PostgreSQL" "$(awk -v a="$SERVER" -v b="$DB" 'BEGIN{printf "%.2f", a + b}')"
  printf '   %-44s %s\n' "per minute (server / db)" "$(field minutes)"
  printf '   %-44s %s %% of one core (incl. its JVM start)\n' "load generator CPU" "$(field generator_cpu_pct)"
  printf '   %-44s %s rows, %s bytes/row incl. indexes, WAL %s bytes/report\n' "client_status_history growth" \
    "$((rows_after - rows_before))" "$(( (size_after - size_before) / (rows_after - rows_before) ))" \
    "$(( wal_bytes / (rows_after - rows_before) ))"
  printf '   %-44s %s tps, failed: %s (load average %s / %s)\n' "baseline pgbench -R $PGB_RATE, same SQL" "$PGB_TPS" "$PGB_FAILED" \
    "$PGB_LOAD_BEFORE" "$PGB_LOAD_AFTER"
  printf '   %-44s %s %% of one core  -> Genba/pgbench DB CPU: %s\n' "baseline PostgreSQL CPU" "$PGB_DB" \
    "$(awk -v a="$DB" -v b="$PGB_DB" 'BEGIN{printf "%.2f", a / b}')"
} | tee -a "$OUT"

# ---------------------------------------------------------------------------------------------
# GET with curl: prints "p50 p95 max" in ms of N timed requests after W warm-ups; any non-200 aborts.
time_get() {
  local url=$1 warm=$2 n=$3 i code t
  shift 3
  for i in $(seq "$warm"); do curl -s -o /dev/null "$@" "$url"; done
  for i in $(seq "$n"); do
    read -r code t < <(curl -s -o "$WORK/last.body" -w '%{http_code} %{time_total}\n' "$@" "$url")
    if [ "$code" != 200 ]; then echo "GET $url answered $code: $(head -c 300 "$WORK/last.body")" > "$WORK/failed"; fi
    awk -v t="$t" 'BEGIN{print t * 1000}'
  done | stats
}
# The same SQL through pgbench (one "transaction" = all statements of the file): "p50 p95 max" ms.
time_sql() {
  local file=$1 warm=$2 n=$3 dir
  dir=$(mktemp -d "$WORK/pgb.XXXX")
  "$PGBENCH" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c 1 -t "$warm" -f "$file" genba > /dev/null 2>&1
  (cd "$dir" && "$PGBENCH" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c 1 -t "$n" -l -f "$file" genba > summary.txt 2>&1) \
    || cp "$dir/summary.txt" "$WORK/failed"
  cat "$dir"/pgbench_log.* | awk '{print $3 / 1000}' | stats
}
api() { time_get "$BASE$1" "$2" "$3" -H "Authorization: Bearer $TOKEN"; }
row() { # label, api "p50 p95 max", sql "p50 p95 max", goal
  local a=($2) s=($3) chars bytes
  if [ -f "$WORK/failed" ]; then cat "$WORK/failed" >&2; exit 1; fi
  # pad by display width: a Japanese character is 3 bytes in UTF-8 and 2 columns wide
  chars=$(printf '%s' "$1" | wc -m); bytes=$(printf '%s' "$1" | wc -c)
  printf '   %s%*s %7s %7s %7s   %7s %7s %7s   %s\n' "$1" $((40 - chars - (bytes - chars) / 2)) "" \
    "${a[0]}" "${a[1]}" "${a[2]}" "${s[0]}" "${s[1]}" "${s[2]}" "$4" | tee -a "$OUT"
}
header() {
  printf '   %-40s %8s %7s %7s   %7s %7s %7s\n' "" "HTTP p50" "p95" "max" "SQL p50" "p95" "max" | tee -a "$OUT"
}
clients_sql() { # FleetQueries.clients with no filter, sorted by name (as of 7811d83)
  cat > "$WORK/clients.sql" <<'EOF'
select count(*) from devices d left join client_status s on s.client_id = d.name where d.revoked_at is null;
select d.name, s.received_at, s.sampled_at, s.report::text as report,
       coalesce(e.errors, 0) as errors_24h,
       (select sum((o.value->>'pending')::bigint) from jsonb_each(s.report->'outbox') o
         where jsonb_typeof(o.value->'pending') = 'number') as pending_scans
from devices d left join client_status s on s.client_id = d.name
left join (select client_id, count(*) as errors from client_logs
            where level = 'error' and logged_at >= now() - interval '1 day' group by client_id) e
       on e.client_id = d.name
where d.revoked_at is null order by d.name asc nulls last, d.name limit 1000 offset 0;
EOF
  echo "$WORK/clients.sql"
}

{ echo; echo "2. Clients list, GET /api/clients/status?limit=1000 (ms; 50 timed after 10 warm-ups; load average $(load))"; } | tee -a "$OUT"
header
result "   (one answer: $(curl -s -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $TOKEN" "$BASE/api/clients/status?limit=1000") bytes of JSON)"
row "$AGENTS clients, first 1,000" \
  "$(api '/api/clients/status?limit=1000' 10 50)" "$(time_sql "$(clients_sql)" 10 50)" "goal <= 200 ms"
sql "update devices set revoked_at = now() where name > 'FLEET-01000'" >/dev/null
row "1,000 clients (9,000 revoked)" \
  "$(api '/api/clients/status?limit=1000' 10 50)" "$(time_sql "$(clients_sql)" 10 50)" "goal <= 200 ms"

if [ "${GENBA_BENCH_WEB:-0}" = 1 ]; then
  printf 'bench-pw-%s\n' "$RANDOM$RANDOM" > "$WORK/pw"
  java -jar "$JAR" users add fleet-bench --role viewer --stdin --data-dir "$WORK/data" < "$WORK/pw" > /dev/null
  JAR_COOKIES="$WORK/cookies.txt"
  login_page=$(curl -s -c "$JAR_COOKIES" -b "$JAR_COOKIES" -w '\n%{http_code}' "$BASE/admin/login")
  if [ "$(echo "$login_page" | tail -1)" != 200 ]; then
    result "   /admin/clients: not measured (GET /admin/login answered $(echo "$login_page" | tail -1))"
  else
    csrf=$(echo "$login_page" | grep -o '<input[^>]*name="csrf"[^>]*>' | head -1 | sed -E 's/.*value="([^"]*)".*/\1/')
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$JAR_COOKIES" -b "$JAR_COOKIES" \
      --data-urlencode "username=fleet-bench" --data-urlencode "password=$(cat "$WORK/pw")" --data-urlencode "csrf=$csrf" \
      "$BASE/admin/login")
    case "$code" in
      200|302|303) row "HTML /admin/clients, 1,000 clients" "$(time_get "$BASE/admin/clients" 10 50 -b "$JAR_COOKIES")" "- - -" "goal <= 200 ms" ;;
      *) result "   /admin/clients: not measured (login answered $code)" ;;
    esac
  fi
else
  result "   HTML /admin/clients: not measured (set GENBA_BENCH_WEB=1 once the page exists)"
fi

# ---------------------------------------------------------------------------------------------
# The two statements FleetQueries.logs runs for a filter (a WHERE suffix), as literal SQL.
logs_sql() {
  local file="$WORK/logs-$2.sql"
  printf 'select count(*) from (select 1 from client_logs where true%s limit 10001) limited;\n' "$1" > "$file"
  printf 'select id, client_id, level, message, context::text as context, logged_at, request_id, received_at from client_logs where true%s order by logged_at desc, id desc limit 100 offset 0;\n' "$1" >> "$file"
  echo "$file"
}
search() { # label, query string, where suffix, name
  row "$1" "$(api "/api/clients/logs?$2" 5 20)" "$(time_sql "$(logs_sql "$3" "$4")" 5 20)" "goal <= 300 ms"
}
{ echo; echo "3. Log search, GET /api/clients/logs (100 per page + total up to 10,000) over $(sql 'select count(*) from client_logs') lines (ms; 20 timed after 5 warm-ups; load average $(load))"; } | tee -a "$OUT"
header
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
search "q=watchdog (rare, 100 lines)" "q=watchdog" " and message ilike '%watchdog%' escape '!'" rare
search "q=connection (common, ~11 %)" "q=connection" " and message ilike '%connection%' escape '!'" common
search "q=温度 (Japanese, ~8 %)" "q=$(enc 温度)" " and message ilike '%温度%' escape '!'" ondo
search "q=接続 (Japanese, ~12 %)" "q=$(enc 接続)" " and message ilike '%接続%' escape '!'" setsuzoku
search "q=停電 (Japanese, rare, 100 lines)" "q=$(enc 停電)" " and message ilike '%停電%' escape '!'" teiden
search "level=error&q=connection" "level=error&q=connection" \
  " and level = any(cast('{error}' as text[])) and message ilike '%connection%' escape '!'" level
search "client=FLEET-00042" "client=FLEET-00042" " and client_id = 'FLEET-00042'" client
search "client=FLEET-00042&q=温度" "client=FLEET-00042&q=$(enc 温度)" \
  " and client_id = 'FLEET-00042' and message ilike '%温度%' escape '!'" client-ondo
search "request_id=req-00001388" "request_id=req-00001388" " and request_id = 'req-00001388'" request
search "no filter (newest first)" "" "" newest
result
result "HTTP = curl time_total over loopback (server time + a fraction of a ms); SQL = the same statements via pgbench (simple protocol)."
log "saved: $OUT"
