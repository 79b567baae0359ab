# payments-backend container image.
#
# Build:  scripts/container-build.sh [TAG]     (podman, no Docker engine needed)
#    or:  docker build -t payments-backend:local .   (BuildKit, the default since
#         Docker 23: the compile step uses a cache mount)
# Run:    docker compose up -d                 (see docker-compose.yml)
#
# Two stages: a throw-away build stage with the compiler and -dev packages, and a
# runtime stage with only the shared libraries the two binaries link against.
#
# Where the runtime stage takes the two binaries from (build argument BINARIES):
#   compile   (default) the build stage below compiles them from the context;
#   prebuilt  the build context named host-build holds them, a Debian 12 build
#             of the same sources (`--build-context host-build=DIR`). The
#             container test (tests/container) uses the tree's own build this
#             way through `scripts/container-build.sh --binaries DIR`, so a
#             fresh machine does not compile everything a second time; the
#             runtime stage, user, healthcheck and compose file are the same.
ARG BINARIES=compile

# ---------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS compile

WORKDIR /src

# setup.sh alone first, so the package layer stays cached while sources change.
# It apt-installs only what is missing and runs apt-get directly as root.
# ccache serves the cache mount below; it does not change the binaries.
COPY scripts/setup.sh scripts/setup.sh
RUN scripts/setup.sh \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ccache \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

# Any change in the context (see .dockerignore) invalidates this layer and the
# compile below. The compiler runs through ccache, whose cache persists between
# builds in a cache mount (BuildKit, or podman/buildah >= 1.24): unchanged sources
# are not compiled again. The cache is keyed by content, so builds of different
# checkouts can share it. The build directory is removed in the same step: the
# layer keeps only the two binaries.
COPY . .
# The context has no .git: the commit --version prints comes from here
# (scripts/container-build.sh passes `git rev-parse HEAD`; "unknown" otherwise).
ARG PB_GIT_COMMIT=unknown
RUN --mount=type=cache,target=/ccache,id=payments-backend-ccache \
    export CCACHE_DIR=/ccache CCACHE_MAXSIZE=2G \
 && ccache --zero-stats >/dev/null \
 && cmake -S . -B /tmp/build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DPB_GIT_COMMIT="$PB_GIT_COMMIT" \
 && cmake --build /tmp/build --target payments-backend paymentsctl -j2 \
 && { ccache --show-stats | grep -Ei 'hits|misses' || true; } \
 && mkdir -p /out \
 && cp /tmp/build/bin/payments-backend /tmp/build/bin/paymentsctl /out/ \
 && rm -rf /tmp/build

# The binaries of a build made outside (BINARIES=prebuilt).
FROM scratch AS prebuilt
COPY --from=host-build payments-backend paymentsctl /out/

FROM ${BINARIES} AS binaries

# ---------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim

# Runtime libraries found with `ldd` of both binaries (libstdc++,
# libgcc and libc are in the base image already; libcurl4 is paymentsctl's S3
# backend); curl is for the healthcheck.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libsimdjson14 libspdlog1.10 libfmt9 libsodium23 libzstd1 libcurl4 curl \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

# Fixed uid/gid so the host's ./data can be chowned to match (10001:10001).
RUN groupadd --system --gid 10001 payments \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin payments \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data

COPY --from=binaries /out/payments-backend /out/paymentsctl /usr/local/bin/

# Fail the build here, not at start-up, if a shared library is missing.
RUN for b in /usr/local/bin/payments-backend /usr/local/bin/paymentsctl; do \
      if ldd "$b" | grep -F 'not found'; then echo "missing library for $b" >&2; exit 1; fi; \
    done

WORKDIR /app
ENV PAYMENTS_DATA_DIR=/app/data
VOLUME /app/data
EXPOSE 8081
USER 10001:10001

# Kept in the image only when built in docker format (podman build --format docker,
# as scripts/container-build.sh does); docker-compose.yml has its own healthcheck.
# The port follows PAYMENTS_LISTEN (default 127.0.0.1:8081).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD listen="${PAYMENTS_LISTEN:-127.0.0.1:8081}"; \
      curl -fsS -o /dev/null "http://127.0.0.1:${listen##*:}/health" || exit 1

# The backend handles SIGTERM itself (writes a checkpoint), so it runs as PID 1.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/payments-backend"]
