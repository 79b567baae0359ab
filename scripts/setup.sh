#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing.
# Idempotent and quick (one dpkg-query) when everything is present.
# Usage: scripts/setup.sh [--bench]
#   --bench  also the peers and helpers of `make bench` (backup benchmark)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libssl-dev          # SHA-256 for the journal hash chain
  libsimdjson-dev     # fast JSON parsing: request bodies, replay, checkpoints
  libboost-dev        # Boost.Beast/Asio HTTP server (header-only)
  libspdlog-dev libfmt-dev
  libcli11-dev        # command-line parsing
  libsodium-dev       # backup repository: XChaCha20-Poly1305, Argon2id, HMAC-SHA256
  libzstd-dev         # backup repository: compression
  libgtest-dev libgmock-dev
  wrk bc curl         # load generator and helpers for make bench-api
  python3             # test helper scripts
  openssh-client rsync  # paymentsctl's remote operations (backup, deploy, restore over SSH)
  openssh-server      # the tests' "remote host": a real sshd on 127.0.0.1
  shellcheck          # tests: every scripts/*.sh is shellcheck-clean
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(
    restic borgbackup         # the backup tools paymentsctl is compared with
    tar zstd                  # tar | zstd, the baseline archive
    time                      # GNU time (/usr/bin/time -f %M): peak RSS
  )
elif [ $# -gt 0 ]; then
  echo "usage: scripts/setup.sh [--bench]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
