#!/usr/bin/env bash
# The Windows backend under Wine (see benchmarks/README.md, "Windows under Wine"): builds the library, its Windows JRE
# (mvn -Pwine) and the harness, then runs WineBench for ROUNDS rounds (default 5) on a 10,000-entry tree.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -ntp -q -Pwine -DskipTests install
  (cd benchmarks && mvn -B -ntp -q -DskipTests package)
fi
tree="${WINE_BENCH_TREE:-/tmp/vigil-wine-bench/tree}"
mkdir -p "$tree"
java -cp benchmarks/target/vigil-benchmarks.jar dev.vigil.bench.wine.WineBench "$rounds" "$PWD/.ci/wine/bin/java" "$tree"
