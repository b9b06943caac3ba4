#!/usr/bin/env bash
# cli-startup.sh [RUNS] [VIGIL]: the startup of `vigil watch` on a small tree (50 directories, 500 files): the
# seconds from starting the launcher to its "ready" line on stderr (the watches installed), over RUNS runs (default
# 10) after one warm-up, printed as min, median and max. Each run is then stopped with SIGTERM and must exit 0.
# VIGIL defaults to examples/cli/bin/vigil; JAVA_HOME, VIGIL_CDS and VIGIL_JAVA_OPTS pass through to it.
set -euo pipefail
runs=${1:-10}
vigil=${2:-$(cd "$(dirname "$0")/.." && pwd)/examples/cli/bin/vigil}
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
for d in $(seq 1 50); do
  mkdir "$tree/d$d"
  for f in $(seq 1 10); do echo x > "$tree/d$d/f$f"; done
done
once() {
  local fifo=$tree/fifo pid line t0 t1
  mkfifo "$fifo"
  t0=$EPOCHREALTIME
  "$vigil" watch "$tree" 2>"$fifo" >/dev/null & pid=$!
  read -r line < "$fifo"
  t1=$EPOCHREALTIME
  kill -TERM "$pid"
  if ! wait "$pid"; then echo "vigil exited with $? after SIGTERM" >&2; exit 1; fi
  rm -f "$fifo"
  case $line in *ready*) ;; *) echo "unexpected first line: $line" >&2; exit 1 ;; esac
  echo "$t1 - $t0" | bc
}
once >/dev/null
for _ in $(seq 1 "$runs"); do once; done | sort -n | awk '{ v[NR] = $1 } END {
  printf "ready after (s): min %.3f  median %.3f  max %.3f  (%d runs)\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR], NR }'
