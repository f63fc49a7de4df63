#!/usr/bin/env bash
# bench/agent/floor.sh: the resident memory of the agent's prescribed parts alone, beside node_exporter.
#
#   bench/agent/floor.sh [SETTLE_SECONDS] [SCANS]     (defaults 120, 2000; SETTLE_SECONDS in steps of 15)
#
# ARCHITECTURE §3 prescribes the agent's parts: a HotSpot JVM with the unit's flags, HttpURLConnection,
# sqlite-jdbc in WAL and jackson-core. bench/agent/StackFloor.java uses only those, with none of the
# agent's own logic, in three steps:
#   jvm         the JVM alone (prints "ready" and sleeps)
#   json-http   + SCANS scans encoded and parsed with jackson-core, POSTed with HttpURLConnection to a
#               loopback responder on a ServerSocket
#   sqlite      + each scan committed to a SQLite outbox first (WAL, synchronous=FULL), then marked delivered
# Each step runs with the JVM flags of deploy/systemd/genba-agent.service and, as the unit does, a
# class-data archive of exactly the classes it loads (made from a first run). After SETTLE_SECONDS
# of idling, its VmRSS and Pss are read next to Debian's prometheus-node-exporter's, which runs on
# loopback for the whole benchmark and is scraped every 15 s. The agent's own figure comes from
# bench/agent/run.sh. Results: bench/results/agent-floor-*.txt.
set -euo pipefail
# shellcheck source=../lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lock.sh"

SETTLE_SECONDS=${1:-120}
SCANS=${2:-2000}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
AGENT_JAR=${GENBA_BENCH_AGENT_JAR:-$ROOT/genba-agent/target/genba-agent.jar}
UNIT="$ROOT/deploy/systemd/genba-agent.service"
EXPORTER=/usr/bin/prometheus-node-exporter
EXPORTER_PORT=${GENBA_BENCH_EXPORTER_PORT:-19100}
WORK=$(mktemp -d /tmp/genba-bench-floor.XXXXXX)
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/agent-floor-$(date -u +%Y%m%d-%H%M%S).txt"

command -v "$EXPORTER" >/dev/null 2>&1 || {
  echo "$EXPORTER is missing: sudo apt-get install -y prometheus-node-exporter" >&2; exit 2; }

cleanup() {
  for pid in ${FLOOR_PID:-} ${EXPORTER_PID:-}; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -f "$AGENT_JAR" ] || "$ROOT/mvnw" -q -B -DskipTests -pl genba-agent -am package
javac -cp "$AGENT_JAR" -d "$WORK/classes" "$HERE/StackFloor.java"
jar cf "$WORK/floor.jar" -C "$WORK/classes" .   # a class-data archive takes jars only, not directories
CP="$AGENT_JAR:$WORK/floor.jar"

# sqlite-jdbc's library loaded from a copy, as the agent does (SqliteLibrary), not extracted to /tmp.
case "$(uname -m)" in
  x86_64) NATIVE=Linux/x86_64 ;;
  aarch64) NATIVE=Linux/aarch64 ;;
  *) echo "no sqlite-jdbc library for $(uname -m) in this benchmark" >&2; exit 2 ;;
esac
mkdir -p "$WORK/native"
unzip -q -j "$AGENT_JAR" "org/sqlite/native/$NATIVE/libsqlitejdbc.so" -d "$WORK/native"

# The flags between `java` and `-jar` in the unit's ExecStart, without its archive (each step gets its own).
FLAGS=$(sed -n '/^ExecStart=/,/run --config/p' "$UNIT" | tr -d '\\\n' | sed -E 's/^ExecStart=[^ ]+ +//; s/ +-jar .*//; s/ +/ /g' \
  | sed -E 's/ ?-XX:SharedArchiveFile=[^ ]+//')
FLAGS="$FLAGS -Dorg.sqlite.lib.path=$WORK/native -Dorg.sqlite.lib.name=libsqlitejdbc.so"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

# Starts StackFloor with the given extra flags and waits for its "ready" line; sets FLOOR_PID.
start_floor() {
  local mode=$1; shift
  : > "$WORK/$mode.out"
  # shellcheck disable=SC2086 # the flags are meant to be split into words
  MALLOC_ARENA_MAX=2 java $FLAGS "$@" -cp "$CP" StackFloor "$mode" "$SCANS" "$WORK" > "$WORK/$mode.out" 2>&1 &
  FLOOR_PID=$!
  for _ in $(seq 1 600); do
    grep -q '^ready' "$WORK/$mode.out" && return 0
    kill -0 "$FLOOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$mode.out" >&2; exit 1
}
stop_floor() {
  kill "$FLOOR_PID" 2>/dev/null || { echo "StackFloor $FLOOR_PID exited by itself:" >&2; cat "$WORK"/*.out >&2; exit 1; }
  wait "$FLOOR_PID" 2>/dev/null || true; FLOOR_PID=
}

"$EXPORTER" --web.listen-address="127.0.0.1:$EXPORTER_PORT" > "$WORK/exporter.log" 2>&1 &
EXPORTER_PID=$!
sleep 1
kill -0 "$EXPORTER_PID" 2>/dev/null || {
  echo "prometheus-node-exporter did not start (port $EXPORTER_PORT taken? set GENBA_BENCH_EXPORTER_PORT):" >&2
  cat "$WORK/exporter.log" >&2; exit 1; }

declare -A RSS PSS THREADS CLASSES
for mode in jvm json-http sqlite; do
  echo "== $mode: class list, archive, then $SETTLE_SECONDS s idle"
  rm -f "$WORK/floor.db"*
  start_floor "$mode" -Xshare:off -XX:DumpLoadedClassList="$WORK/$mode.classlist"
  stop_floor
  CLASSES[$mode]=$(grep -vc '^#\|@' "$WORK/$mode.classlist")
  java -Xshare:dump -XX:SharedClassListFile="$WORK/$mode.classlist" -XX:SharedArchiveFile="$WORK/$mode.jsa" \
    -cp "$CP" > "$WORK/$mode.dump.log" 2>&1 || { cat "$WORK/$mode.dump.log" >&2; exit 1; }
  rm -f "$WORK/floor.db"*
  start_floor "$mode" -XX:SharedArchiveFile="$WORK/$mode.jsa" -Xshare:on
  for ((i = 0; i < SETTLE_SECONDS / 15; i++)); do
    curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" >/dev/null || true
    sleep 15
  done
  RSS[$mode]=$(rss_kb "$FLOOR_PID"); PSS[$mode]=$(pss_kb "$FLOOR_PID"); THREADS[$mode]=$(threads "$FLOOR_PID")
  stop_floor
done
EXP_RSS=$(rss_kb "$EXPORTER_PID"); EXP_PSS=$(pss_kb "$EXPORTER_PID")

{
  echo "bench/agent/floor.sh $SETTLE_SECONDS $SCANS   $(date -u +%FT%TZ)   $(java -version 2>&1 | head -1)"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); flags: $FLAGS"
  echo
  echo "after $SETTLE_SECONDS s idle                         VmRSS      Pss  threads  classes   VmRSS / node_exporter"
  for mode in jvm json-http sqlite; do
    printf '    StackFloor %-10s             %6d kB %6d kB %5d %8d   %5.2f\n' "$mode" "${RSS[$mode]}" "${PSS[$mode]}" \
      "${THREADS[$mode]}" "${CLASSES[$mode]}" "$(awk -v a="${RSS[$mode]}" -v b="$EXP_RSS" 'BEGIN {print a / b}')"
  done
  printf '    prometheus-node-exporter          %6d kB %6d kB\n' "$EXP_RSS" "$EXP_PSS"
  echo "    the issue's goal for genba-agent: VmRSS <= 40960 kB and <= 2.0 x node_exporter ($((EXP_RSS * 2)) kB here)"
} | tee "$OUT"
echo "results: $OUT"
