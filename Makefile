# Thin wrapper: every target installs what is missing, configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8081
DATA_DIR ?= ./data
# Seconds per fuzz target: `make fuzz` (default 60), and the short run of `make test`.
SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 3

.PHONY: setup configure build run test fuzz bench-api bench bench-remote clean

setup:
	@scripts/setup.sh

configure: setup
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/payments-backend --data-dir $(DATA_DIR) --listen $(LISTEN)

test: build
	scripts/fuzz.sh $(TEST_FUZZ_SECONDS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (fuzz/) built with clang in build-fuzz, each run for SECONDS.
fuzz: setup
	scripts/fuzz.sh $(SECONDS)

bench-api: build
	bench/bench_api.sh $(BUILD)/bin

bench: build
	bench/backup_bench.sh $(BUILD)/bin

bench-remote: build
	bench/remote_bench.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD)
