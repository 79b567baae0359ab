#!/usr/bin/env bash
# Creates an EBS snapshot of the payments-backend data volume (docs/backups.md).
#
# Usage: scripts/aws-create-snapshot.sh (--volume-id vol-... | --instance-id i-... [--device-name DEV])
#            [--region R] [--name N] [--wait] [--keep N] [--dry-run]
#   --volume-id ID      the volume to snapshot
#   --instance-id ID    snapshot the volume attached to this instance at --device-name
#                       (default: the instance's root device)
#   --region R          default: $AWS_REGION, $AWS_DEFAULT_REGION, then `aws configure get region`
#   --name N            the Name tag (default: payments-backend-<volume id>)
#   --wait              wait until the snapshot is completed, printing its progress
#   --keep N            afterwards delete this volume's older snapshots tagged
#                       Service=payments-backend, keeping the new one and the N-1 newest
#                       completed ones before it (the new one is never deleted)
#   --dry-run           look everything up, but only print the commands that would change something
# Tags: Name, Service=payments-backend, CreatedBy=<user>@<host>.
# Prints the new snapshot id on stdout; progress and errors on stderr. Exit 0 on
# success, 1 on any error (the AWS CLI's message is shown), 2 on a usage error.
# Environment: SNAPSHOT_POLL_SECONDS (default 15), the interval of --wait.
set -euo pipefail

PROG=aws-create-snapshot.sh
# shellcheck source=aws-lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/aws-lib.sh"


VOLUME='' INSTANCE='' DEVICE='' REGION='' NAME='' WAIT=0 KEEP='' DRY_RUN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --volume-id) need_value "$1" "${2:-}"; VOLUME=$2; shift 2 ;;
    --instance-id) need_value "$1" "${2:-}"; INSTANCE=$2; shift 2 ;;
    --device-name) need_value "$1" "${2:-}"; DEVICE=$2; shift 2 ;;
    --region) need_value "$1" "${2:-}"; REGION=$2; shift 2 ;;
    --name) need_value "$1" "${2:-}"; NAME=$2; shift 2 ;;
    --wait) WAIT=1; shift ;;
    --keep) need_value "$1" "${2:-}"; KEEP=$2; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage ;;
    *) echo "$PROG: error: unknown argument '$1'" >&2; usage ;;
  esac
done

if [ -n "$VOLUME" ] && [ -n "$INSTANCE" ]; then die "give either --volume-id or --instance-id, not both"; fi
if [ -z "$VOLUME" ] && [ -z "$INSTANCE" ]; then die "give --volume-id vol-... or --instance-id i-..."; fi
if [ -n "$DEVICE" ] && [ -z "$INSTANCE" ]; then die "--device-name goes with --instance-id"; fi
if [ -n "$KEEP" ] && ! [[ "$KEEP" =~ ^[1-9][0-9]*$ ]]; then die "--keep needs a whole number of at least 1, not '$KEEP'"; fi
need_aws_cli
resolve_region

if [ -n "$INSTANCE" ]; then
  if [ -z "$DEVICE" ]; then
    DEVICE=$(aws_call ec2 describe-instances --region "$REGION" --instance-ids "$INSTANCE" \
      --query 'Reservations[0].Instances[0].RootDeviceName' --output json | json_words)
    [ -n "$DEVICE" ] || die "instance $INSTANCE has no root device in $REGION"
  fi
  VOLUME=$(aws_call ec2 describe-instances --region "$REGION" --instance-ids "$INSTANCE" \
    --query "Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='$DEVICE'].Ebs.VolumeId | [0]" \
    --output json | json_words)
  [ -n "$VOLUME" ] || die "instance $INSTANCE has no EBS volume at $DEVICE in $REGION (see: aws ec2 describe-instances --instance-ids $INSTANCE --region $REGION)"
  echo "$PROG: $INSTANCE $DEVICE is $VOLUME" >&2
fi

NAME=${NAME:-payments-backend-$VOLUME}
TAGS="ResourceType=snapshot,Tags=[{Key=Name,Value=$NAME},{Key=Service,Value=payments-backend},{Key=CreatedBy,Value=$(created_by)}]"
SNAPSHOT=$(run_or_print ec2 create-snapshot --region "$REGION" --volume-id "$VOLUME" \
  --description "payments-backend data ($NAME)" --tag-specifications "$TAGS" \
  --query SnapshotId --output json | json_words)
if [ "$DRY_RUN" = 0 ]; then
  [ -n "$SNAPSHOT" ] || die "aws ec2 create-snapshot returned no snapshot id"
  echo "$PROG: created $SNAPSHOT of $VOLUME" >&2
fi

if [ "$WAIT" = 1 ] && [ "$DRY_RUN" = 0 ]; then
  while :; do
    LINE=$(aws_call ec2 describe-snapshots --region "$REGION" --snapshot-ids "$SNAPSHOT" \
      --query 'Snapshots[0].[State,Progress]' --output json | json_words | paste -sd ' ' -)
    read -r STATE PROGRESS <<<"$LINE"
    echo "$PROG: $SNAPSHOT ${STATE:-unknown} ${PROGRESS:-}" >&2
    case "$STATE" in
      completed) break ;;
      pending) sleep "${SNAPSHOT_POLL_SECONDS:-15}" ;;
      *) die "snapshot $SNAPSHOT is ${STATE:-unknown}, not completed" ;;
    esac
  done
fi

if [ -n "$KEEP" ]; then
  OLDER=$(aws_call ec2 describe-snapshots --region "$REGION" --owner-ids self \
    --filters "Name=volume-id,Values=$VOLUME" "Name=tag:Service,Values=payments-backend" "Name=status,Values=completed" \
    --query 'sort_by(Snapshots,&StartTime)[].SnapshotId' --output json | json_words | grep -vx -e "$SNAPSHOT" || true)
  COUNT=$(printf '%s' "$OLDER" | grep -c . || true)
  EXPIRE=$((COUNT - (KEEP - 1)))
  if [ "$EXPIRE" -gt 0 ]; then
    for OLD in $(printf '%s\n' "$OLDER" | head -n "$EXPIRE"); do
      run_or_print ec2 delete-snapshot --region "$REGION" --snapshot-id "$OLD" >/dev/null
      [ "$DRY_RUN" = 1 ] || echo "$PROG: deleted $OLD (--keep $KEEP)" >&2
    done
  fi
fi

if [ "$DRY_RUN" = 1 ]; then
  echo "$PROG: dry run: nothing was changed" >&2
else
  echo "$SNAPSHOT"
fi
