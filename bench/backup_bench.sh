#!/usr/bin/env bash
# make bench: backup of a payments data directory with paymentsctl, side by
# side with restic, borg, rsync -a and tar | zstd: full backup, incremental
# after a 1% change, restore of the latest backup into an empty directory.
# The -s3 rows do the same into a local S3 endpoint (s3rver on 127.0.0.1,
# tools/s3rver): paymentsctl's S3 backend beside restic's.
# Prints medians (wall seconds, and CPU seconds per GiB of the data dir),
# ratios to restic (the median of the per-run pairs), repository sizes and
# peak RSS, and whether paymentsctl meets its targets. Memory is not primed
# before a measured step: a disaster restore runs on a fresh instance with
# cold memory, and touching fresh memory is part of its cost. PRIMED=1 adds a
# restore_primed_s column: the same restore again after priming the page
# pool (prime_page_pool), as this bench measured before.
# BASE_BIN_DIR adds the tool paymentsctl-base: the paymentsctl of another
# build (e.g. the commit before a change), measured in the same runs and
# rotation, with its own ratio to the current one (before/after a change).
# Usage: bench/backup_bench.sh BIN_DIR
#   (env: AUDIT_MB=1024 DOCKER_DB_MB=256 DOCKER_WAL_KB=4096 WORKLOADS=100000
#    CHANGE_PERCENT=1 RUNS=5 PRIMED=0 SKIP_TOOLS="" e.g. SKIP_TOOLS=paymentsctl
#    BASE_BIN_DIR="")
set -euo pipefail

bin_dir=$(cd "${1:?usage: backup_bench.sh BIN_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
audit_mb=${AUDIT_MB:-1024}
docker_db_mb=${DOCKER_DB_MB:-256}
docker_wal_kb=${DOCKER_WAL_KB:-4096}
workloads=${WORKLOADS:-100000}
change_percent=${CHANGE_PERCENT:-1}
runs=${RUNS:-5}
primed=${PRIMED:-0}
case $primed in 0 | 1) ;; *) echo "backup-bench: PRIMED must be 0 or 1, not '$primed'" >&2; exit 1 ;; esac
skip_tools=${SKIP_TOOLS:-}
all_tools=(paymentsctl restic borg rsync tar paymentsctl-s3 restic-s3)
# shellcheck source=bench/base_build.sh
. "$here/base_build.sh"
load_base_build paymentsctl backup-bench
[ -n "$base_bin_dir" ] && all_tools+=(paymentsctl-base)

die() { echo "backup-bench: $*" >&2; exit 1; }

tools=()
for t in $skip_tools; do
  case " ${all_tools[*]} " in *" $t "*) ;; *) die "SKIP_TOOLS: unknown tool '$t' (tools: ${all_tools[*]})" ;; esac
done
for t in "${all_tools[@]}"; do
  case " $skip_tools " in *" $t "*) ;; *) tools+=("$t") ;; esac
done
[ ${#tools[@]} -gt 0 ] || die "SKIP_TOOLS leaves no tool to measure"
has_tool() { case " ${tools[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# Peers and helpers from Debian (only what is missing; apt-get update first).
"$here/../scripts/setup.sh" --bench

for b in payments-backend paymentsctl bench-journal-gen bench-data-gen; do
  [ -x "$bin_dir/$b" ] || die "$bin_dir/$b is missing (make build)"
done
# paymentsctl_of TOOL: the paymentsctl binary a paymentsctl* tool runs.
paymentsctl_of() {
  case $1 in
    paymentsctl-base) echo "$base_bin_dir/paymentsctl" ;;
    *) echo "$bin_dir/paymentsctl" ;;
  esac
}
for t in paymentsctl paymentsctl-base; do
  has_tool "$t" || continue
  for sub in init backup restore; do
    help=$("$(paymentsctl_of "$t")" "$sub" --help 2>/dev/null || true)
    if ! grep -q -- '--repo' <<<"$help"; then
      die "$(paymentsctl_of "$t") has no '$sub' command (init/backup/restore are not built in this tree yet);
  build a tree that has them, or measure the others with SKIP_TOOLS=$t"
    fi
  done
done

work=$(mktemp -d "${TMPDIR:-/tmp}/backup-bench.XXXXXX")
pid=""
s3_pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  if [ -n "$s3_pid" ]; then kill -9 "$s3_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Passwords exist only for this run, in the environment of these processes.
password() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
RESTIC_PASSWORD=$(password)
BORG_PASSPHRASE=$(password)
PAYMENTS_REPO_PASSWORD=$(password)
export RESTIC_PASSWORD BORG_PASSPHRASE PAYMENTS_REPO_PASSWORD
# Caches and borg's key/security files stay inside the work dir.
export RESTIC_CACHE_DIR="$work/cache/restic" BORG_BASE_DIR="$work/cache/borg"
# borg's advice: HMAC-SHA256 when SHA-256 is hardware accelerated, else BLAKE2b.
if grep -qw sha_ni /proc/cpuinfo; then borg_encryption=repokey; else borg_encryption=repokey-blake2; fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The S3 endpoint of the -s3 tools: s3rver on 127.0.0.1 with bucket "bench"
# and a key pair that exists only in this run's environment.
is_s3_tool() { case $1 in *-s3) return 0 ;; *) return 1 ;; esac; }
if has_tool paymentsctl-s3 || has_tool restic-s3; then
  s3_port=$(free_port)
  AWS_ACCESS_KEY_ID="bench$(password | head -c 12)"
  AWS_SECRET_ACCESS_KEY=$(password)
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$s3_port"
  S3RVER_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID S3RVER_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    node --openssl-legacy-provider "$here/../tools/s3rver/serve.js" 127.0.0.1 "$s3_port" "$work/s3" bench \
    >"$work/s3rver.log" 2>&1 &
  s3_pid=$!
  disown "$s3_pid"  # killed at exit; no "Killed" job report
  for _ in $(seq 1 150); do
    grep -q listening "$work/s3rver.log" && break
    kill -0 "$s3_pid" 2>/dev/null || die "s3rver did not start: $(cat "$work/s3rver.log")"
    sleep 0.1
  done
  grep -q listening "$work/s3rver.log" || die "s3rver did not listen within 15 s"
fi
# s3_repo TOOL: the repository of an -s3 tool in this run (a fresh prefix per run).
s3_repo() {
  case $1 in
    paymentsctl-s3) echo "s3://bench/$1-$run" ;;
    restic-s3) echo "s3:http://127.0.0.1:$s3_port/bench/$1-$run" ;;
  esac
}
# repo_bytes TOOL: the repository's size (for -s3 tools, its objects' bytes).
repo_bytes() {
  if is_s3_tool "$1"; then
    find "$work/s3/bench/$1-$run" -name '*._S3rver_object' -printf '%s\n' | awk '{s += $1} END {print s + 0}'
  else
    du -sb "$work/repos/$1" | cut -f1
  fi
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Starts the service on DIR (loopback), posts CREDITS credits over HTTP, stops
# it with SIGTERM: it replays the journal and, at shutdown, rewrites the
# checkpoint files (registry.json, balances.json, workloads.json, CHECKPOINT).
run_service_briefly() {
  local dir=$1 credits=$2 tag=$3 port i
  port=$(free_port)
  "$bin_dir/payments-backend" --data-dir "$dir" --listen "127.0.0.1:$port" >"$work/service.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  curl -fs "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/service.log" >&2; die "service did not start on $dir"; }
  for i in $(seq 1 "$credits"); do
    curl -fs -o /dev/null -XPOST "http://127.0.0.1:$port/api/workloads" \
      -d "{\"workload_id\":\"http-$tag-$i\",\"orchestrator_id\":\"bench-$((i % 64))\",\"amount\":\"0.000001\",\"duration_ms\":1000}" ||
      die "credit http-$tag-$i was refused"
  done
  curl -fs -o /dev/null "http://127.0.0.1:$port/api/workloads/summary"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  pid=""
  [ "$rc" -eq 0 ] || { cat "$work/service.log" >&2; die "service exited with $rc after SIGTERM"; }
}

verify_data_dir() {
  "$bin_dir/paymentsctl" verify --data-dir "$1" >"$work/verify.out" 2>&1 ||
    { cat "$work/verify.out" >&2; die "paymentsctl verify failed on $1"; }
}

# --- the data directory -----------------------------------------------------
base="$work/base"
echo "generating the data directory (audit log ${audit_mb} MiB, docker.db ${docker_db_mb} MiB, ${workloads} workloads)..."
t0=$(date +%s.%N)
"$bin_dir/bench-journal-gen" --data-dir "$base" --workloads "$workloads" >/dev/null
"$bin_dir/bench-data-gen" audit-log --out "$base/audit/payments-audit.log" --kib $((audit_mb * 1024)) --seed 1
"$bin_dir/bench-data-gen" db-file --out "$base/audit/docker.db" --kib $((docker_db_mb * 1024)) --zero-percent 50 --seed 2
"$bin_dir/bench-data-gen" db-file --out "$base/audit/docker.db-wal" --kib "$docker_wal_kb" --zero-percent 0 --seed 3
run_service_briefly "$base" 0 base
for f in registry.json balances.json workloads.json journal/CHECKPOINT; do
  [ -s "$base/$f" ] || die "the service left no $f in $base"
done
verify_data_dir "$base"
base_bytes=$(du -sb "$base" | cut -f1)
printf 'generated %.1f MiB in %.1f s\n' "$(echo "$base_bytes / 1048576" | bc -l)" "$(echo "$(date +%s.%N) - $t0" | bc)"

# The change between the full and the incremental backup: CHANGE_PERCENT more
# audit log and journal records (with their ledger-events lines, a few of them
# credited over HTTP), the JSON checkpoints rewritten by the service, and
# eight 64 KiB pages of audit/docker.db rewritten in place (as SQLite does).
change_kib=$((audit_mb * 1024 * change_percent / 100))
change_records=$((workloads * change_percent / 100))
http_credits=10
change_data_dir() {
  local dir=$1 run=$2
  "$bin_dir/bench-journal-gen" --data-dir "$dir" --workloads "$change_records" --append >/dev/null
  "$bin_dir/bench-data-gen" audit-log --out "$dir/audit/payments-audit.log" --kib "$change_kib" --append --seed $((100 + run))
  run_service_briefly "$dir" "$http_credits" "$run"
  local page pages=$((docker_db_mb * 16))
  for page in 1 2 3 4 5 6 7 8; do
    dd if=/dev/urandom of="$dir/audit/docker.db" bs=64K count=1 conv=notrunc status=none \
      seek=$((pages * page / 9 + run))
  done
  verify_data_dir "$dir"
}

# --- the tools ----------------------------------------------------------------
# tool_init TOOL REPO: an empty repository (not measured).
tool_init() {
  local repo=$2
  case $1 in
    paymentsctl | paymentsctl-base) "$(paymentsctl_of "$1")" init --repo "$repo" >/dev/null ;;
    restic) restic init --quiet --repo "$repo" >/dev/null ;;
    paymentsctl-s3) "$bin_dir/paymentsctl" init --repo "$(s3_repo "$1")" >/dev/null ;;
    restic-s3) restic init --quiet --repo "$(s3_repo "$1")" >/dev/null ;;
    borg) borg init --encryption="$borg_encryption" "$repo" >/dev/null 2>&1 ;;
    rsync | tar) mkdir -p "$repo" ;;
  esac
}

# tool_cmd TOOL PHASE REPO DATA TARGET: prints nothing, sets the array `cmd`
# to the argument vector of one measured step (PHASE: full, incr, restore).
tool_cmd() {
  local tool=$1 phase=$2 repo=$3 data=$4 target=$5
  is_s3_tool "$tool" && repo=$(s3_repo "$tool")
  case $tool:$phase in
    paymentsctl*:full | paymentsctl*:incr)
      cmd=("$(paymentsctl_of "$tool")" backup --repo "$repo" --data-dir "$data" --mode full --json) ;;
    paymentsctl*:restore)
      cmd=("$(paymentsctl_of "$tool")" restore --repo "$repo" latest --to "$target") ;;
    restic*:full | restic*:incr)
      cmd=(env -C "$data" restic --repo "$repo" backup --quiet --host bench .) ;;
    restic*:restore)
      cmd=(restic --repo "$repo" restore latest --quiet --target "$target") ;;
    borg:full | borg:incr)
      cmd=(env -C "$data" borg create "$repo::$phase" .) ;;
    borg:restore)
      cmd=(env -C "$target" borg extract "$repo::incr") ;;
    rsync:full | rsync:incr)
      cmd=(rsync -a "$data/" "$repo/tree/") ;;
    rsync:restore)
      cmd=(rsync -a "$repo/tree/" "$target/") ;;
    tar:full | tar:incr)
      cmd=(bash -c 'set -o pipefail; tar -C "$1" --listed-incremental="$2" -cf - . | zstd -1 -T0 -q -o "$3"'
        tar-backup "$data" "$repo/snar" "$repo/$phase.tar.zst") ;;
    tar:restore)
      cmd=(bash -c 'set -o pipefail
        zstd -dcq "$1" | tar -C "$3" --listed-incremental=/dev/null -xf - &&
        zstd -dcq "$2" | tar -C "$3" --listed-incremental=/dev/null -xf -'
        tar-restore "$repo/full.tar.zst" "$repo/incr.tar.zst" "$target") ;;
  esac
}

# prime_page_pool: on a VM that hands freed memory back to its host (virtio
# free page reporting), the first tool to write a gigabyte of new page cache
# after a pause pays for the host to back those pages again, and the next
# tool does not. Writing and removing as much as the data directory just
# before a step hides that cost, which a disaster restore on a fresh
# instance pays: only the PRIMED=1 column (restore_primed_s) primes; the
# headline does not, and the tools alternate their order run by run so that
# none is always the one that goes first.
prime_page_pool() {
  head -c "$(du -sb "$data" | cut -f1)" /dev/zero >"$work/prime"
  rm -f "$work/prime"
}

# measure KEY CMD...: runs CMD under GNU time after a sync (so no tool pays
# for another's dirty pages) and records wall seconds, CPU seconds (user +
# system, children included) and peak RSS (KiB). Keys ending in .primed
# prime the page pool first.
declare -A secs cpu_s rss_kb size_b
measure() {
  local key=$1 t0 t1
  shift
  case $key in *.primed) prime_page_pool ;; esac
  sync
  t0=$(date +%s.%N)
  if ! /usr/bin/time -f '%M %U %S' -o "$work/time.out" "$@" >"$work/step.out" 2>"$work/step.err"; then
    cat "$work/step.err" >&2
    die "$key failed: $*"
  fi
  t1=$(date +%s.%N)
  last_secs=$(echo "$t1 - $t0" | bc)
  secs[$key]+="$last_secs "
  read -r rss user sys < <(tail -n 1 "$work/time.out")
  rss_kb[$key]+="$rss "
  cpu_s[$key]+="$(echo "$user + $sys" | bc) "
}

# --- the runs -----------------------------------------------------------------
echo "tools: ${tools[*]}; $runs run(s); change between full and incremental: ${change_percent}%"
for run in $(seq 1 "$runs"); do
  echo "run $run/$runs..."
  data="$work/data"
  rm -rf "$data" "$work/repos" "$work/cache"
  cp -a "$base" "$data"
  mkdir -p "$work/repos"
  # A different tool goes first in each run.
  order=("${tools[@]:$(((run - 1) % ${#tools[@]}))}" "${tools[@]:0:$(((run - 1) % ${#tools[@]}))}")
  for t in "${order[@]}"; do tool_init "$t" "$work/repos/$t"; done

  printf '  full:'
  for t in "${order[@]}"; do
    tool_cmd "$t" full "$work/repos/$t" "$data" ""
    measure "$t.full" "${cmd[@]}"
    printf ' %s %.1fs' "$t" "$last_secs"
    if [[ $t == paymentsctl* ]]; then
      grep -q '"snapshot_id"' "$work/step.out" || die "paymentsctl backup --json printed no snapshot_id: $(cat "$work/step.out")"
    fi
    size_b[$t.full]+="$(repo_bytes "$t") "
  done

  echo
  change_data_dir "$data" "$run"

  printf '  incremental:'
  for t in "${order[@]}"; do
    tool_cmd "$t" incr "$work/repos/$t" "$data" ""
    measure "$t.incr" "${cmd[@]}"
    printf ' %s %.1fs' "$t" "$last_secs"
    size_b[$t.incr]+="$(repo_bytes "$t") "
  done

  echo
  printf '  restore:'
  for t in "${order[@]}"; do
    target="$work/restore-$t"
    rm -rf "$target"
    # paymentsctl is given a directory that does not exist yet; the others an empty one.
    [[ $t == paymentsctl* ]] || mkdir -p "$target"
    tool_cmd "$t" restore "$work/repos/$t" "$data" "$target"
    measure "$t.restore" "${cmd[@]}"
    printf ' %s %.1fs' "$t" "$last_secs"
    # What the restore left for the disk: paymentsctl fsyncs every file before
    # it says it is done; the others leave their writes in the page cache.
    # restore + sync is the time until the restored data is durable.
    t0=$(date +%s.%N)
    sync
    secs[$t.restore_durable]+="$(echo "$last_secs + $(date +%s.%N) - $t0" | bc) "
    if [ "$primed" = 1 ]; then
      rm -rf "$target"
      [[ $t == paymentsctl* ]] || mkdir -p "$target"
      measure "$t.restore.primed" "${cmd[@]}"
      printf ' (primed %.1fs)' "$last_secs"
    fi
    if [ "$run" -eq 1 ]; then
      # Sanity, once: the restore is the data directory as it is now (but the
      # LOCK of the data directory's lock, which is not data and not restored).
      diff -r -x LOCK "$data" "$target" >"$work/diff.out" 2>&1 ||
        { head -n 20 "$work/diff.out" >&2; die "$t restored something else than the data directory"; }
      verify_data_dir "$target"
    fi
    rm -rf "$target"
  done
  # The disk's floor for a durable restore: as many bytes as the data dir
  # written sequentially and fdatasynced, by dd.
  sync
  t0=$(date +%s.%N)
  dd if=/dev/zero of="$work/floor" bs=1M count=$(($(du -sb "$data" | cut -f1) / 1048576)) conv=fdatasync status=none
  secs[disk_floor]+="$(echo "$(date +%s.%N) - $t0" | bc) "
  rm -f "$work/floor"
  echo
  # The runbook's schedule: an essential snapshot (not measured), then the
  # nightly full of the unchanged data directory.
  for t in "${order[@]}"; do
    [[ $t == paymentsctl* ]] || continue
    tool_cmd "$t" incr "$work/repos/$t" "$data" ""
    "${cmd[@]/#full/essential}" >/dev/null  # the same backup with --mode essential
    measure "$t.ess_full" "${cmd[@]}"
    # bytes_read: the checkpoint JSON files (always read), not the audit log or docker.db.
    printf '  essential->full: %s %.1fs, read %s bytes\n' "$t" "$last_secs" \
      "$(grep -o '"bytes_read":[0-9]*' "$work/step.out" | cut -d: -f2)"
  done
done
data_bytes=$(du -sb "$data" | cut -f1)

# --- the report ---------------------------------------------------------------
med() { tr ' ' '\n' <<<"${1:-}" | grep . | median; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
ratio() { # RATIO A B: A/B to 2 decimals, "-" when B is unknown or zero
  awk -v a="$1" -v b="$2" 'BEGIN {if (b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b}'
}
# per_gib SECONDS: CPU seconds per GiB of the data directory, to 2 decimals.
per_gib() { awk -v s="$1" -v b="$data_bytes" 'BEGIN {printf "%.2f", s * 1073741824 / b}'; }
declare -A m
for t in "${tools[@]}"; do
  for p in full incr restore; do
    m[$t.$p]=$(med "${secs[$t.$p]}")
    m[$t.$p.rss]=$(med "${rss_kb[$t.$p]}")
    m[$t.$p.cpu]=$(per_gib "$(med "${cpu_s[$t.$p]}")")
  done
  m[$t.restore_durable]=$(med "${secs[$t.restore_durable]}")
  m[$t.restore.primed]=-
  [ "$primed" = 1 ] && m[$t.restore.primed]=$(printf '%.2f' "$(med "${secs[$t.restore.primed]}")")
  m[$t.size_full]=$(med "${size_b[$t.full]}")
  m[$t.size]=$(med "${size_b[$t.incr]}")
  peak=0
  for p in full incr restore; do [ "${m[$t.$p.rss]}" -gt "$peak" ] && peak=${m[$t.$p.rss]}; done
  m[$t.peak]=$peak
done
# pair_x TOOL PHASE [PEER]: the median over the runs of TOOL's wall time
# divided by PEER's in the same run (default restic; restic-s3 for the -s3
# tools); "-" without PEER.
pair_x() {
  local peer=${3:-restic}
  [ -z "${3:-}" ] && is_s3_tool "$1" && peer=restic-s3
  if ! has_tool "$peer"; then echo -; return; fi
  paste -d ' ' <(tr ' ' '\n' <<<"${secs[$1.$2]}" | grep .) <(tr ' ' '\n' <<<"${secs[$peer.$2]}" | grep .) |
    awk '$2 > 0 {print $1 / $2}' | median | awk '{printf "%.2f", $1}'
}

echo
echo "backup benchmark: data dir $(mib "$data_bytes") MiB at the end (audit/payments-audit.log ${audit_mb} MiB,"
echo "  audit/docker.db ${docker_db_mb} MiB half written zeros + ${docker_wal_kb} KiB wal, ${workloads} workloads);"
echo "  incremental after +${change_percent}%: ${change_kib} KiB audit log, ${change_records} journal records +"
echo "  ${http_credits} credits over HTTP, JSON checkpoints rewritten by the service"
echo "median of $runs run(s); _s = wall seconds; x = the median over the runs of the ratio to restic in"
echo "  the same run (-s3 rows: to restic-s3, both into s3rver on 127.0.0.1); cpu = CPU seconds (user +"
echo "  system) per GiB of the data dir; sizes are du -sb of the repository (-s3 rows: the bytes of its"
echo "  objects) after the full / after the incremental; RSS is the largest process's peak (GNU time %M);"
echo "  rest_primed_s: the restore again after priming the page pool (PRIMED=1; - when not measured);"
echo "  rest_sync_s / rest_sync_x: the restore plus the sync after it, until the restored files are on disk"
echo "  (paymentsctl fsyncs them itself; the others leave them in the page cache), and its ratio to restic's"
echo
printf '%-15s %7s %7s %9s %6s %6s %6s %11s %11s %8s %8s %8s %13s %9s %9s %8s %8s %8s\n' \
  tool full_s incr_s restore_s full_x incr_x rest_x rest_sync_s rest_sync_x full_cpu incr_cpu rest_cpu rest_primed_s \
  repo1_MiB repo2_MiB rss_full rss_incr rss_rest
for t in "${tools[@]}"; do
  printf '%-15s %7.2f %7.2f %9.2f %6s %6s %6s %11.2f %11s %8s %8s %8s %13s %9s %9s %8s %8s %8s\n' "$t" \
    "${m[$t.full]}" "${m[$t.incr]}" "${m[$t.restore]}" \
    "$(pair_x "$t" full)" "$(pair_x "$t" incr)" "$(pair_x "$t" restore)" \
    "${m[$t.restore_durable]}" "$(pair_x "$t" restore_durable)" \
    "${m[$t.full.cpu]}" "${m[$t.incr.cpu]}" "${m[$t.restore.cpu]}" "${m[$t.restore.primed]}" \
    "$(mib "${m[$t.size_full]}")" "$(mib "${m[$t.size]}")" \
    "$((m[$t.full.rss] / 1024))" "$((m[$t.incr.rss] / 1024))" "$((m[$t.restore.rss] / 1024))"
done
printf 'disk floor: %.2f s to write and fdatasync as many bytes as the data dir (dd; median)\n' \
  "$(med "${secs[disk_floor]}")"
for t in "${tools[@]}"; do
  [[ $t == paymentsctl* ]] || continue
  printf '%-15s essential->full (full of an unchanged dir after an essential snapshot): %.2f s\n' "$t" \
    "$(med "${secs[$t.ess_full]}")"
done
if has_tool paymentsctl-base && has_tool paymentsctl; then
  printf '%-15s against paymentsctl-base (%s), median of the per-run ratios: full %sx, incremental %sx, restore %sx\n' \
    paymentsctl "$base_version" "$(pair_x paymentsctl full paymentsctl-base)" "$(pair_x paymentsctl incr paymentsctl-base)" \
    "$(pair_x paymentsctl restore paymentsctl-base)"
fi
echo
echo "settings: restic $(restic version | awk '{print $2}') repository v2, compression auto;" \
  "borg $(borg --version | awk '{print $2}') $borg_encryption, lz4 (default);" \
  "tar --listed-incremental | zstd -1 -T0; rsync -a (incremental = rsync again)"
echo "cache: the data directory is warm in the page cache for every tool equally (no cache drop:"
echo "  that needs root); sync before each measured step; memory not primed (but rest_primed_s);"
echo "  tools run in a rotating order; $(nproc) cores"

echo
if ! has_tool paymentsctl; then
  echo "paymentsctl targets: not evaluated (SKIP_TOOLS=paymentsctl)"
elif ! has_tool restic; then
  echo "paymentsctl targets: not evaluated (they are ratios to restic, which was skipped)"
else
  verdict() { [ "$1" -eq 1 ] && echo met || echo "NOT met"; }
  p=paymentsctl
  echo "paymentsctl targets:"
  le() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b) ? 1 : 0}'; }
  # ratio_target LABEL TOOL PHASE LIMIT: the per-pair median ratio against LIMIT.
  ratio_target() {
    local x
    x=$(pair_x "$2" "$3")
    printf '  %-32s %-24s %s\n' "$1" "${x}x" "$(verdict "$(le "$x" "$4")")"
  }
  ratio_target "full <= 0.35x restic" "$p" full 0.35
  ratio_target "incremental <= 0.1x restic" "$p" incr 0.1
  ratio_target "restore <= 0.6x restic" "$p" restore 0.6
  printf '  %-32s %-24s %s\n' "(restore + sync, both durable)" "$(pair_x "$p" restore_durable)x" "(for comparison)"
  if has_tool paymentsctl-s3 && has_tool restic-s3; then
    ratio_target "restore-s3 <= 0.8x restic-s3" paymentsctl-s3 restore 0.8
  fi
  printf '  %-32s %-24s %s\n' "repository <= restic's" "$(mib "${m[$p.size]}") vs $(mib "${m[restic.size]}") MiB" \
    "$(verdict "$(le "${m[$p.size]}" "${m[restic.size]}")")"
  printf '  %-32s %-24s %s\n' "peak RSS < 256 MiB" "$((m[$p.peak] / 1024)) MiB" \
    "$(verdict "$(awk -v k="${m[$p.peak]}" 'BEGIN {print (k < 256 * 1024) ? 1 : 0}')")"
fi
