#!/usr/bin/env bash
# End-to-end test of the container and of paymentsctl's remote operations:
#   1. builds the image with scripts/container-build.sh (podman) from the
#      Dockerfile, with the binaries of BIN_DIR (the tree's own build: its
#      BINARIES=prebuilt, so a fresh machine does not compile everything twice);
#      with PAYMENTS_CONTAINER_COMPILE=1, through the Dockerfile's compile stage;
#   2. starts a real sshd on 127.0.0.1 (free port, keys made now) whose "remote host"
#      is a temporary directory holding docker-compose.yml, .env and data/;
#   3. paymentsctl deploy: the compose file runs with podman-compose and host
#      networking (scripts/podman-compose-host.sh), the service on 127.0.0.1:<free port>;
#   4. a few credits over HTTP;
#   5. paymentsctl backup from the host;
#   6. paymentsctl deploy --reset-data (with --backup-out): healthy on empty data,
#      the old data archived under backups/*/data on the host;
#   7. paymentsctl restore of the snapshot of step 5: the credits are back and
#      paymentsctl verify passes on the host's data/;
#   8. paymentsctl deploy of an absent image: fails at pull and is rolled back
#      (.env as before, the stack healthy with the same data);
#   9. cleanup (containers, sshd, image tag, temporary files), also on failure.
# All traffic stays on 127.0.0.1; every wait is bounded.
#
# Usage: deploy_test.sh BIN_DIR SOURCE_DIR
#   BIN_DIR     holds paymentsctl (the CMake build's runtime output directory)
#   SOURCE_DIR  the repository (Dockerfile, docker-compose.yml, scripts/)
# Exit 77 (skipped) when not run as root: the data directory must be chowned to
# 10001:10001 and sshd needs /run/sshd.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BIN_DIR SOURCE_DIR" >&2
  exit 2
fi
bin_dir="$(cd "$1" && pwd)"
src_dir="$(cd "$2" && pwd)"
paymentsctl="$bin_dir/paymentsctl"
compose_cmd="$src_dir/scripts/podman-compose-host.sh"

t_start=$SECONDS
step_start=$SECONDS
step() {
  local now=$SECONDS
  echo "=== [$((now - t_start))s, previous step $((now - step_start))s] $*"
  step_start=$now
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (chown of data/ to 10001:10001, sshd privilege separation)"
  exit 77
fi
for tool in python3 curl rsync ssh ssh-keygen; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/setup.sh installs it)"
done
# shellcheck source=tests/support/test-sshd.sh
. "$src_dir/tests/support/test-sshd.sh"
[ -x "$paymentsctl" ] || fail "$paymentsctl not found"

work="$(mktemp -d "${TMPDIR:-/tmp}/pb-container-test.XXXXXX")"
chmod 700 "$work"
# A unique tag and project name, so concurrent runs (other checkouts) do not meet.
run_id="$(basename "$work" | tr -dc '[:alnum:]' | tr '[:upper:]' '[:lower:]' | tail -c 6)"
image="payments-backend:ctest-$run_id"
host_dir="$work/host-$run_id"   # podman-compose's project name is its basename
containers_conf=""

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "--- failed (exit $rc); diagnostics:"
    if [ -n "$containers_conf" ]; then
      CONTAINERS_CONF="$containers_conf" podman ps -a \
        --filter "label=io.podman.compose.project=host-$run_id" 2>&1
      for c in $(CONTAINERS_CONF="$containers_conf" podman ps -aq \
                   --filter "label=io.podman.compose.project=host-$run_id" 2>/dev/null); do
        echo "--- logs of container $c (last 40 lines)"
        CONTAINERS_CONF="$containers_conf" podman logs --tail 40 "$c" 2>&1
      done
    fi
    [ -f "$work/ssh/sshd.log" ] && { echo "--- sshd log (last 20 lines)"; tail -n 20 "$work/ssh/sshd.log"; }
  fi
  if [ -d "$host_dir" ] && [ -n "$containers_conf" ]; then
    (cd "$host_dir" && CONTAINERS_CONF="$containers_conf" timeout 90 "$compose_cmd" down -t 10) \
      >"$work/cleanup-down.log" 2>&1
    # Whatever a failed compose left behind.
    for c in $(CONTAINERS_CONF="$containers_conf" podman ps -aq \
                 --filter "label=io.podman.compose.project=host-$run_id" 2>/dev/null); do
      CONTAINERS_CONF="$containers_conf" timeout 60 podman rm -f -t 5 "$c" >/dev/null 2>&1
    done
  fi
  stop_test_sshd
  if [ -n "$containers_conf" ]; then
    CONTAINERS_CONF="$containers_conf" podman rmi "$image" >/dev/null 2>&1
  fi
  rm -rf "$work"
  echo "=== total $((SECONDS - t_start))s, exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# Free TCP ports on 127.0.0.1 (bound with port 0, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks, ports = [], []
while len(ports) < int(sys.argv[1]):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    socks.append(s)
    if p != 8081:
        ports.append(p)
print(" ".join(map(str, ports)))
EOF
}

# http METHOD PATH [BODY]: prints the body; fails on a non-2xx answer.
http() {
  local method="$1" path="$2" body="${3:-}"
  local args=(-sS --max-time 10 -X "$method" -H "X-Admin-Token: $admin_token"
              -w '\n%{http_code}' "http://127.0.0.1:$svc_port$path")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local out code
  out="$(curl "${args[@]}")" || fail "curl $method $path"
  code="${out##*$'\n'}"
  out="${out%$'\n'*}"
  case "$code" in
    2??) printf '%s\n' "$out" ;;
    *) fail "$method $path answered $code: $out" ;;
  esac
}

# json_get EXPR: evaluates a Python expression on the JSON document `d` read from stdin.
json_get() {
  python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

health_ok() {
  local body
  body="$(curl -fsS --max-time 5 "http://127.0.0.1:$svc_port/health")" || return 1
  [ "$(printf '%s' "$body" | json_get 'd["status"]')" = ok ]
}

# pctl ARGS...: paymentsctl, bounded in time, its output kept and shown.
pctl() {
  local log="$work/pctl-$((++pctl_n)).log"
  echo "+ paymentsctl $*"
  local rc=0
  timeout --kill-after=10 300 "$paymentsctl" "$@" >"$log.out" 2>"$log.err" || rc=$?
  sed 's/^/  | /' "$log.err"
  sed 's/^/  > /' "$log.out"
  [ "$rc" -eq 0 ] || fail "paymentsctl $1 exited $rc"
  last_out="$log.out"
}
pctl_n=0
last_out=""

# --------------------------------------------------------------------------
step "1. image build ($image)"
build_start=$SECONDS
# Its podman build output goes to a log, shown (the end of it) only on failure.
build_args=(--binaries "$bin_dir")
binaries_from="the binaries of $bin_dir"
if [ "${PAYMENTS_CONTAINER_COMPILE:-0}" = 1 ]; then
  build_args=()
  binaries_from="the compile stage of the Dockerfile"
fi
echo "image with $binaries_from"
if ! conf_line="$(timeout --kill-after=30 1500 "$src_dir/scripts/container-build.sh" "${build_args[@]}" "$image" \
                    2>"$work/image-build.log" | tail -n 1)"; then
  tail -n 60 "$work/image-build.log" >&2
  fail "scripts/container-build.sh $image failed"
fi
containers_conf="${conf_line#CONTAINERS_CONF=}"
[ -f "$containers_conf" ] || fail "container-build.sh printed no CONTAINERS_CONF: $conf_line"
export CONTAINERS_CONF="$containers_conf"
podman image exists "$image" || fail "image $image was not built"
grep -E '^ *(Hits|Misses):' "$work/image-build.log" | sed 's/^ */ccache /' || true
echo "image build: $((SECONDS - build_start))s"

# --------------------------------------------------------------------------
step "2. sshd on 127.0.0.1"
read -r ssh_port svc_port < <(free_ports 2)
start_test_sshd "$work/ssh" "$ssh_port" || fail "sshd on 127.0.0.1:$ssh_port did not start"
echo "sshd on 127.0.0.1:$ssh_port (pid $TEST_SSHD_PID); service will listen on 127.0.0.1:$svc_port"

# The "remote host": compose file, .env with a token made now, data/ for uid 10001.
mkdir -p "$host_dir/data"
chown 10001:10001 "$host_dir/data"
cp "$src_dir/docker-compose.yml" "$host_dir/"
admin_token="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
(umask 077 && printf 'PAYMENTS_API_ADMIN_TOKEN=%s\nPAYMENTS_IMAGE=payments-backend:local\nPAYMENTS_LISTEN=127.0.0.1:%s\n' \
  "$admin_token" "$svc_port" > "$host_dir/.env")

cat > "$work/inventory.json" <<EOF
{
  "host": {"host": "127.0.0.1", "port": $ssh_port, "user": "root",
           "remote_path": "$host_dir", "compose": "$compose_cmd",
           "health_url": "http://127.0.0.1:$svc_port/health"}
}
EOF
ssh_args=(--inventory "$work/inventory.json" --target host
          --ssh-key "$work/ssh/client_key" --known-hosts "$work/ssh/known_hosts")
repo="$work/repo"
export PAYMENTS_REPO_PASSWORD="ctest-$run_id-password"

# --------------------------------------------------------------------------
step "3. deploy"
pctl deploy "${ssh_args[@]}" --image "$image" --timeout-seconds 120
health_ok || fail "/health on 127.0.0.1:$svc_port is not ok after deploy"
grep -qx "PAYMENTS_IMAGE=$image" "$host_dir/.env" || fail ".env has no PAYMENTS_IMAGE=$image"
grep -qx "PAYMENTS_API_ADMIN_TOKEN=$admin_token" "$host_dir/.env" || fail ".env lost its token"
# The service listens on loopback only, on the port chosen above.
listeners="$(ss -Htln "sport = :$svc_port" | awk '{print $4}')"
[ "$listeners" = "127.0.0.1:$svc_port" ] || fail "listeners on port $svc_port: $listeners"
running="$(podman ps -q --filter "label=io.podman.compose.project=host-$run_id" | wc -l)"
[ "$running" -eq 1 ] || fail "$running containers of project host-$run_id run, expected 1"
# The token is required: without it the API refuses.
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$svc_port/api/orchestrators")"
[ "$code" = 401 ] || [ "$code" = 403 ] || fail "GET /api/orchestrators without token answered $code"

# --------------------------------------------------------------------------
step "4. credits"
orch="orch-ctest-1"
http POST /api/orchestrators/register \
  "{\"orchestrator_id\":\"$orch\",\"address\":\"0x1111111111111111111111111111111111111111\"}" >/dev/null
http POST /api/workloads "{\"workload_id\":\"wl-ctest-1\",\"orchestrator_id\":\"$orch\",\"amount\":\"0.000123\",\"duration_ms\":1500}" >/dev/null
http POST /api/workloads "{\"workload_id\":\"wl-ctest-2\",\"orchestrator_id\":\"$orch\",\"amount\":\"0.5\"}" >/dev/null
http POST /api/workloads "{\"workload_id\":\"wl-ctest-3\",\"orchestrator_id\":\"$orch\",\"amount\":\"1.25\"}" >/dev/null
balance_backed_up="$(http GET "/api/orchestrators/$orch" | json_get 'd["balance"]')"
echo "balance of $orch: $balance_backed_up"
python3 -c 'import sys; from decimal import Decimal as D; sys.exit(D(sys.argv[1]) != D("1.750123"))' \
  "$balance_backed_up" || fail "balance $balance_backed_up, expected 1.750123"

# --------------------------------------------------------------------------
step "5. backup from the host"
pctl init --repo "$repo"
pctl backup "${ssh_args[@]}" --repo "$repo" --staging-dir "$work/staging" --json
snapshot="$(json_get 'd["targets"][0]["snapshot_id"]' < "$last_out")"
if [ -z "$snapshot" ] || [ "$snapshot" = None ]; then fail "no snapshot_id in backup --json"; fi
echo "snapshot $snapshot"
# A credit after the backup: the restore of that snapshot must not have it.
http POST /api/workloads "{\"workload_id\":\"wl-ctest-4\",\"orchestrator_id\":\"$orch\",\"amount\":\"7\"}" >/dev/null

# --------------------------------------------------------------------------
step "6. deploy --reset-data"
pctl deploy "${ssh_args[@]}" --image "$image" --timeout-seconds 120 \
  --reset-data --yes-really-reset-data --backup-out "$repo" --staging-dir "$work/staging"
health_ok || fail "/health is not ok after the reset"
counts="$(curl -fsS --max-time 5 "http://127.0.0.1:$svc_port/health" | json_get '(d["orchestrators"], d["workloads"])')"
[ "$counts" = "(0, 0)" ] || fail "after the reset /health counts (orchestrators, workloads) = $counts"
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Admin-Token: $admin_token" \
          "http://127.0.0.1:$svc_port/api/orchestrators/$orch")"
[ "$code" = 404 ] || fail "GET /api/orchestrators/$orch after the reset answered $code, expected 404"
archived=("$host_dir"/backups/*/data)
if [ ${#archived[@]} -ne 1 ] || [ ! -d "${archived[0]}/journal" ]; then
  fail "expected one archived data directory with a journal: ${archived[*]}"
fi
echo "old data archived in ${archived[0]#"$host_dir"/}"
pctl verify --data-dir "${archived[0]}"
[ "$(stat -c %u:%g "$host_dir/data/audit")" = 10001:10001 ] || fail "data/audit is not owned by 10001"

# --------------------------------------------------------------------------
step "7. restore snapshot $snapshot"
pctl restore --repo "$repo" "$snapshot" "${ssh_args[@]}" --timeout-seconds 120 \
  --staging-dir "$work/staging"
health_ok || fail "/health is not ok after the restore"
balance_restored="$(http GET "/api/orchestrators/$orch" | json_get 'd["balance"]')"
echo "balance of $orch after the restore: $balance_restored"
[ "$balance_restored" = "$balance_backed_up" ] \
  || fail "balance after restore $balance_restored, expected $balance_backed_up (the snapshot's)"
http GET /api/workloads/wl-ctest-3 >/dev/null
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Admin-Token: $admin_token" \
          "http://127.0.0.1:$svc_port/api/workloads/wl-ctest-4")"
[ "$code" = 404 ] || fail "wl-ctest-4 (credited after the snapshot) answered $code, expected 404"
[ "$(stat -c %u:%g "$host_dir/data")" = 10001:10001 ] || fail "restored data/ is not owned by 10001"
pctl verify --data-dir "$host_dir/data"

# --------------------------------------------------------------------------
step "8. deploy of an absent image: rolled back"
env_before="$(cat "$host_dir/.env")"
missing_image="localhost/payments-backend:absent-$run_id"
rc=0
timeout --kill-after=10 300 "$paymentsctl" deploy "${ssh_args[@]}" --image "$missing_image" \
  --timeout-seconds 60 --json >"$work/rollback.out" 2>"$work/rollback.err" || rc=$?
sed 's/^/  | /' "$work/rollback.err"
[ "$rc" -eq 1 ] || fail "deploy of $missing_image exited $rc, expected 1"
failed_step="$(json_get 'd["targets"][0]["failed_step"]' < "$work/rollback.out")"
[ "$failed_step" = pull ] || fail "deploy of $missing_image failed at '$failed_step', expected pull"
rollback_healthy="$(json_get 'd["targets"][0]["rollback_healthy"]' < "$work/rollback.out")"
[ "$rollback_healthy" = True ] || fail "rollback_healthy is $rollback_healthy"
[ "$(cat "$host_dir/.env")" = "$env_before" ] || fail ".env was not rolled back"
health_ok || fail "/health is not ok after the rollback"
balance_after_rollback="$(http GET "/api/orchestrators/$orch" | json_get 'd["balance"]')"
[ "$balance_after_rollback" = "$balance_backed_up" ] \
  || fail "balance after the rollback $balance_after_rollback, expected $balance_backed_up"

step "9. cleanup"
echo "PASS"
