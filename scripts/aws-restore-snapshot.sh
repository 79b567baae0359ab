#!/usr/bin/env bash
# Restores an EBS snapshot of the payments-backend data as a new volume attached
# to an instance, then prints the exact steps to mount it and start the stack
# (docs/backups.md).
#
# Usage: scripts/aws-restore-snapshot.sh --snapshot-id snap-... --instance-id i-...
#            [--device /dev/sdf] [--region R] [--volume-type gp3] [--app-dir DIR] [--dry-run]
#   --snapshot-id ID    the snapshot to restore
#   --instance-id ID    the instance to attach the new volume to (in its availability zone)
#   --device DEV        the device name to attach at (default /dev/sdf)
#   --region R          default: $AWS_REGION, $AWS_DEFAULT_REGION, then `aws configure get region`
#   --volume-type T     default gp3
#   --app-dir DIR       on the instance, the directory with docker-compose.yml, .env and data/
#                       (default /opt/payments-backend), used in the printed steps
#   --dry-run           look everything up, but only print the commands that would change something
# Exit 0 on success, 1 on any error (the AWS CLI's message is shown), 2 on a usage error.
set -euo pipefail

PROG=aws-restore-snapshot.sh
# shellcheck source=aws-lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/aws-lib.sh"


SNAPSHOT='' INSTANCE='' DEVICE=/dev/sdf REGION='' VOLUME_TYPE=gp3 APP_DIR=/opt/payments-backend DRY_RUN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --snapshot-id) need_value "$1" "${2:-}"; SNAPSHOT=$2; shift 2 ;;
    --instance-id) need_value "$1" "${2:-}"; INSTANCE=$2; shift 2 ;;
    --device) need_value "$1" "${2:-}"; DEVICE=$2; shift 2 ;;
    --region) need_value "$1" "${2:-}"; REGION=$2; shift 2 ;;
    --volume-type) need_value "$1" "${2:-}"; VOLUME_TYPE=$2; shift 2 ;;
    --app-dir) need_value "$1" "${2:-}"; APP_DIR=$2; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage ;;
    *) echo "$PROG: error: unknown argument '$1'" >&2; usage ;;
  esac
done

[ -n "$SNAPSHOT" ] || die "give --snapshot-id snap-..."
[ -n "$INSTANCE" ] || die "give --instance-id i-... (the instance that gets the volume)"
need_aws_cli
resolve_region

AZ=$(aws_call ec2 describe-instances --region "$REGION" --instance-ids "$INSTANCE" \
  --query 'Reservations[0].Instances[0].Placement.AvailabilityZone' --output json | json_words)
[ -n "$AZ" ] || die "instance $INSTANCE has no availability zone in $REGION"
echo "$PROG: $INSTANCE is in $AZ" >&2

TAGS="ResourceType=volume,Tags=[{Key=Name,Value=payments-backend-restore-$SNAPSHOT},{Key=Service,Value=payments-backend},{Key=CreatedBy,Value=$(created_by)}]"
VOLUME=$(run_or_print ec2 create-volume --region "$REGION" --snapshot-id "$SNAPSHOT" --availability-zone "$AZ" \
  --volume-type "$VOLUME_TYPE" --tag-specifications "$TAGS" --query VolumeId --output json | json_words)
if [ "$DRY_RUN" = 1 ]; then
  VOLUME=vol-NEW
else
  [ -n "$VOLUME" ] || die "aws ec2 create-volume returned no volume id"
  echo "$PROG: created $VOLUME from $SNAPSHOT; waiting until it is available" >&2
  aws_call ec2 wait volume-available --region "$REGION" --volume-ids "$VOLUME" >/dev/null
fi
run_or_print ec2 attach-volume --region "$REGION" --volume-id "$VOLUME" --instance-id "$INSTANCE" \
  --device "$DEVICE" >/dev/null
if [ "$DRY_RUN" = 0 ]; then
  echo "$PROG: attaching $VOLUME to $INSTANCE at $DEVICE; waiting until it is in use" >&2
  aws_call ec2 wait volume-in-use --region "$REGION" --volume-ids "$VOLUME" >/dev/null
fi

SERIAL=${VOLUME//-/}
cat <<STEPS
$VOLUME (from $SNAPSHOT) is attached to $INSTANCE at $DEVICE.
On $INSTANCE, as a user with sudo:

  # 1. find the device: $DEVICE, or on Nitro instances the NVMe disk whose serial is $SERIAL
  DEV=\$(lsblk -dpno NAME,SERIAL | awk '\$2=="$SERIAL" {print \$1}'); DEV=\${DEV:-$DEVICE}
  lsblk -po NAME,SIZE,FSTYPE,MOUNTPOINT "\$DEV"      # a root-volume snapshot has partitions: use DEV=\${DEV}p1
  # 2. mount it read-only and check the restored data
  sudo mkdir -p /mnt/payments-restore
  sudo mount -o ro "\$DEV" /mnt/payments-restore
  ls /mnt/payments-restore        # find data/ (for a root volume: /mnt/payments-restore$APP_DIR/data)
  RESTORED=/mnt/payments-restore$APP_DIR/data     # or /mnt/payments-restore/data for a data volume
  paymentsctl verify --data-dir "\$RESTORED"
  # 3. put it in place, keeping the current data aside
  cd $APP_DIR
  docker compose down
  sudo mv data "data.before-restore-\$(date -u +%Y%m%dT%H%M%SZ)"
  sudo cp -a "\$RESTORED" ./data
  sudo umount /mnt/payments-restore
  # 4. start and check
  docker compose up -d
  curl -fsS http://127.0.0.1:8081/health
STEPS
if [ "$DRY_RUN" = 1 ]; then echo "$PROG: dry run: nothing was changed" >&2; fi
