#!/usr/bin/env bash
# The units in ops/ for the runbook's hourly backup and for continuous
# replication (docs/backups.md, "Timers and services"): they exist, the timer
# starts the backup hourly, each ExecStart is a paymentsctl command whose
# flags that command has (checked against the built paymentsctl's --help),
# the services read the environment file and put no secret on a command
# line, docs/backups.md installs them, and systemd-analyze verify has nothing
# to say (when this machine has systemd-analyze).
# Usage: backup_units_test.sh SOURCE_DIR BIN_DIR
set -euo pipefail

SRC=$1
BIN=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

backup=$SRC/ops/payments-backup.service
timer=$SRC/ops/payments-backup.timer
replicate=$SRC/ops/payments-replicate.service
for unit in "$backup" "$timer" "$replicate"; do
  [ -f "$unit" ] || fail "$unit is missing"
done

grep -qx 'OnCalendar=hourly' "$timer" || fail "$timer does not run hourly"
grep -qx 'Persistent=true' "$timer" || fail "$timer does not catch up a run missed while the host was down"
grep -qx 'WantedBy=timers.target' "$timer" || fail "$timer cannot be enabled"
grep -qx 'Type=oneshot' "$backup" || fail "$backup is not a oneshot (the timer would not see it finish)"
grep -qx 'WantedBy=multi-user.target' "$replicate" || fail "$replicate cannot be enabled"
grep -q '^Restart=' "$replicate" || fail "$replicate is not restarted when it fails"

# Each ExecStart: paymentsctl SUBCOMMAND, and every --flag it uses is one
# that the built paymentsctl SUBCOMMAND --help lists.
check_exec() {
  local unit=$1 subcommand=$2 line flag
  line=$(grep '^ExecStart=' "$unit") || fail "$unit has no ExecStart"
  case "$line" in
    "ExecStart=/usr/local/bin/paymentsctl $subcommand "*) ;;
    *) fail "$unit does not run paymentsctl $subcommand: $line" ;;
  esac
  if echo "$line" | grep -qi -e password -e token -e secret; then
    fail "$unit puts a secret on its command line"
  fi
  "$BIN/paymentsctl" "$subcommand" --help >"$WORK/help" 2>&1 || fail "paymentsctl $subcommand --help failed"
  for flag in $(echo "$line" | grep -o -- '--[a-z0-9-]*'); do
    grep -qE -- "${flag}([^a-z0-9-]|\$)" "$WORK/help" || fail "$unit: paymentsctl $subcommand has no $flag"
  done
  grep -q '^EnvironmentFile=/etc/payments-backend/' "$unit" || fail "$unit does not read /etc/payments-backend/*.env"
}
check_exec "$backup" backup
check_exec "$replicate" replicate
# shellcheck disable=SC2016  # the unit's own ${...}, not the shell's
grep -qF -- '--repo ${PAYMENTS_REPO} --data-dir ${PAYMENTS_DATA_DIR}' "$backup" ||
  fail "$backup does not back up PAYMENTS_DATA_DIR into PAYMENTS_REPO"

for name in payments-backup.service payments-backup.timer payments-replicate.service; do
  grep -q "$name" "$SRC/docs/backups.md" || fail "docs/backups.md does not install $name"
done

if command -v systemd-analyze >/dev/null; then
  for unit in "$backup" "$timer" "$replicate"; do
    sed "s|/usr/local/bin/paymentsctl|$BIN/paymentsctl|" "$unit" >"$WORK/$(basename "$unit")"
  done
  (cd "$WORK" && systemd-analyze verify --man=no ./payments-backup.service ./payments-backup.timer \
    ./payments-replicate.service) >"$WORK/verify.log" 2>&1 || {
    cat "$WORK/verify.log" >&2
    fail "systemd-analyze verify failed"
  }
  if [ -s "$WORK/verify.log" ]; then
    cat "$WORK/verify.log" >&2
    fail "systemd-analyze verify had remarks"
  fi
  echo "ok: units checked, systemd-analyze verify clean"
else
  echo "ok: units checked (no systemd-analyze on this machine: verify not run)"
fi
