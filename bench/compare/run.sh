#!/usr/bin/env bash
# bench/compare: the mirror comparison engine (full and window mode) against COPY, in one run.
#
#   bench/compare/run.sh [ROWS] [REPEATS]          (defaults: 1000000 3)
#
# 1. compiles genba-server (offline) and, if missing, builds its jar for the dependencies;
# 2. compiles CompareBench.java against target/classes + the jar;
# 3. CompareBench starts one embedded PostgreSQL 15 the way the server does
#    (EmbeddedDatabase.start, fsync on) with two databases: "genba" (migrated, the mirror) and
#    "window_a" (Window A's table shape, the primary); loads ROWS rows into each, a tenth of
#    them changed within the last day; injects 10 scattered differences; VACUUM ANALYZE;
# 4. one warm-up of each, then REPEATS times: COPY part_locations TO STDOUT of both tables
#    (JDBC CopyManager, bytes discarded) and full mode; the medians are reported;
# 5. window mode (last 25 h, 5 min in flight, default 2 s re-check pause) twice;
# 6. prints the table and saves it under bench/compare/results/.
set -euo pipefail
# shellcheck source=../lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lock.sh"

ROWS=${1:-1000000}
REPEATS=${2:-3}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK=$(mktemp -d /tmp/genba-bench-compare.XXXXXX)
RESULTS="$HERE/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/compare-$(date -u +%Y%m%d-%H%M%S).txt"
trap 'rm -rf "$WORK"' EXIT

echo "== compiling genba-server"
(cd "$ROOT" && ./mvnw -q -B -o install -pl genba-protocol -DskipTests && ./mvnw -q -B -o compile -pl genba-server)
JAR="$ROOT/genba-server/target/genba-server.jar"
[ -f "$JAR" ] || (cd "$ROOT" && ./mvnw -q -B -o package -pl genba-server -Dmaven.test.skip=true)
CP="$ROOT/genba-server/target/classes:$JAR"
javac -d "$WORK/bench" -cp "$CP" "$HERE/CompareBench.java"

echo "== running (work directory $WORK)"
{
  echo "bench/compare  $(date -u +%FT%TZ)  $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  java -Xmx1g -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
    -cp "$WORK/bench:$CP" CompareBench "$WORK" "$ROWS" "$REPEATS"
} | tee "$OUT"
echo "saved to $OUT"
