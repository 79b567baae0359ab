#!/usr/bin/env bash
# make bench-report: runs the backup benchmark (make bench), the API benchmark
# (make bench-api), the kill -9 torture, the I/O fault suite and the fuzzers,
# and writes docs/benchmarks.md from what they print: every figure on that
# page comes from this run, none is typed by hand. The page is replaced only
# when every step succeeded (a lost credit, a crash or a failed benchmark
# leaves the old page and exits non-zero, with the step's log).
# Usage: scripts/bench-report.sh BIN_DIR [OUT]   (OUT defaults to docs/benchmarks.md)
#   env: KILLS=300 TORTURE_SECONDS=1800 SEED=20261124 FUZZ_SECONDS=30, and the
#        benchmarks' own settings (RUNS, AUDIT_MB, SIZES, ...), passed through.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=$(cd "${1:?usage: bench-report.sh BIN_DIR [OUT]}" && pwd)
out=${2:-$root/docs/benchmarks.md}
kills=${KILLS:-300}
torture_seconds=${TORTURE_SECONDS:-1800}
seed=${SEED:-20261124}
fuzz_seconds=${FUZZ_SECONDS:-30}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-report.XXXXXX")
trap 'rm -rf "$work"' EXIT

# work_disk: the block device (e.g. "vda") under the work directory, whose
# partition's parent it is when it is a partition; else the file system's
# source as df names it (e.g. "overlay").
work_disk() {
  local src dev
  src=$(df --output=source "$work" | tail -n 1)
  dev=$(lsblk -no PKNAME "$src" 2>/dev/null | head -n 1)
  [ -n "$dev" ] || dev=$(basename "$src")
  echo "$dev"
}

# settle: waits until the disk has had nothing in flight for 5 s (60 s at
# most) after a sync. A step must not pay for the last one's writeback or
# the discards of its deleted files: right after make bench removed its
# 6 GiB work directory, make bench-api measured p99 86 ms, and 2.3 ms alone.
settle() {
  local dev quiet=0
  sync
  dev=$(work_disk)
  if [ ! -r "/sys/block/$dev/inflight" ]; then
    sleep 10  # no device to watch (e.g. an overlay): a fixed pause
    return 0
  fi
  for _ in $(seq 1 60); do
    if [ "$(awk '{print $1 + $2}' "/sys/block/$dev/inflight")" -eq 0 ]; then
      quiet=$((quiet + 1))
    else
      quiet=0
    fi
    [ "$quiet" -ge 5 ] && return 0
    sleep 1
  done
}

# step NAME CMD...: runs CMD with its output in $work/NAME.log (shown as it
# goes) on a settled disk; stops the report when it fails.
step() {
  local name=$1 t0
  shift
  settle
  echo "== bench-report: $name: $*"
  t0=$(date +%s)
  if ! "$@" 2>&1 | tee "$work/$name.log"; then
    echo "bench-report: $name failed; $out is left as it was" >&2
    exit 1
  fi
  echo "== bench-report: $name took $(($(date +%s) - t0)) s"
}

# columns_to_md: whitespace-separated columns (first line the header) as a
# markdown table.
columns_to_md() {
  awk 'NF {
    row = "|"; for (i = 1; i <= NF; i++) row = row " " $i " |"; print row
    if (!sep) { row = "|"; for (i = 1; i <= NF; i++) row = row "---|"; print row; sep = 1 }
  }'
}

# --- the machine --------------------------------------------------------------
# Sequential write of 1 GiB with fsync into the work directory's file system:
# the disk every step writes to.
disk_write() {
  local t0 t1
  sync
  t0=$(date +%s.%N)
  dd if=/dev/zero of="$work/dd" bs=1M count=1024 conv=fsync status=none
  t1=$(date +%s.%N)
  rm -f "$work/dd"
  awk -v s="$(echo "$t1 - $t0" | bc)" 'BEGIN {printf "%.0f MB/s", 1073.741824 / s}'
}
disk_desc() {
  local fstype dev
  fstype=$(df --output=fstype "$work" | tail -n 1)
  dev=$(work_disk)
  if [ -b "/dev/$dev" ]; then
    local rota size
    rota=$(lsblk -dno ROTA "/dev/$dev" | tr -d ' ')
    size=$(lsblk -dno SIZE "/dev/$dev" | tr -d ' ')
    echo "$dev ($size, rotational flag $rota), $fstype"
  else
    echo "$dev, $fstype"
  fi
}
machine_table() {
  local cpu
  cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M') UTC |"
  echo "| commit | $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)') |"
  echo "| CPU | ${cpu:-unknown}, $(nproc) cores ($(grep -qw sha_ni /proc/cpuinfo && echo 'SHA extensions' || echo 'no SHA extensions')) |"
  echo "| memory | $(free -g | awk '/^Mem:/ {print $2}') GiB |"
  echo "| disk | $(disk_desc); 1 GiB sequential write with fsync: $(disk_write) |"
  echo "| system | $(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r) |"
  echo "| compilers | $(g++ --version | head -n 1); $(clang --version 2>/dev/null | head -n 1 || echo 'no clang') (fuzzers) |"
  echo "| peers | restic $(restic version | awk '{print $2}'), borg $(borg --version | awk '{print $2}'), $(rsync --version | head -n 1 | awk '{print $1, $3}'), zstd $(zstd --version | grep -o 'v[0-9.]*'), $(wrk --version 2>&1 | head -n 1 | awk '{print $1, $2}') |"
}

# --- the steps ----------------------------------------------------------------
# The peers first, so that the machine table can name their versions.
"$root/scripts/setup.sh" --bench
machine=$(machine_table)
step bench-api "$root/bench/bench_api.sh" "$bin_dir"
step bench "$root/bench/backup_bench.sh" "$bin_dir"
step torture "$bin_dir/torture" --iterations "$kills" --seconds "$torture_seconds" --seed "$seed" --min-kills "$kills"
step faults "$bin_dir/faults_test" --gtest_brief=1
step fuzz "$root/scripts/fuzz.sh" "$fuzz_seconds"

# --- the page -----------------------------------------------------------------
# The backup table: the lines from the one starting "tool" to the first blank.
bench_table() { sed -n '/^tool /,/^$/p' "$work/bench.log" | columns_to_md; }
# Lines after the line starting $2 in log $1, up to the first blank line.
section_after() { sed -n "/^$2/,/^\$/p" "$1" | sed '1d; /^$/d'; }
targets_to_md() { # "  <target>  <measured>  met|NOT met" lines as a table
  echo "| target | measured | |"
  echo "|---|---|---|"
  sed -E 's/^ +//; s/ {2,}/\t/g' | awk -F'\t' 'NF >= 3 {print "| " $1 " | " $2 " | " $3 " |"}'
}
torture_table() {
  sed -n '/kills survived per operation/,/^\[ torture \] [0-9]* kills in/p' "$work/torture.log" | sed '1d;$d' |
    awk '{name = substr($0, 1, 15); sub(/ +$/, "", name); rest = substr($0, 16); n = split(rest, f, " ")
          row = "| " name " |"; for (i = 1; i <= n; i++) row = row " " f[i] " |"; print row
          if (NR == 1) { row = "|---|"; for (i = 1; i <= n; i++) row = row "---:|"; print row } }'
}
faults_table() {
  echo "| fault | file | runs | injected | acknowledged | refused | service stopped | lost |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  grep '^faults: ' "$work/faults.log" | sed 's/^faults: //' |
    awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
          printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", v["kind"], (v["path"] == "*" ? "any" : v["path"]),
                 v["runs"], v["injected"], v["acknowledged"], v["refused"], v["service_stopped"], v["lost"]}'
}
fuzz_table() {
  echo "| target | executions in ${fuzz_seconds} s | result |"
  echo "|---|---:|---|"
  grep -E '^fuzz: [a-z_]+ executions=' "$work/fuzz.log" |
    awk '{split($3, e, "="); r = $4; for (i = 5; i <= NF; i++) r = r " " $i; printf "| %s | %s | %s |\n", $2, e[2], r}'
}
api_table() { sed -n '/^workloads /,/^targets/p' "$work/bench-api.log" | sed '$d' | columns_to_md; }

{
  echo "# Benchmarks and proofs"
  echo
  echo "Generated by \`make bench-report\` (\`scripts/bench-report.sh\`): every figure below is what the"
  echo "benchmarks, the torture, the fault suite and the fuzzers printed in one run on the machine"
  echo "described. Do not edit it by hand; run it again. The commands to reproduce each part are"
  echo "given with it; README.md describes what each one measures."
  echo
  echo "## Machine"
  echo
  echo "$machine"
  echo
  echo "## Backup and restore (\`make bench\`)"
  echo
  echo '```'
  sed -n '/^backup benchmark:/,/^$/p' "$work/bench.log" | sed '/^$/d'
  echo '```'
  echo
  bench_table
  echo
  section_after "$work/bench.log" "paymentsctl targets:" | targets_to_md
  echo
  echo '```'
  sed -n '/^settings:/,/^$/p' "$work/bench.log" | sed '/^$/d'
  echo '```'
  echo
  echo "Reproduce: \`make bench\` (env as in README.md, e.g. \`RUNS=5\`)."
  echo
  echo "## The API (\`make bench-api\`)"
  echo
  api_table
  echo
  section_after "$work/bench-api.log" "targets" | targets_to_md
  echo
  echo '```'
  grep '^(\|^ checkpoint' "$work/bench-api.log"
  echo '```'
  echo
  echo "Reproduce: \`make bench-api\`."
  echo
  echo "## kill -9 torture (\`make torture\`)"
  echo
  echo "Kills of the backend under credit load, by the operation running at the kill (see README.md,"
  echo "\"Torture\"); every column after \`acked\` counts a failure and must be 0."
  echo
  torture_table
  echo
  echo '```'
  grep -E '^\[ torture \] [0-9]+ kills in' "$work/torture.log"
  echo '```'
  echo
  echo "Reproduce: \`make torture ITER=$kills SECONDS=$torture_seconds SEED=$seed\`."
  echo
  echo "## I/O faults (\`faults_test\`)"
  echo
  echo "Each run injects one fault at a different call of its kind into the service's file-system seam"
  echo "(\`src/common/file_ops.h\`) under credit load, then restarts and checks every acknowledged credit."
  echo
  faults_table
  echo
  echo "Reproduce: \`build/bin/faults_test\` (or \`ctest -R faults\`)."
  echo
  echo "## Fuzzing (\`make fuzz\`)"
  echo
  fuzz_table
  echo
  echo "Reproduce: \`make fuzz SECONDS=$fuzz_seconds\` (libFuzzer with ASan and UBSan; seeds in \`fuzz/corpus/\`)."
} >"$work/benchmarks.md"

# A page with an empty table would hide a parsing failure: refuse it.
for section in "| paymentsctl " "| total |" "| short_write |" "| api_body |" "| workloads |"; do
  grep -qF -- "$section" "$work/benchmarks.md" || { echo "bench-report: no '$section' row in the page; not written" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
mv "$work/benchmarks.md" "$out"
echo "bench-report: wrote $out"
