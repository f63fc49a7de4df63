#!/usr/bin/env bash
# bench/agent: genba-agent's footprint, idle CPU, durable intake and backlog drain, in one run.
#
#   bench/agent/run.sh [IDLE_SECONDS] [INTAKE_SECONDS] [CONCURRENCY] [PARTS]     (defaults 300, 20, 32, all)
#
# PARTS is a comma list of footprint, intake and drain (e.g. `drain` to time only the drain and the
# server's ingest it is compared with; `intake` needs no server at all); the default runs all three.
#
# 1. starts `genba server` on a fresh data directory (embedded PostgreSQL, fsync on) and measures
#    its own batch ingest with bench/ingest/LoadGen: one connection, 1000-scan batches (the shape
#    of the agent's delivery) and, for reference, 8 connections with 100-scan batches;
# 2. starts `genba-agent run` with the JVM flags of deploy/systemd/genba-agent.service (class-data
#    archive made the way the unit's ExecStartPre makes it) and Debian's prometheus-node-exporter
#    on loopback; after 200 scans and a 60 s settle, both idle for IDLE_SECONDS (status report every
#    60 s, config poll every 30 s, node_exporter scraped every 15 s): RSS (VmRSS, Pss) of both, the
#    ratio, the pages each touched while idle (working set: Referenced after clear_refs), and the
#    agent's CPU time / wall time;
# 3. stops the server and posts single scans to the agent's intake from CONCURRENCY connections
#    for INTAKE_SECONDS, after 3 s of the same load that is not measured: scans/s and p50/p99/max
#    time to the 202;
# 4. tops the outbox up to at least 100,000 scans, starts the server again and times the drain,
#    compared with the server's batch ingest from step 1.
# Results: bench/results/agent-*.txt. Run as root to get `nice -n -10` for the measured processes.
# GENBA_BENCH_AGENT_FLAGS (e.g. "-Xint") is appended to the unit's JVM flags, to try a flag without
# editing the unit; the results file records the flags used. GENBA_BENCH_LOAD_FLAGS adds JVM flags to
# AgentLoad's intake run; AGENTLOAD_SLOW_FILE=FILE has it write every answer over 50 ms with its
# System.nanoTime() (the clock of the agent's -Xlog:...:timenanos and of `perf record -k mono`).
# GENBA_BENCH_AGENT_MEMORY_LIMIT (e.g. 40M; root, cgroup v1 memory controller) runs the agent in a
# memory cgroup with that limit, as `MemoryMax=` would in its systemd unit, to see whether the kernel
# could hold it there (it cannot: PERFORMANCE.md, session 11). The agent runs on its own copy of the JDK and jar,
# so their pages are charged to its cgroup (as on a Pi, where the agent is the only JVM), not to
# the JVMs of this benchmark that touched the same files first.
set -euo pipefail
# shellcheck source=../lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lock.sh"

IDLE_SECONDS=${1:-300}
INTAKE_SECONDS=${2:-20}
CONCURRENCY=${3:-32}
PARTS=${4:-footprint,intake,drain}
BACKLOG=100000
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVER_JAR="$ROOT/genba-server/target/genba-server.jar"
AGENT_JAR=${GENBA_BENCH_AGENT_JAR:-$ROOT/genba-agent/target/genba-agent.jar}
UNIT="$ROOT/deploy/systemd/genba-agent.service"
WORK=$(mktemp -d /tmp/genba-bench-agent.XXXXXX)
PORT=${GENBA_BENCH_PORT:-18660}
INTAKE_PORT=${GENBA_BENCH_INTAKE_PORT:-18610}
EXPORTER_PORT=${GENBA_BENCH_EXPORTER_PORT:-19100}
EXPORTER=/usr/bin/prometheus-node-exporter
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/agent-$(date -u +%Y%m%d-%H%M%S).txt"
NICE=()
[ "$(id -u)" = 0 ] && NICE=(nice -n -10)
part() { [[ ",$PARTS," == *",$1,"* ]]; }

for tool in curl sqlite3 "$EXPORTER"; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing: sudo apt-get install -y curl sqlite3 prometheus-node-exporter" >&2; exit 2; }
done

cleanup() {
  for pid in ${AGENT_PID:-} ${EXPORTER_PID:-} ${SERVER_PID:-}; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  [ -n "${AGENT_CGROUP:-}" ] && rmdir "$AGENT_CGROUP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building (skipped when up to date)"
[ -f "$SERVER_JAR" ] || "$ROOT/mvnw" -q -B -DskipTests -pl genba-server -am package
[ -f "$AGENT_JAR" ] || "$ROOT/mvnw" -q -B -DskipTests -pl genba-agent -am package
javac -d "$WORK/classes" "$HERE/AgentLoad.java" "$ROOT/bench/ingest/LoadGen.java"

start_server() {
  java -Xmx512m -jar "$SERVER_JAR" server --data-dir "$WORK/data" --port "$PORT" >> "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  cat "$WORK/server.log"; exit 1
}
stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; } # 0: the process is gone
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
# The working set: pages the process touched since its referenced bits were cleared (clear_refs).
clear_refs() { echo 1 > "/proc/$1/clear_refs"; }
referenced_kb() { awk '/^Referenced:/ {print $2}' "/proc/$1/smaps_rollup"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pending() { sqlite3 "$WORK/agent/outbox.db" "select coalesce(sum(pending), 0) from pending_counts" 2>/dev/null || echo -1; }
json_field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }
now_ms() { date +%s%3N; }

AGENT_KEY=not-registered BASE1='"scans_per_s":0' BASE8='"scans_per_s":0'
if part footprint || part drain; then
  echo "== starting genba server on :$PORT (data in $WORK/data)"
  start_server
  key_for() { java -jar "$SERVER_JAR" clients add "$1" --json --data-dir "$WORK/data" | sed -E 's/.*"client_key":"([^"]+)".*/\1/'; }
  LOADGEN_KEY=$(key_for BENCH-01)
  AGENT_KEY=$(key_for BENCH-AGENT)
  loadgen() { "${NICE[@]}" java -Xmx256m -cp "$WORK/classes" LoadGen 127.0.0.1 "$PORT" "$LOADGEN_KEY" BENCH-01 "$@"; }
fi
if part drain; then
  echo "== server batch ingest (after 30 s of JIT warm-up)"
  loadgen batch 8 30 100 >/dev/null
  BASE1=$(loadgen batch 1 "$INTAKE_SECONDS" 1000)
  BASE8=$(loadgen batch 8 "$INTAKE_SECONDS" 100)
fi

echo "== starting genba-agent with the unit's JVM flags, and prometheus-node-exporter"
# The flags between `java` and `-jar` in the unit's ExecStart, the archive moved into this run's state dir.
FLAGS=$(sed -n '/^ExecStart=/,/run --config/p' "$UNIT" | tr -d '\\\n' | sed -E 's/^ExecStart=[^ ]+ +//; s/ +-jar .*//; s/ +/ /g' \
  | sed "s|/var/lib/genba-agent|$WORK/agent|g")${GENBA_BENCH_AGENT_FLAGS:+ $GENBA_BENCH_AGENT_FLAGS}
mkdir -p "$WORK/agent"
AGENT_JAVA=java IN_CGROUP=()
if [ -n "${GENBA_BENCH_AGENT_MEMORY_LIMIT:-}" ]; then
  AGENT_CGROUP=/sys/fs/cgroup/memory/genba-bench-agent-$$
  mkdir "$AGENT_CGROUP"
  echo "$GENBA_BENCH_AGENT_MEMORY_LIMIT" > "$AGENT_CGROUP/memory.limit_in_bytes"
  # shellcheck disable=SC2016 # $$ and $0 belong to the inner shell, which then becomes the command
  IN_CGROUP=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$AGENT_CGROUP")
  # written from inside the cgroup, so the copies' pages are charged to it (the first to touch a page pays)
  "${IN_CGROUP[@]}" cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" "$WORK/jdk"
  "${IN_CGROUP[@]}" cp "$AGENT_JAR" "$WORK/genba-agent.jar"
  AGENT_JAR="$WORK/genba-agent.jar" AGENT_JAVA="$WORK/jdk/bin/java"
  echo "== the agent runs in $AGENT_CGROUP, memory.limit_in_bytes $(cat "$AGENT_CGROUP/memory.limit_in_bytes")"
fi
"$AGENT_JAVA" -Xshare:dump -XX:SharedClassListFile="$ROOT/deploy/agent/genba-agent.classlist" \
  -XX:SharedArchiveFile="$WORK/genba-agent.jsa" -cp "$AGENT_JAR" >/dev/null 2>&1 || echo "(no class-data archive)"
# copied by a process in the agent's cgroup (if any), so the archive's pages are charged to it
[ -f "$WORK/genba-agent.jsa" ] && "${IN_CGROUP[@]}" cp "$WORK/genba-agent.jsa" "$WORK/agent/genba-agent.jsa"
cat > "$WORK/agent.json" <<JSON
{"server_url": "http://127.0.0.1:$PORT", "client_id": "BENCH-AGENT", "client_key": "$AGENT_KEY",
 "state_dir": "$WORK/agent", "intake_port": $INTAKE_PORT, "max_backoff_ms": 2000}
JSON
# shellcheck disable=SC2086 # the flags are meant to be split into words
MALLOC_ARENA_MAX=2 "${NICE[@]}" "${IN_CGROUP[@]}" "$AGENT_JAVA" $FLAGS -jar "$AGENT_JAR" run --config "$WORK/agent.json" > "$WORK/agent.log" 2>&1 &
AGENT_PID=$!
"${NICE[@]}" "$EXPORTER" --web.listen-address="127.0.0.1:$EXPORTER_PORT" > "$WORK/exporter.log" 2>&1 &
EXPORTER_PID=$!
for _ in $(seq 1 120); do
  curl -s -o /dev/null -X POST "http://127.0.0.1:$INTAKE_PORT/scans" -H 'Content-Type: application/json' \
    -d '{"payload":{"tag_id":"WARM","location":"L"}}' && break
  sleep 0.25
done
AGENT_RSS=0 AGENT_PSS=0 AGENT_THREADS=0 EXP_RSS=1 EXP_PSS=1 RSS_MAX=0 AGENT_REF=0 EXP_REF=0 CPU_PCT=- T0=0 T1=0
if part footprint; then
  java -cp "$WORK/classes" AgentLoad fill "$INTAKE_PORT" 200 >/dev/null
  for _ in $(seq 1 8); do curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" >/dev/null; sleep 7.5; done

  echo "== idle for $IDLE_SECONDS s (status report every 60 s, config poll every 30 s)"
  TICKS0=$(cpu_ticks "$AGENT_PID"); T0=$(now_ms)
  clear_refs "$AGENT_PID"; clear_refs "$EXPORTER_PID"
  for ((i = 0; i < IDLE_SECONDS / 15; i++)); do
    curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" >/dev/null || true
    sleep 15
    r=$(rss_kb "$AGENT_PID"); [ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
  done
  TICKS1=$(cpu_ticks "$AGENT_PID"); T1=$(now_ms)
  AGENT_RSS=$(rss_kb "$AGENT_PID"); AGENT_PSS=$(pss_kb "$AGENT_PID"); AGENT_THREADS=$(threads "$AGENT_PID")
  EXP_RSS=$(rss_kb "$EXPORTER_PID"); EXP_PSS=$(pss_kb "$EXPORTER_PID")
  AGENT_REF=$(referenced_kb "$AGENT_PID"); EXP_REF=$(referenced_kb "$EXPORTER_PID")
  CPU_PCT=$(awk -v t="$((TICKS1 - TICKS0))" -v hz="$(getconf CLK_TCK)" -v ms="$((T1 - T0))" 'BEGIN{printf "%.3f", 100 * t / hz / (ms / 1000)}')
fi
[ -n "${SERVER_PID:-}" ] && stop_server

INTAKE='"scans_per_s":0,"p50_ms":0,"p99_ms":0,"max_ms":0,"over_50ms":0,"over_50ms_first":0,"errors":0'
if part intake; then
  echo "== intake: $CONCURRENCY connections for $INTAKE_SECONDS s, server stopped (scans stay in the outbox)"
  # An agent runs for days: 3 s of the same load first (not measured) so the numbers are the steady
  # state, not both JVMs compiling their first requests on the same 2 cores.
  "${NICE[@]}" java -Xmx256m ${GENBA_BENCH_LOAD_FLAGS:-} -cp "$WORK/classes" AgentLoad intake "$INTAKE_PORT" "$CONCURRENCY" 3 >/dev/null
  INTAKE=$("${NICE[@]}" java -Xmx256m ${GENBA_BENCH_LOAD_FLAGS:-} -cp "$WORK/classes" AgentLoad intake "$INTAKE_PORT" "$CONCURRENCY" "$INTAKE_SECONDS")
fi
RSS_AFTER_INTAKE=$(rss_kb "$AGENT_PID")

QUEUED=0 DRAIN_RATE=0 T_UP=0 T_FIRST=0 T_DONE=0
if part drain; then
  QUEUED=$(pending)
  if [ "$QUEUED" -lt "$BACKLOG" ]; then
    echo "== topping the outbox up from $QUEUED to $BACKLOG scans"
    java -cp "$WORK/classes" AgentLoad fill "$INTAKE_PORT" "$((BACKLOG - QUEUED))" >/dev/null
  fi
  QUEUED=$(pending)

  echo "== draining $QUEUED scans to the server"
  start_server
  T_UP=$(now_ms)
  while [ "$(pending)" -ge "$QUEUED" ]; do sleep 0.1; done
  T_FIRST=$(now_ms)
  while [ "$(pending)" -gt 0 ]; do sleep 0.2; done
  T_DONE=$(now_ms)
  DRAIN_RATE=$(awk -v n="$QUEUED" -v ms="$((T_DONE - T_FIRST))" 'BEGIN{printf "%.0f", n / (ms / 1000)}')
fi
RSS_AFTER_DRAIN=$(rss_kb "$AGENT_PID")

B1=$(echo "$BASE1" | json_field scans_per_s); B8=$(echo "$BASE8" | json_field scans_per_s)
{
  echo "bench/agent  $(date -u +%FT%TZ)  $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); parts: $PARTS; agent flags: $FLAGS"
  echo
  echo "(a) footprint after $IDLE_SECONDS s idle     VmRSS      Pss   threads"
  printf '    genba-agent run              %6d kB %6d kB %5d   (max VmRSS while idle %d kB)\n' "$AGENT_RSS" "$AGENT_PSS" "$AGENT_THREADS" "$RSS_MAX"
  printf '    prometheus-node-exporter     %6d kB %6d kB\n' "$EXP_RSS" "$EXP_PSS"
  printf '    ratio agent / node_exporter  %6.2f (VmRSS)  %5.2f (Pss)    goal <= 2.0; agent goal <= 40960 kB\n' \
    "$(awk -v a="$AGENT_RSS" -v b="$EXP_RSS" 'BEGIN{print (b > 0 ? a/b : 0)}')" "$(awk -v a="$AGENT_PSS" -v b="$EXP_PSS" 'BEGIN{print (b > 0 ? a/b : 0)}')"
  printf '    touched while idle (working set, Referenced after clear_refs): agent %d kB, node_exporter %d kB, ratio %.2f\n' \
    "$AGENT_REF" "$EXP_REF" "$(awk -v a="$AGENT_REF" -v b="$EXP_REF" 'BEGIN{print (b > 0 ? a/b : 0)}')"
  [ -n "${AGENT_CGROUP:-}" ] && printf '    memory cgroup: limit %s, most charged %d kB, limit hit %d times, %s\n' \
    "$GENBA_BENCH_AGENT_MEMORY_LIMIT" "$(( $(cat "$AGENT_CGROUP/memory.max_usage_in_bytes") / 1024 ))" \
    "$(cat "$AGENT_CGROUP/memory.failcnt")" "$(grep -E '^oom_kill ' "$AGENT_CGROUP/memory.oom_control" || echo 'oom_kill ?')"
  kill -0 "$AGENT_PID" 2>/dev/null || echo "    THE AGENT WAS NO LONGER RUNNING at the end (0 kB below; killed or crashed, see the lines above)"
  printf '    agent VmRSS after intake %d kB, after the drain %d kB\n' "$RSS_AFTER_INTAKE" "$RSS_AFTER_DRAIN"
  echo "(b) idle CPU: $CPU_PCT % of one core over $(( (T1 - T0) / 1000 )) s    goal <= 0.5 %"
  echo "(c) intake, $CONCURRENCY connections: $(echo "$INTAKE" | json_field scans_per_s) scans/s, p50 $(echo "$INTAKE" | json_field p50_ms) ms," \
       "p99 $(echo "$INTAKE" | json_field p99_ms) ms, max $(echo "$INTAKE" | json_field max_ms) ms, $(echo "$INTAKE" | json_field over_50ms) over 50 ms" \
       "($(echo "$INTAKE" | json_field over_50ms_first) of them a connection's first answer)," \
       "$(echo "$INTAKE" | json_field errors) errors    goal >= 5000 scans/s, all within 50 ms"
  echo "(d) drain of $QUEUED scans: $DRAIN_RATE scans/s ($(( (T_DONE - T_FIRST) / 1000 )) s; first delivery $(( (T_FIRST - T_UP) / 1000 )) s after the server answered)"
  echo "    server batch ingest: $B1 scans/s (1 connection, 1000-scan batches), $B8 scans/s (8 connections, 100-scan batches)"
  printf '    ratio drain / 1-connection ingest %.2f, drain / 8-connection ingest %.2f    goal >= 0.8\n' \
    "$(awk -v a="$DRAIN_RATE" -v b="$B1" 'BEGIN{print (b > 0 ? a/b : 0)}')" "$(awk -v a="$DRAIN_RATE" -v b="$B8" 'BEGIN{print (b > 0 ? a/b : 0)}')"
} | tee "$OUT"
echo "saved: $OUT"
