# The commands a newcomer uses. Each installs what is missing first.
#   make run    build a release binary and start `heeler serve` on 127.0.0.1:8080
#   make test   build and run every test (unit, integration, sanitizers, fuzz smoke)
#   make build  build the release binary and the web UI (build/release/heeler, ui/dist)
#   make ui     build the web UI only (ui/dist)
#   make bench  benchmarks, printing ratios against the raw engine
#   make fuzz   run every fuzz target for longer

SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 300
DATA_DIR ?= ./data
export CCACHE_DIR ?= $(CURDIR)/.ccache

.PHONY: all setup ui build run test test-release test-asan fuzz fuzz-smoke bench format clean

all: build

setup:
	@scripts/setup.sh

ui: setup
	@scripts/build_ui.sh

build: setup ui
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@echo "built build/release/heeler"

run: build
	@mkdir -p $(DATA_DIR)
	@echo "heeler: serving on http://127.0.0.1:8080 (data in $(DATA_DIR)); Ctrl-C stops it"
	build/release/heeler serve --data-dir $(DATA_DIR) --listen 127.0.0.1:8080

test: setup ui fuzz-smoke test-asan test-release

test-release: ui
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	ctest --preset release

test-asan:
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

fuzz-smoke:
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/fuzz.sh build/fuzz 10

fuzz: setup
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

bench: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@scripts/bench.sh build/release

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
