# bench/lock.sh: sourced by every bench/*/*.sh. Two benchmarks on one machine disturb each other's
# numbers (on 2 cores a second run roughly doubles the first one's p99), so a benchmark that finds
# another one running stops at once and names it, instead of producing numbers nobody can trust.
# The lock is held by the benchmark and the processes it starts; it is released when they have all exited.
# A benchmark script that runs another one must not source this file again: flock is per open
# file, so the inner script would find the lock taken by the outer one and stop.
GENBA_BENCH_LOCK=$(realpath -m "${GENBA_BENCH_LOCK:-/tmp/genba-bench.lock}")
# Made writable for everyone once, and opened read-only: a run under sudo and one without share it.
[ -e "$GENBA_BENCH_LOCK" ] || (umask 000 && : >> "$GENBA_BENCH_LOCK")
exec 9<"$GENBA_BENCH_LOCK"
if ! flock -n 9; then
  exec 9>&-
  echo "another Genba benchmark is running (it holds $GENBA_BENCH_LOCK); wait for it to finish or stop it:" >&2
  for fd in /proc/[0-9]*/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$GENBA_BENCH_LOCK" ] && echo "${fd#/proc/}" | cut -d/ -f1
  done | sort -un | while read -r pid; do
    echo "  $pid $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-150)" >&2
  done || true
  exit 3
fi
