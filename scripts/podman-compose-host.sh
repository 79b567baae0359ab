#!/usr/bin/env bash
# Runs the project's docker-compose.yml with podman-compose and HOST networking, on a
# machine without a Docker engine (see shared/docs/containers-without-docker.md).
# Usable as the `compose` command of a paymentsctl inventory target, e.g.
#   "compose": "/opt/payments-backend/scripts/podman-compose-host.sh"
# It is run in the directory holding docker-compose.yml and .env, with the same
# arguments as `docker compose`: `pull`, `up -d`, `down`, `ps`, `logs`...
#
# Why a wrapper: podman-compose 1.0.3 (Debian 12) attaches every container to its
# default bridge network (`--net <project>_default --network-alias <service>`), and
# rejects `network_mode: host` together with it. Host networking with loopback-only
# addresses is what tests need (no traffic to a bridge's private addresses), so this
# script passes itself to podman-compose as --podman-path and, for each podman
# command podman-compose runs:
#   run             `--net X --network-alias Y` becomes `--network host`, and `-p`
#                   port publications are dropped (host networking has none): the
#                   service listens where PAYMENTS_LISTEN in .env says, e.g.
#                   PAYMENTS_LISTEN=127.0.0.1:18081;
#   network exists/create   succeed without creating anything (no bridge network);
#   pull            nothing when the image is present locally (no registry needed),
#                   a failure without any connection for an absent localhost/ image;
#   stop, rm        --ignore (a `down` with nothing up succeeds, as with Docker);
#                   `-t 30.0` becomes `-t 30`.
# and adds what podman-compose 1.0.3 lacks:
#   up              --force-recreate, so that a changed image or .env takes effect
#                   (podman-compose 1.0.3 would just restart the old container);
#   up, down        -t 30 (it ignores stop_grace_period; SIGTERM writes a checkpoint);
#   exit status     non-zero when a podman command it ran failed (podman-compose
#                   1.0.3 ignores their exit codes).
#
# Environment:
#   CONTAINERS_CONF   podman's containers.conf; default: the one
#                     scripts/container-build.sh writes (runc, cgroupfs, no ulimits)
#   PODMAN_COMPOSE    default podman-compose
set -euo pipefail

# --- Second role: the podman that podman-compose runs. ---
if [ -n "${PCH_FAILURES:-}" ]; then
  # podman-compose calls PODMAN_PATH [global args] CMD [args]; it passes no global
  # args for the commands rewritten here.
  cmd="${1:-}"
  rc=0
  case "$cmd" in
    run)
      shift
      args=()
      while [ $# -gt 0 ]; do
        case "$1" in
          --net|--network|--network-alias|-p|--publish) shift ;;
          --net=*|--network=*|--network-alias=*|-p=*|--publish=*) ;;
          *) args+=("$1") ;;
        esac
        shift
      done
      podman run --network host "${args[@]}" || rc=$?
      ;;
    network)
      case "${2:-}" in
        exists|create) exit 0 ;;
        *) podman "$@" || rc=$? ;;
      esac
      ;;
    pull)
      shift
      image="${*: -1}"
      if podman image exists "$image"; then
        echo "podman-compose-host: $image is present locally, not pulled" >&2
        exit 0
      fi
      case "$image" in
        localhost/*)
          echo "podman-compose-host: $image is not present (a localhost/ image is never pulled)" >&2
          printf 'podman pull %s: not present locally\n' "$image" >> "$PCH_FAILURES"
          exit 1 ;;
      esac
      podman pull "$@" || rc=$?
      ;;
    stop|rm)
      # podman-compose 1.0.3 passes up's timeout as a float (`-t 30.0`), which
      # podman stop refuses.
      shift
      args=()
      while [ $# -gt 0 ]; do
        case "$1" in
          -t|--time|--timeout) args+=(-t "${2%.*}"); shift ;;
          *) args+=("$1") ;;
        esac
        shift
      done
      podman "$cmd" --ignore "${args[@]}" || rc=$?
      ;;
    *)
      # Queries (ps, inspect, logs, version...) pass through; their status is
      # podman-compose's business.
      exec podman "$@"
      ;;
  esac
  if [ "$rc" -ne 0 ]; then
    printf 'podman %s exited %d\n' "$cmd" "$rc" >> "$PCH_FAILURES"
  fi
  exit "$rc"
fi

# --- First role: the compose command. ---
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

if [ -z "${CONTAINERS_CONF:-}" ]; then
  conf="${PAYMENTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/payments-backend}/containers.conf"
  if [ ! -f "$conf" ]; then
    conf="$("$(dirname "$self")/container-build.sh" --prepare-only | tail -n 1)"
    conf="${conf#CONTAINERS_CONF=}"
  fi
  export CONTAINERS_CONF="$conf"
fi

if [ $# -eq 0 ]; then
  echo "usage: $(basename "$0") pull|up -d|down|ps|logs [ARGS...]" >&2
  exit 2
fi

sub="$1"
shift
extra=()
case "$sub" in
  up)
    extra+=(--force-recreate)
    case " $* " in *" -t "*|*" --timeout"*) ;; *) extra+=(-t 30) ;; esac
    ;;
  down)
    case " $* " in *" -t "*|*" --timeout"*) ;; *) extra+=(-t 30) ;; esac
    ;;
esac

failures="$(mktemp)"
trap 'rm -f "$failures"' EXIT
rc=0
PCH_FAILURES="$failures" "${PODMAN_COMPOSE:-podman-compose}" --podman-path "$self" \
  "$sub" "${extra[@]}" "$@" || rc=$?
if [ "$rc" -eq 0 ] && [ -s "$failures" ]; then
  echo "podman-compose-host: $sub failed:" >&2
  cat "$failures" >&2
  rc=1
fi
exit "$rc"
