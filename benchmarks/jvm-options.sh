#!/usr/bin/env bash
# What an application's JVM options do to Vigil's startup, memory and cold latency: runs the end-to-end driver
# (run-e2e.sh, peer vigil only, the latency workload) once per set of options, on JDK 17 and on the Temurin 25 JDK
# when it is installed, after a training run that makes the class-data-sharing archive (JDK 17: AppCDS,
# -XX:ArchiveClassesAtExit) and the ahead-of-time cache (JDK 25: -XX:AOTCacheOutput) of the harness's child.
# The options are the application's to choose: a library cannot set them. Prints one report per option set;
# the reports go to benchmarks/results/ like run-e2e.sh's.
#   benchmarks/jvm-options.sh              # 3 rounds each, about 10 minutes on a quiet machine
#   ROUNDS=1 benchmarks/jvm-options.sh     # smoke test
# Environment: JDK25 (default /usr/lib/jvm/temurin-25-jdk-amd64), SKIP_BUILD=1 to reuse the jars, ROUNDS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${ROUNDS:-3}
jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
work=${WORK:-/dev/shm/vigil-e2e}
[[ -d /dev/shm ]] || work=${TMPDIR:-/tmp}/vigil-e2e

# builds the jars (unless SKIP_BUILD=1) and makes the tree, through a one-round smoke run of the driver
"$here/run-e2e.sh" --rounds 1 --peers none --phases idle --idle 1 --work "$work" > /dev/null
jar="$here/target/vigil-benchmarks.jar"
archives=$(mktemp -d)
trap 'rm -rf "$archives"' EXIT

# A training run: the child watches the tree until ready, sees one change, and quits.
train() {
  local java=$1; shift
  coproc CHILD { exec "$java" "$@" -cp "$jar" dev.vigil.bench.e2e.Child vigil "$work/tree" 2>/dev/null; }
  local line
  while read -r line <&"${CHILD[0]}"; do [[ $line == READY* ]] && break; done
  echo x > "$work/tree/.training" && rm "$work/tree/.training"
  sleep 1
  echo QUIT >&"${CHILD[1]}"
  wait "$CHILD_PID" || true
}

run() { # java, label, flags
  echo "=== $2: $1 $3" >&2
  SKIP_BUILD=1 "$here/run-e2e.sh" --java "$1" --rounds "$rounds" --peers vigil --phases latency --work "$work" \
      --jvm-flags "$3"
}

j17=$(command -v java)
train "$j17" -XX:ArchiveClassesAtExit="$archives/app17.jsa"
run "$j17" "JDK 17, default options" ""
run "$j17" "JDK 17, C1 only" "-XX:TieredStopAtLevel=1"
run "$j17" "JDK 17, AppCDS archive" "-XX:SharedArchiveFile=$archives/app17.jsa"
run "$j17" "JDK 17, AppCDS + C1 only + Serial GC" \
    "-XX:SharedArchiveFile=$archives/app17.jsa -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
if [[ -x "$jdk25/bin/java" ]]; then
  train "$jdk25/bin/java" -XX:AOTCacheOutput="$archives/app25.aot"
  run "$jdk25/bin/java" "JDK 25, default options" ""
  run "$jdk25/bin/java" "JDK 25, AOT cache" "-XX:AOTCache=$archives/app25.aot"
  run "$jdk25/bin/java" "JDK 25, AOT cache + C1 only + Serial GC" \
      "-XX:AOTCache=$archives/app25.aot -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
else
  echo "no JDK 25 at $jdk25: its runs are skipped" >&2
fi
