#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing, and
# the tests' S3 server (s3rver, pinned in tools/s3rver/package-lock.json)
# when tools/s3rver/node_modules lacks it.
# One `apt-get update` and one `apt-get install` of everything missing (the
# tests' container tools included), and nothing when everything is present
# (one dpkg-query per package). Prints what it installs.
# Usage: scripts/setup.sh [--bench]
#   --bench  also the peers and helpers of `make bench` (backup benchmark)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  ccache              # a second clone or a rebuild compiles from cache (Makefile)
  ninja-build         # the build tool the Makefile configures (keeps both cores busy)
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
  python3-nacl python3-zstandard  # tests: the hand recovery of docs/repository-format.md, run as written
  openssh-client rsync  # paymentsctl's remote operations (backup, deploy, restore over SSH)
  openssh-server      # the tests' "remote host": a real sshd on 127.0.0.1
  libcurl4-openssl-dev  # the S3 repository backend's HTTP client
  shellcheck          # tests: every scripts/*.sh is shellcheck-clean
)
# The s3 tests' tools, where the tests are (the container's build stage runs
# this script alone, before the sources are copied, and runs no test).
root="$(cd "$(dirname "$0")/.." && pwd)"
s3rver_dir="$root/tools/s3rver"
if [ -f "$s3rver_dir/package.json" ]; then
  packages+=(awscli)  # the official CLI must read what paymentsctl wrote
  # s3rver runs on node; a node from elsewhere (nodesource, which bundles npm) is kept.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
# The container test's tools, where it is (tests/container: the image built
# with podman from a debootstrap base, run through podman-compose); the same
# list as scripts/container-build.sh, which installs them when run alone.
if [ -d "$root/tests/container" ]; then
  packages+=(podman runc debootstrap podman-compose)
fi
# The metrics tests' tools, where the tests are (not in the container's build
# stage): a real Prometheus scrapes GET /metrics, promtool checks the
# exposition and the textfiles, and checks and unit-tests ops/prometheus/alerts.yml.
if [ -d "$root/tests" ]; then
  packages+=(prometheus)
  # The cluster tests' consensus store, a real etcd (docs/cluster.md,
  # "Leadership"), and HAProxy routing clients to the primary.
  packages+=(etcd-server etcd-client haproxy)
fi
# The fuzz targets' compiler, where they are (make fuzz, and its short run in
# make test): clang with libFuzzer, ASan and UBSan.
if [ -d "$root/fuzz" ]; then
  packages+=(clang libclang-rt-14-dev)
fi
if [ "${1:-}" = "--bench" ]; then
  packages+=(
    restic borgbackup         # the backup tools paymentsctl is compared with
    tar zstd                  # tar | zstd, the baseline archive
    time                      # GNU time (/usr/bin/time -f %M): peak RSS
    nginx-light               # make bench-api's anchor: a static 200 under the same wrk load
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
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f "$s3rver_dir/package.json" ] && { [ ! -f "$s3rver_dir/node_modules/s3rver/package.json" ] ||
   [ "$s3rver_dir/package-lock.json" -nt "$s3rver_dir/node_modules/.package-lock.json" ]; }; then
  echo "setup: installing s3rver (npm ci in tools/s3rver)"
  npm ci --prefix "$s3rver_dir" --no-audit --no-fund --loglevel=error
fi
