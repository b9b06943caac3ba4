#!/usr/bin/env bash
# End-to-end benchmark: Vigil vs the JDK WatchService (each in its own child JVM) vs inotifywait (inotify-tools, C).
# Builds the library (installs it into ~/.m2), builds the harness, runs it, prints a Markdown report
# (also saved under benchmarks/results/). Options are passed to the driver: see --help, e.g.
#   benchmarks/run-e2e.sh                    # full run: 5 rounds, about 7 minutes on a quiet machine
#   benchmarks/run-e2e.sh --rounds 1 --peers jdk
#   benchmarks/run-e2e.sh --quick            # smoke test, seconds
# Environment: JAVA (launcher for driver and children, default: java on PATH), SKIP_BUILD=1 to reuse the jars.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
java=${JAVA:-java}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building the library at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?') ..." >&2
  (cd "$repo" && mvn -q -B -ntp install -DskipTests)
  echo "building the harness ..." >&2
  (cd "$here" && mvn -q -B -ntp package)
  # Other builds may install a different vigil snapshot into ~/.m2 at the same time: use the one built here.
  built="$repo/target/vigil-0.1.0-SNAPSHOT.jar"
  used="$here/target/lib/vigil-0.1.0-SNAPSHOT.jar"
  if ! cmp -s "$built" "$used"; then
    echo "note: ~/.m2 held another vigil snapshot; using $built" >&2
    cp "$built" "$used"
  fi
fi

# The native peer: Debian/Ubuntu package inotify-tools, installed when missing (as root, or with sudo).
if ! command -v inotifywait >/dev/null 2>&1; then
  echo "installing inotify-tools (the inotifywait peer) ..." >&2
  if [[ $(id -u) == 0 ]]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" install -y -q inotify-tools >&2 \
    || { "${apt_get[@]}" update -q >&2 && "${apt_get[@]}" install -y -q inotify-tools >&2; } \
    || echo "warning: could not install inotify-tools: the inotifywait peer will fail (or pass --peers vigil,jdk,none)" >&2
fi

mkdir -p "$here/results"
out="$here/results/e2e-$(date +%Y%m%d-%H%M%S).md"
"$java" -jar "$here/target/vigil-benchmarks.jar" --out "$out" "$@"
