#!/usr/bin/env bash
# make bench-remote: the time of each step of the SSH operations on a data
# directory of about 1 GiB: deploy with a full backup first, an incremental
# remote backup after the logs grew, then the disaster (the host's data/
# removed) and the restore to the host. The "host" is a temporary directory
# reached through a real sshd on 127.0.0.1; its compose command is
# tests/integration/support/fake-compose, which runs the real payments-backend.
# Prints each step's seconds (from paymentsctl --json) and the bytes that
# crossed the wire.
# Usage: bench/remote_bench.sh BIN_DIR
#   (env: AUDIT_MB=700 DOCKER_DB_MB=256 WORKLOADS=100000 CHANGE_PERCENT=1)
set -euo pipefail

bin_dir=$(cd "${1:?usage: remote_bench.sh BIN_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
audit_mb=${AUDIT_MB:-700}
docker_db_mb=${DOCKER_DB_MB:-256}
workloads=${WORKLOADS:-100000}
change_percent=${CHANGE_PERCENT:-1}
fake_compose="$here/../tests/integration/support/fake-compose"

die() { echo "remote-bench: $*" >&2; exit 1; }
for b in payments-backend paymentsctl bench-journal-gen bench-data-gen; do
  [ -x "$bin_dir/$b" ] || die "$bin_dir/$b is missing (make build)"
done
# shellcheck source=tests/support/test-sshd.sh
. "$here/../tests/support/test-sshd.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/remote-bench.XXXXXX")
cleanup() {
  [ -f "$work/host/fake-compose.conf" ] && (cd "$work/host" && "$fake_compose" down >/dev/null 2>&1 || true)
  stop_test_sshd
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# --- sshd on 127.0.0.1 with keys made now ----------------------------------------
ssh_port=$(free_port)
start_test_sshd "$work/ssh" "$ssh_port" || die "sshd did not start"

# --- the host ----------------------------------------------------------------------
host="$work/host"
mkdir -p "$host"
echo "generating the host's data directory (audit log ${audit_mb} MiB, docker.db ${docker_db_mb} MiB, ${workloads} workloads)..."
"$bin_dir/bench-journal-gen" --data-dir "$host/data" --workloads "$workloads" >/dev/null
"$bin_dir/bench-data-gen" audit-log --out "$host/data/audit/payments-audit.log" --kib $((audit_mb * 1024)) --seed 1
"$bin_dir/bench-data-gen" db-file --out "$host/data/audit/docker.db" --kib $((docker_db_mb * 1024)) --zero-percent 50 --seed 2
backend_port=$(free_port)
printf 'PAYMENTS_IMAGE=payments-backend:bench-1\nPAYMENTS_API_ADMIN_TOKEN=%s\n' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$host/.env"
printf 'BACKEND=%s\nPORT=%s\n' "$bin_dir/payments-backend" "$backend_port" > "$host/fake-compose.conf"
(cd "$host" && "$fake_compose" up -d >/dev/null)
printf 'data directory: %.1f MiB\n' "$(echo "$(du -sb "$host/data" | cut -f1) / 1048576" | bc -l)"
cat > "$work/inventory.json" <<INV
{"bench": {"host": "127.0.0.1", "user": "$(id -un)", "port": $ssh_port, "remote_path": "$host",
           "compose": "$fake_compose", "health_url": "http://127.0.0.1:$backend_port/health"}}
INV

PAYMENTS_REPO_PASSWORD=$(head -c 24 /dev/urandom | base64)
export PAYMENTS_REPO_PASSWORD
ctl=("$bin_dir/paymentsctl")
remote=(--inventory "$work/inventory.json" --target bench --ssh-key "$work/ssh/client_key"
        --known-hosts "$work/ssh/known_hosts" --staging-dir "$work/staging")
report() {  # report TITLE JSON-FILE: one line per step
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[2]))
for t in doc["targets"]:
    total = sum(s["seconds"] for s in t["steps"])
    print(f"{sys.argv[1]}: {'ok' if t['ok'] else 'FAILED ' + t['error']} ({total:.2f} s)")
    for s in t["steps"]:
        print(f"  {s['step']:<8} {s['seconds']:7.2f} s  {s['detail']}")
PY
}
run_json() {  # run_json TITLE ARGS...: paymentsctl with --json, timed, reported
  local title=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "${ctl[@]}" "$@" --json > "$work/out.json" 2> "$work/err.txt" || { cat "$work/err.txt" >&2; report "$title" "$work/out.json"; die "$title failed"; }
  t1=$(date +%s.%N)
  report "$title" "$work/out.json"
  printf '  (wall %.2f s)\n' "$(echo "$t1 - $t0" | bc)"
}

run_json "deploy with a full backup first" deploy "${remote[@]}" --image payments-backend:bench-2 \
  --backup-out "$work/repo" --backup-mode full
change_kib=$((audit_mb * 1024 * change_percent / 100))
"$bin_dir/bench-data-gen" audit-log --out "$host/data/audit/payments-audit.log" --kib "$change_kib" --append --seed 7
run_json "incremental full backup after ${change_percent}% growth" backup "${remote[@]}" --repo "$work/repo" --mode full
full_snapshot=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["targets"][0]["snapshot_id"])' "$work/out.json")
run_json "essential backup" backup "${remote[@]}" --repo "$work/repo" --mode essential
(cd "$host" && "$fake_compose" down >/dev/null)
rm -rf "$host/data"
echo "host data/ removed"
run_json "restore of the full snapshot to the host" restore --repo "$work/repo" "$full_snapshot" "${remote[@]}"
"$bin_dir/paymentsctl" verify --data-dir "$host/data"
