# shellcheck shell=bash
# Shared by scripts/aws-create-snapshot.sh and scripts/aws-restore-snapshot.sh
# (sourced, not run). Expects $PROG (the script's name) to be set.

# usage: the running script's header comment (its help) on stderr, exit 2.
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

# die MESSAGE...: the error on stderr, exit 1.
die() {
  echo "$PROG: error: $*" >&2
  exit 1
}

# need_value FLAG VALUE: a flag's value must be present and not another flag.
need_value() {
  if [ -z "${2:-}" ] || [ "${2#--}" != "$2" ]; then
    die "$1 needs a value"
  fi
}

# aws_call ARGS...: runs the AWS CLI, prints its stdout; on failure dies with
# the command and the CLI's own message. Use as var=$(aws_call ...).
aws_call() {
  local err rc=0 out
  err=$(mktemp)
  out=$(aws "$@" 2>"$err") || rc=$?
  if [ "$rc" -ne 0 ]; then
    local msg
    msg=$(cat "$err")
    rm -f "$err"
    die "aws $1 $2 failed (exit $rc): ${msg:-no message}"
  fi
  rm -f "$err"
  printf '%s\n' "$out"
}

# json_words: the strings of a JSON string, null or flat array of strings
# (what the --query expressions of these scripts return), one per line.
json_words() {
  tr -d '[]",' | tr -s ' \t\r\n' '\n' | grep -v -e '^$' -e '^null$' || true
}

# need_aws_cli: dies unless the AWS CLI is on PATH.
need_aws_cli() {
  command -v aws >/dev/null || die "the AWS CLI (aws) is not installed or not on PATH: sudo apt-get install awscli"
}

# resolve_region: --region, else $AWS_REGION / $AWS_DEFAULT_REGION, else the
# CLI's configured region; dies when there is none. Sets REGION.
resolve_region() {
  if [ -z "$REGION" ]; then REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}; fi
  if [ -z "$REGION" ]; then REGION=$(aws configure get region 2>/dev/null || true); fi
  if [ -z "$REGION" ]; then
    die "no AWS region: pass --region REGION, set AWS_REGION, or run: aws configure set region REGION"
  fi
}

# created_by: who ran the script, for the CreatedBy tag.
created_by() {
  printf '%s@%s\n' "${USER:-$(id -un)}" "$(hostname)"
}

# run_or_print ARGS...: a changing AWS call; with DRY_RUN=1 only printed.
run_or_print() {
  if [ "$DRY_RUN" = 1 ]; then
    printf 'dry-run: aws' >&2
    printf ' %q' "$@" >&2
    printf '\n' >&2
    return 0
  fi
  aws_call "$@"
}
