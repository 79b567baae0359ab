#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang in build-fuzz (only the
# libraries they need, instrumented with ASan+UBSan) and runs each for
# SECONDS seconds from its seed corpus fuzz/corpus/<target>/. New inputs go
# to build-fuzz/corpus/<target>/, crashes to build-fuzz/crashes/. Prints the
# executions per target; exits non-zero when a target crashed.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 10 seconds, every target)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD:-$root/build-fuzz}"
seconds="${1:-10}"
shift || true
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

started=$(date +%s)
if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DPB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target fuzzers >/dev/null
"$root/scripts/unity_names.py" "$build"  # the batches of the unity build (root CMakeLists.txt)
built=$(date +%s)
echo "fuzz: built in $((built - started)) s"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$root"/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
mkdir -p "$build/crashes"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  log="$build/$t.log"
  if "$build/bin/$t" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=1024 -timeout=10 \
       -artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "$root/fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log and $build/crashes/)"
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz: $t executions=${execs:-?} $result"
done
echo "fuzz: ${#targets[@]} targets, $(($(date +%s) - started)) s in all"
exit "$failed"
