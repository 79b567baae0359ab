# Thin wrapper: every target installs what is missing, configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8081
DATA_DIR ?= ./data
# make torture: backend kills at most, seconds at most (SECONDS, default 3600), seed
# (printed by every run).
ITER ?= 1000
SEED ?= 20261124
# make fuzz: seconds per target (SECONDS, default 60); make test runs each for
# 3 s as the ctest entry "fuzz" (tests/CMakeLists.txt).
# ctest runs TEST_JOBS tests at once: twice the cores, because most tests wait on
# servers, fsync and child processes rather than compute (a whole ctest -j2 run
# took 640 CPU-seconds, user and sys, over 1038 s of wall time).
TEST_JOBS ?= $(shell echo $$((2 * $$(nproc))))

.PHONY: setup configure build run test torture fuzz bench-api bench bench-remote bench-report clean

setup:
	@scripts/setup.sh

# ccache (installed by setup) makes a second clone on the same machine compile
# from cache: paths under this checkout are hashed relative to it, and the
# working directory is left out of the hash.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

# Ninja (installed by setup) when present: it starts a program's files before
# the libraries it links are done, which keeps both cores busy in a cold build.
configure: setup
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  $(if $(shell command -v ninja),-G Ninja) \
	  $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/payments-backend --data-dir $(DATA_DIR) --listen $(LISTEN)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

torture: build
	$(BUILD)/bin/torture --iterations $(ITER) --seconds $(or $(SECONDS),3600) --seed $(SEED)

# libFuzzer targets (fuzz/) built with clang in build-fuzz, each run for SECONDS.
fuzz: setup
	scripts/fuzz.sh $(or $(SECONDS),60)

bench-api: build
	bench/bench_api.sh $(BUILD)/bin

bench: build
	bench/backup_bench.sh $(BUILD)/bin

bench-remote: build
	bench/remote_bench.sh $(BUILD)/bin

# docs/benchmarks.md from make bench, make bench-api, the torture, the fault suite and the fuzzers.
bench-report: build
	scripts/bench-report.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD)
