#!/usr/bin/env bash
# The systemd units in ops/: systemd-analyze verify finds nothing to say about
# them (with ExecStart pointed at the built paymentsctl), the services read the
# environment file, and no secret is on a command line.
# Usage: systemd_units_test.sh SOURCE_DIR BIN_DIR   (exit 77: no systemd-analyze)
set -euo pipefail

SRC=$1
BIN=$2
command -v systemd-analyze >/dev/null || { echo "skipped: no systemd-analyze"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

units=()
for unit in "$SRC"/ops/*.service "$SRC"/ops/*.timer; do
  sed "s|/usr/local/bin/paymentsctl|$BIN/paymentsctl|" "$unit" >"$WORK/$(basename "$unit")"
  units+=("./$(basename "$unit")")
done
[ "${#units[@]}" -ge 4 ] || { echo "FAIL: expected the drill and doctor services and timers in ops/" >&2; exit 1; }
(cd "$WORK" && systemd-analyze verify --man=no "${units[@]}") >"$WORK/verify.log" 2>&1 || {
  cat "$WORK/verify.log" >&2
  echo "FAIL: systemd-analyze verify failed" >&2
  exit 1
}
if [ -s "$WORK/verify.log" ]; then
  cat "$WORK/verify.log" >&2
  echo "FAIL: systemd-analyze verify had remarks" >&2
  exit 1
fi
for service in "$SRC"/ops/*.service; do
  grep -q '^EnvironmentFile=/etc/payments-backend/' "$service" || {
    echo "FAIL: $service does not read /etc/payments-backend/*.env" >&2
    exit 1
  }
  if grep '^ExecStart=' "$service" | grep -qi -e password -e token; then
    echo "FAIL: $service puts a secret on its command line" >&2
    exit 1
  fi
done
grep -q '^PAYMENTS_REPO_PASSWORD=' "$SRC/ops/drill.env.example" || {
  echo "FAIL: ops/drill.env.example does not show where the password goes" >&2
  exit 1
}
echo "ok: ${units[*]}"
