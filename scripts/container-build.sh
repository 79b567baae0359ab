#!/usr/bin/env bash
# Builds the payments-backend container image with podman on a Debian 12 machine
# that has no Docker engine and no container registry (see
# shared/docs/containers-without-docker.md). Idempotent, and quick when everything
# is in place:
#   1. apt-installs podman, runc, debootstrap, podman-compose if missing;
#   2. writes the containers.conf podman needs here (runc, cgroupfs, no ulimits);
#   3. creates the base image debian:bookworm-slim from a debootstrap minbase
#      if podman does not have it (no registry is reachable);
#   4. builds the image from the repository's Dockerfile. The compile goes through
#      ccache in a build cache mount (RUN --mount=type=cache, kept by buildah in
#      /var/tmp/buildah-cache), so a rebuild after a source change recompiles only
#      what changed: measured on 2 busy cores, about 3 s with no change, 7 s after
#      a change to one .cc file, 150 s after a change to a header most files
#      include or with an empty cache (plus about 40 s for the package layer on a
#      first build).
#
# Usage: scripts/container-build.sh [--prepare-only] [--binaries DIR] [TAG]
#   TAG             image name to build, default payments-backend:local
#   --prepare-only  do steps 1-3 only
#   --binaries DIR  take payments-backend and paymentsctl from DIR (a Debian 12
#                   build of this tree, e.g. build/bin) instead of compiling them
#                   in the image: the Dockerfile's BINARIES=prebuilt (stripped
#                   copies go in; the runtime stage is the same)
# The last line on stdout is `CONTAINERS_CONF=FILE`: export it for podman run, e.g.
#   export "$(scripts/container-build.sh | tail -n 1)"
#   podman run --rm --network=host -v "$PWD/data:/app/data" \
#     -e PAYMENTS_LISTEN=127.0.0.1:8081 -e PAYMENTS_API_ADMIN_TOKEN=... payments-backend:local
#
# Environment:
#   PAYMENTS_CACHE_DIR  default ${XDG_CACHE_HOME:-$HOME/.cache}/payments-backend
#   DEBIAN_MIRROR       default http://deb.debian.org/debian
set -euo pipefail

prepare_only=0
binaries=""
tag=payments-backend:local
while [ $# -gt 0 ]; do
  case "$1" in
    --prepare-only) prepare_only=1 ;;
    --binaries)
      [ $# -ge 2 ] || { echo "container-build: --binaries needs a directory" >&2; exit 2; }
      binaries="$2"
      shift
      ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "container-build: unknown option $1" >&2; exit 2 ;;
    *) tag="$1" ;;
  esac
  shift
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${PAYMENTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/payments-backend}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
base_image=localhost/debian:bookworm-slim

log() { echo "container-build: $*" >&2; }

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# 1. Packages.
packages=(podman runc debootstrap podman-compose)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# 2. containers.conf: crun fails on this kernel's hybrid cgroups and on setting
# RLIMIT_NOFILE; runc with cgroupfs and no default ulimits works.
mkdir -p "$cache_dir"
conf="$cache_dir/containers.conf"
conf_text='[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"'
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$conf_text" ]; then
  printf '%s\n' "$conf_text" > "$conf.tmp"
  mv "$conf.tmp" "$conf"
fi
export CONTAINERS_CONF="$conf"

# Turns a debootstrap minbase tree into the equivalent of Docker's
# debian:bookworm-slim: same apt sources, no docs, man pages or locales, and
# apt deletes downloaded packages after installing them.
slim_rootfs() {
  set -euo pipefail
  local root="$1" mirror="$2" security
  rm -f "$root/etc/apt/sources.list" "$root/etc/hostname"
  security="${mirror%/debian}/debian-security"
  cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<EOF
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{groff,info,linda,locale,man}/* "$root"/usr/share/lintian/overrides/*
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  rm -f "$root"/var/log/*.log "$root"/var/log/apt/*
}

# 3. Base image, built locally: no registry is reachable.
if ! podman image exists "$base_image"; then
  rootfs="$(mktemp -d "$cache_dir/rootfs.XXXXXX")"
  trap '"${sudo[@]}" rm -rf "$rootfs"' EXIT
  log "debootstrap minbase bookworm from $mirror (about 30 s)"
  "${sudo[@]}" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
  "${sudo[@]}" bash -c "$(declare -f slim_rootfs); slim_rootfs \"\$@\"" _ "$rootfs" "$mirror"
  log "importing $base_image"
  "${sudo[@]}" tar --numeric-owner -C "$rootfs" -c . \
    | podman import --quiet --change 'CMD ["bash"]' - "$base_image" >/dev/null
  "${sudo[@]}" rm -rf "$rootfs"
  trap - EXIT
fi

if [ "$prepare_only" -eq 0 ]; then
  # 4. Build. chroot isolation: the default one fails on RLIMIT_NPROC here.
  # --pull=never: the base image is local, no registry is contacted.
  # --format docker keeps the Dockerfile's HEALTHCHECK in the image.
  from=()
  if [ -n "$binaries" ]; then
    prebuilt="$(mktemp -d "$cache_dir/prebuilt.XXXXXX")"
    trap 'rm -rf "$prebuilt"' EXIT
    for b in payments-backend paymentsctl; do
      [ -x "$binaries/$b" ] || { log "$binaries/$b is not an executable"; exit 1; }
      strip -o "$prebuilt/$b" "$binaries/$b"
    done
    from=(--build-arg BINARIES=prebuilt --build-context "host-build=$prebuilt")
    log "building $tag with the binaries of $binaries"
  else
    log "building $tag"
  fi
  # The build context leaves .git out: --version's commit is passed in.
  commit="$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)"
  podman build --isolation=chroot --network=host --pull=never --format docker "${from[@]}" \
    --build-arg "PB_GIT_COMMIT=$commit" -t "$tag" -f "$repo_root/Dockerfile" "$repo_root" >&2
  if [ -n "$binaries" ]; then
    rm -rf "$prebuilt"
    trap - EXIT
  fi
fi

echo "CONTAINERS_CONF=$CONTAINERS_CONF"
