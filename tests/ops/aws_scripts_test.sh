#!/usr/bin/env bash
# Tests of scripts/aws-create-snapshot.sh and scripts/aws-restore-snapshot.sh
# against tests/ops/fake-aws (first on PATH as `aws`), which checks every call
# argument for argument against the case's plan and answers with the recorded
# fixtures in tests/ops/fixtures/. Nothing contacts AWS.
# Usage: aws_scripts_test.sh SOURCE_DIR CASE   (ctest runs each case: ops.aws.CASE)
#        aws_scripts_test.sh SOURCE_DIR --list
set -euo pipefail

SRC=$1
CASE=$2
HERE=$SRC/tests/ops
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin" "$WORK/state"
ln -s "$HERE/fake-aws" "$WORK/bin/aws"
export PATH="$WORK/bin:$PATH" HOME=$WORK USER=ops-test SNAPSHOT_POLL_SECONDS=0
export FAKE_AWS_PLAN=$WORK/plan FAKE_AWS_STATE=$WORK/state FAKE_AWS_FIXTURES=$HERE/fixtures
unset AWS_REGION AWS_DEFAULT_REGION
: >"$FAKE_AWS_PLAN"

R=eu-west-1
I=i-0123456789abcdef0
V=vol-0a1b2c3d4e5f60718
S=snap-0123456789abcdef0
NEWVOL=vol-0fedcba9876543210
BY="ops-test@$(hostname)"
snap_tags() { echo "ResourceType=snapshot,Tags=[{Key=Name,Value=$1},{Key=Service,Value=payments-backend},{Key=CreatedBy,Value=$BY}]"; }
vol_tags() { echo "ResourceType=volume,Tags=[{Key=Name,Value=payments-backend-restore-$S},{Key=Service,Value=payments-backend},{Key=CreatedBy,Value=$BY}]"; }

# plan EXIT RESPONSE ARGS...: the next call the script must make.
plan() { (IFS=$'\t'; printf '%s\n' "$*") >>"$FAKE_AWS_PLAN"; }
# The calls each script makes, as planned lines.
plan_create() { plan 0 snapshot-id.json ec2 create-snapshot --region "$R" --volume-id "$V" \
  --description "payments-backend data ($1)" --tag-specifications "$(snap_tags "$1")" --query SnapshotId --output json; }
plan_root_device() { plan 0 root-device-name.json ec2 describe-instances --region "$R" --instance-ids "$I" \
  --query 'Reservations[0].Instances[0].RootDeviceName' --output json; }
plan_volume_of() { plan 0 "$2" ec2 describe-instances --region "$R" --instance-ids "$I" \
  --query "Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='$1'].Ebs.VolumeId | [0]" --output json; }
plan_progress() { plan 0 "$1" ec2 describe-snapshots --region "$R" --snapshot-ids "$S" \
  --query 'Snapshots[0].[State,Progress]' --output json; }
plan_list() { plan 0 "$1" ec2 describe-snapshots --region "$R" --owner-ids self --filters "Name=volume-id,Values=$V" \
  Name=tag:Service,Values=payments-backend Name=status,Values=completed \
  --query 'sort_by(Snapshots,&StartTime)[].SnapshotId' --output json; }
plan_delete() { plan 0 - ec2 delete-snapshot --region "$R" --snapshot-id "$1"; }
plan_az() { plan 0 availability-zone.json ec2 describe-instances --region "$R" --instance-ids "$I" \
  --query 'Reservations[0].Instances[0].Placement.AvailabilityZone' --output json; }
plan_create_volume() { plan "$1" "$2" ec2 create-volume --region "$R" --snapshot-id "$S" --availability-zone eu-west-1b \
  --volume-type gp3 --tag-specifications "$(vol_tags)" --query VolumeId --output json; }
# plan_restore DEVICE ATTACH_EXIT ATTACH_RESPONSE: the calls of a restore up to
# the attach, and the wait after it when the attach succeeds.
plan_restore() {
  plan_az
  plan_create_volume 0 created-volume-id.json
  plan 0 - ec2 wait volume-available --region "$R" --volume-ids "$NEWVOL"
  plan "$2" "$3" ec2 attach-volume --region "$R" --volume-id "$NEWVOL" --instance-id "$I" --device "$1"
  if [ "$2" -eq 0 ]; then plan 0 - ec2 wait volume-in-use --region "$R" --volume-ids "$NEWVOL"; fi
}

# run SCRIPT ARGS...: runs scripts/SCRIPT, keeping its exit code, stdout, stderr.
run() {
  RC=0
  "$SRC/scripts/$1" "${@:2}" >"$WORK/out" 2>"$WORK/err" || RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}
fail() {
  echo "FAIL ($CASE): $*" >&2
  echo "--- stdout:" >&2; cat "$WORK/out" >&2
  echo "--- stderr:" >&2; cat "$WORK/err" >&2
  echo "--- aws calls:" >&2
  if [ -f "$FAKE_AWS_STATE/calls.log" ]; then cat "$FAKE_AWS_STATE/calls.log" >&2; fi
  exit 1
}
expect_rc() { [ "$RC" -eq "$1" ] || fail "exit code $RC, expected $1"; }
expect_out() { [ "$OUT" = "$1" ] || fail "stdout '$OUT', expected '$1'"; }
expect_err() { case "$ERR" in *"$1"*) ;; *) fail "stderr lacks '$1'" ;; esac; }
expect_out_has() { case "$OUT" in *"$1"*) ;; *) fail "stdout lacks '$1'" ;; esac; }
# Every planned call was made, in order, and nothing else.
expect_plan_done() {
  [ ! -s "$FAKE_AWS_STATE/failures" ] || fail "calls outside the plan: $(cat "$FAKE_AWS_STATE/failures")"
  local made planned
  made=$(cat "$FAKE_AWS_STATE/next" 2>/dev/null || echo 0)
  planned=$(grep -c . "$FAKE_AWS_PLAN" || true)
  [ "$made" -eq "$planned" ] || fail "$made of $planned planned aws calls made"
}

case_create_volume_named() {
  plan_create nightly
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name nightly
  expect_rc 0; expect_out "$S"; expect_plan_done
}
case_create_instance_root_device() {
  plan_root_device
  plan_volume_of /dev/xvda volume-id.json
  plan_create "payments-backend-$V"
  run aws-create-snapshot.sh --instance-id "$I" --region "$R"
  expect_rc 0; expect_out "$S"; expect_err "$I /dev/xvda is $V"; expect_plan_done
}
case_create_instance_device_name() {
  plan_volume_of /dev/sdf volume-id.json
  plan_create "payments-backend-$V"
  run aws-create-snapshot.sh --instance-id "$I" --device-name /dev/sdf --region "$R"
  expect_rc 0; expect_out "$S"; expect_plan_done
}
case_create_region_from_env() {
  plan_create "payments-backend-$V"
  AWS_REGION=$R run aws-create-snapshot.sh --volume-id "$V"
  expect_rc 0; expect_out "$S"; expect_plan_done
}
case_create_region_from_cli_config() {
  R=eu-central-1
  plan 0 configured-region.txt configure get region
  plan_create "payments-backend-$V"
  run aws-create-snapshot.sh --volume-id "$V"
  expect_rc 0; expect_out "$S"; expect_plan_done
}
case_create_no_region() {
  plan 1 - configure get region
  run aws-create-snapshot.sh --volume-id "$V"
  expect_rc 1; expect_err "no AWS region: pass --region REGION"; expect_out ""; expect_plan_done
}
case_create_both_ids() {
  run aws-create-snapshot.sh --volume-id "$V" --instance-id "$I" --region "$R"
  expect_rc 1; expect_err "give either --volume-id or --instance-id, not both"; expect_plan_done
}
case_create_neither_id() {
  run aws-create-snapshot.sh --region "$R"
  expect_rc 1; expect_err "give --volume-id vol-... or --instance-id i-..."; expect_plan_done
}
case_create_unresolvable_volume() {
  plan_volume_of /dev/sdz null.json
  run aws-create-snapshot.sh --instance-id "$I" --device-name /dev/sdz --region "$R"
  expect_rc 1; expect_err "instance $I has no EBS volume at /dev/sdz in $R"; expect_out ""; expect_plan_done
}
case_create_aws_failure() {
  plan 254 unauthorized.txt ec2 create-snapshot --region "$R" --volume-id "$V" --description "payments-backend data (x)" \
    --tag-specifications "$(snap_tags x)" --query SnapshotId --output json
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name x
  expect_rc 1
  expect_err "aws ec2 create-snapshot failed (exit 254):"
  expect_err "UnauthorizedOperation"
  expect_out ""; expect_plan_done
}
case_create_wait_progress() {
  plan_create nightly
  plan_progress snapshot-pending-0.json
  plan_progress snapshot-pending-57.json
  plan_progress snapshot-completed.json
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name nightly --wait
  expect_rc 0; expect_out "$S"
  expect_err "$S pending 0%"; expect_err "$S pending 57%"; expect_err "$S completed 100%"
  expect_plan_done
}
case_create_wait_error_state() {
  plan_create nightly
  plan_progress snapshot-error.json
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name nightly --wait
  expect_rc 1; expect_err "snapshot $S is error, not completed"; expect_plan_done
}
case_create_keep_expires_oldest() {
  plan_create nightly
  plan_progress snapshot-completed.json
  plan_list snapshots-completed.json
  plan_delete snap-0000000000000old1
  plan_delete snap-0000000000000old2
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name nightly --wait --keep 2
  expect_rc 0; expect_out "$S"; expect_err "deleted snap-0000000000000old1 (--keep 2)"; expect_plan_done
}
case_create_keep_never_deletes_new() {
  plan_create nightly
  plan_list snapshots-completed-with-new.json
  plan_delete snap-0000000000000old1
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name nightly --keep 1
  expect_rc 0; expect_out "$S"; expect_plan_done
}
case_create_keep_nothing_to_expire() {
  plan_create nightly
  plan_list snapshots-completed-with-new.json
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --name nightly --keep 2
  expect_rc 0; expect_out "$S"; expect_plan_done
}
case_create_keep_invalid() {
  run aws-create-snapshot.sh --volume-id "$V" --region "$R" --keep 0
  expect_rc 1; expect_err "--keep needs a whole number of at least 1"; expect_plan_done
}
case_create_dry_run() {
  plan_root_device
  plan_volume_of /dev/xvda volume-id.json
  plan_list snapshots-completed.json
  run aws-create-snapshot.sh --instance-id "$I" --region "$R" --name nightly --wait --keep 3 --dry-run
  expect_rc 0; expect_out ""
  expect_err "dry-run: aws ec2 create-snapshot --region $R --volume-id $V"
  # four completed ones + the new one, --keep 3: the two oldest go
  expect_err "dry-run: aws ec2 delete-snapshot --region $R --snapshot-id snap-0000000000000old1"
  expect_err "dry-run: aws ec2 delete-snapshot --region $R --snapshot-id snap-0000000000000old2"
  case "$ERR" in *"snapshot-id snap-0000000000000old3"*) fail "the dry run would delete more than --keep 3 allows" ;; esac
  expect_err "dry run: nothing was changed"
  expect_plan_done
}
case_create_usage_errors() {
  run aws-create-snapshot.sh --volume-id
  expect_rc 1; expect_err "--volume-id needs a value"
  run aws-create-snapshot.sh --volume-id "$V" --bogus
  expect_rc 2; expect_err "unknown argument '--bogus'"; expect_err "Usage: scripts/aws-create-snapshot.sh"
  run aws-create-snapshot.sh --volume-id "$V" --device-name /dev/sdf --region "$R"
  expect_rc 1; expect_err "--device-name goes with --instance-id"
  expect_plan_done
}
case_restore_attaches_and_prints_steps() {
  plan_restore /dev/sdf 0 attach-volume.json
  run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I" --region "$R"
  expect_rc 0
  expect_out_has "$NEWVOL (from $S) is attached to $I at /dev/sdf."
  expect_out_has "awk '\$2==\"vol0fedcba9876543210\" {print \$1}'"
  # shellcheck disable=SC2016  # the printed step itself holds "$DEV"
  expect_out_has 'sudo mount -o ro "$DEV" /mnt/payments-restore'
  expect_out_has "cd /opt/payments-backend"
  expect_out_has "docker compose up -d"
  expect_plan_done
}
case_restore_app_dir_and_device() {
  plan_restore /dev/sdg 0 attach-volume.json
  run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I" --region "$R" --device /dev/sdg --app-dir /srv/pay
  expect_rc 0; expect_out_has "cd /srv/pay"; expect_out_has "DEV=\${DEV:-/dev/sdg}"; expect_plan_done
}
case_restore_dry_run() {
  plan_az
  run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I" --region "$R" --dry-run
  expect_rc 0
  expect_err "dry-run: aws ec2 create-volume --region $R --snapshot-id $S --availability-zone eu-west-1b"
  expect_err "dry-run: aws ec2 attach-volume --region $R --volume-id vol-NEW --instance-id $I --device /dev/sdf"
  expect_plan_done
}
case_restore_aws_failure() {
  plan_restore /dev/sdf 254 incorrect-state.txt
  run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I" --region "$R"
  expect_rc 1; expect_err "aws ec2 attach-volume failed (exit 254):"; expect_err "IncorrectState"
  case "$OUT" in *"docker compose"*) fail "steps printed after a failure" ;; esac
  expect_plan_done
}
case_restore_missing_ids() {
  run aws-restore-snapshot.sh --instance-id "$I" --region "$R"
  expect_rc 1; expect_err "give --snapshot-id snap-..."
  run aws-restore-snapshot.sh --snapshot-id "$S" --region "$R"
  expect_rc 1; expect_err "give --instance-id i-..."
  expect_plan_done
}
case_restore_no_region() {
  plan 1 - configure get region
  run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I"
  expect_rc 1; expect_err "no AWS region"; expect_plan_done
}
case_restore_unknown_instance() {
  plan 0 null.json ec2 describe-instances --region "$R" --instance-ids "$I" \
    --query 'Reservations[0].Instances[0].Placement.AvailabilityZone' --output json
  run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I" --region "$R"
  expect_rc 1; expect_err "instance $I has no availability zone in $R"; expect_plan_done
}
case_create_without_aws_cli() {
  # Only the tools the scripts use besides aws.
  mkdir -p "$WORK/tools"
  for t in bash dirname mktemp cat tr grep paste head sed awk hostname id rm; do
    ln -s "$(command -v "$t")" "$WORK/tools/$t"
  done
  PATH=$WORK/tools run aws-create-snapshot.sh --volume-id "$V" --region "$R"
  expect_rc 1; expect_err "the AWS CLI (aws) is not installed or not on PATH"
  PATH=$WORK/tools run aws-restore-snapshot.sh --snapshot-id "$S" --instance-id "$I" --region "$R"
  expect_rc 1; expect_err "the AWS CLI (aws) is not installed or not on PATH"
  expect_plan_done
}

# The fake itself: a call that differs from the plan fails and is recorded.
case_fake_aws_rejects_unplanned_call() {
  plan 0 null.json ec2 describe-instances --instance-ids "$I"
  RC=0
  aws ec2 describe-instances --instance-ids i-other >"$WORK/out" 2>"$WORK/err" || RC=$?
  expect_rc 98
  grep -q "actual:   aws ec2 describe-instances --instance-ids i-other" "$FAKE_AWS_STATE/failures" ||
    fail "the mismatch was not recorded"
}

if [ "$CASE" = --list ]; then
  declare -F | awk '$3 ~ /^case_/ { sub(/^case_/, "", $3); print $3 }'
  exit 0
fi
declare -F "case_$CASE" >/dev/null || { echo "no such case: $CASE" >&2; exit 2; }
"case_$CASE"
echo "ok: $CASE"
