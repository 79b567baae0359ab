#!/usr/bin/env bash
# Compaction benchmark (issue 18; not part of make test): wal objects listed,
# objects a `restore latest` reads, and its wall time, after 1, 7 and 30
# simulated days of continuous replication since the snapshot, with the
# shipped objects left as shipped ("as shipped": replicate --no-compact) and
# compacted the way the replicator does it ("compacted": a pass whenever a
# shipped record enters a new 30-s window; docs/repository-format.md,
# "Levels and compaction").
#
# Scaling. The real load of issue 18 is 26M records a month (10 records/s)
# shipped as 4 objects/s (345,600 objects a day). The time axis here is real
# (record times span the days), but the record count and the object count
# are both divided by SCALE (default 300): one record every SCALE/10 s and
# one object every SCALE/4 s of record time, 2.5 records an object as in the
# real load. At SCALE=300, 30 days are 86,400 records and 34,560 shipped
# objects (each written durably: about 10 minutes on a 2-core machine with
# a busy disk). Shipping is simulated by bench-wal-ship (the replicator's
# object format, paced by record time instead of the wall clock). Levels
# hold fewer records than under the real load, so a real day makes more
# level-4 objects (about 10 a day at 26M records a month, one per 131,072
# records and per segment) than the scaled one (one a day).
#
# Usage: bench/compaction_bench.sh BIN_DIR   (env: SCALE=300 DAYS="1 7 30")
set -euo pipefail

bin_dir=$(cd "${1:?usage: compaction_bench.sh BIN_DIR}" && pwd)
scale=${SCALE:-300}
days=${DAYS:-1 7 30}
die() { echo "compaction-bench: $*" >&2; exit 1; }
[[ "$scale" =~ ^[1-9][0-9]*$ ]] || die "SCALE must be a positive integer, not '$scale'"
for d in $days; do [[ "$d" =~ ^[1-9][0-9]*$ ]] || die "DAYS must be positive integers, not '$d'"; done
for b in paymentsctl bench-journal-gen bench-wal-ship; do
  [ -x "$bin_dir/$b" ] || die "$bin_dir/$b is missing (cmake --build build --target $b)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/compaction-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PAYMENTS_REPO_PASSWORD=compaction-bench
ctl() { "$bin_dir/paymentsctl" "$@"; }
now() { date +%s.%N; }
json_field() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"; }

max_day=0
for d in $days; do (( d > max_day )) && max_day=$d; done
day_ms=86400000
t0=$(( ($(date +%s) / 86400 - max_day - 1) * day_ms ))  # a UTC day boundary, max_day + 1 days ago
record_ms=$(( scale * 100 ))  # SCALE/10 s
object_ms=$(( scale * 250 ))  # SCALE/4 s
records=$(( max_day * day_ms / record_ms ))

data=$work/data
echo "SCALE=$scale: one record every $(( record_ms / 1000 )) s, one object every $(( object_ms / 1000 )) s of" \
     "record time; $records records over $max_day day(s)"
"$bin_dir/bench-journal-gen" --data-dir "$data" --workloads 1 --ts-ms "$t0" >/dev/null
for kind in shipped compacted; do
  ctl init --repo "$work/$kind" >/dev/null
  ctl backup --repo "$work/$kind" --data-dir "$data" --json >"$work/backup-$kind.json"
done
snapshot_seq=$(json_field journal_seq <"$work/backup-shipped.json")
"$bin_dir/bench-journal-gen" --data-dir "$data" --append --workloads "$records" --ts-ms $(( t0 + record_ms )) \
  --ts-step-ms "$record_ms" >/dev/null

printf '\n%-5s %-10s %10s %9s %9s %12s %12s\n' days repository "objects" listed read "ship s" "restore s"
for d in $days; do
  until_ms=$(( t0 + d * day_ms ))
  for kind in shipped compacted; do
    flags=()
    [ "$kind" = compacted ] && flags=(--compact)
    start=$(now)
    "$bin_dir/bench-wal-ship" --repo "$work/$kind" --data-dir "$data" --after-seq "$snapshot_seq" \
      --until-ms "$until_ms" --every-ms "$object_ms" "${flags[@]}" >/dev/null
    ship_s=$(echo "$(now) - $start" | bc)
    objects=$(find "$work/$kind/wal" -type f | wc -l)
    rm -rf "$work/restored"
    start=$(now)
    ctl restore --repo "$work/$kind" latest --to "$work/restored" --json >"$work/restore.json" 2>>"$work/restore.log"
    restore_s=$(echo "$(now) - $start" | bc)
    listed=$(json_field wal_objects_listed <"$work/restore.json")
    read_n=$(json_field wal_objects_read <"$work/restore.json")
    printf '%-5s %-10s %10s %9s %9s %12.2f %12.2f\n' "$d" "$kind" "$objects" "$listed" "$read_n" "$ship_s" \
      "$restore_s"
  done
done
echo
echo "objects: files in wal/; listed/read: restore --json wal_objects_listed/wal_objects_read;"
echo "ship s: simulated shipping since the previous row (with its compaction passes for 'compacted');"
echo "restore s: paymentsctl restore latest (snapshot + the shipped journal + verify), wall time."
