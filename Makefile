# Thin wrapper: every target installs what is missing, configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8081
DATA_DIR ?= ./data
# make torture: backend kills at most, seconds at most, seed (printed by every run).
ITER ?= 1000
SECONDS ?= 3600
SEED ?= 20261124

.PHONY: setup configure build run test torture bench-api bench bench-remote clean

setup:
	@scripts/setup.sh

configure: setup
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/payments-backend --data-dir $(DATA_DIR) --listen $(LISTEN)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

torture: build
	$(BUILD)/bin/torture --iterations $(ITER) --seconds $(SECONDS) --seed $(SEED)

bench-api: build
	bench/bench_api.sh $(BUILD)/bin

bench: build
	bench/backup_bench.sh $(BUILD)/bin

bench-remote: build
	bench/remote_bench.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD)
