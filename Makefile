# Thin wrapper: the real build is CMake (see CMakeLists.txt).
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-release test-sanitize test-tsan bench fuzz-build fuzz-smoke image-test clean

all: build

deps:
	./deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# The demo: private redis-server, upstream-stub and foilcache on loopback; Ctrl-C stops all.
# Builds only the two programs it runs (tests and benchmarks are built by `make test`/`bench`).
run: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target foilcache upstream-stub
	./deploy/run-demo.sh $(BUILD)

# Unit and integration tests, in Release (unity build) and then under ASan+UBSan with each
# file compiled on its own (so a missing include cannot hide in a batch).
test: test-release test-sanitize

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

test-sanitize: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DFOILCACHE_SANITIZE=ON -DFOILCACHE_BUILD_BENCH=OFF -DFOILCACHE_UNITY=OFF >/dev/null
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j$(JOBS) --timeout 900

# ThreadSanitizer: the whole suite, no suppressions. Not part of `make test` (CI time).
test-tsan: deps
	cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOILCACHE_TSAN=ON -DFOILCACHE_BUILD_BENCH=OFF >/dev/null
	cmake --build $(BUILD)-tsan -j$(JOBS)
	cd $(BUILD)-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j$(JOBS) --timeout 900

bench: build
	./bench/run-anchors.sh $(BUILD)

# The libFuzzer targets (fuzz/, docs/HARDENING.md "Fuzzing"): clang-16 with ASan+UBSan, in a
# build directory of their own; the GCC build above is untouched.
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 30

fuzz-build: deps
	CC=clang-16 CXX=clang++-16 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOILCACHE_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers

# Every target for FUZZ_SECONDS on a copy of its seed corpus; fails on any crash, leak,
# undefined behaviour or hang.
fuzz-smoke: fuzz-build
	./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The image and the compose topology, built and run for real (deploy/image-test.sh, then
# deploy/compose-test.sh): installs a container engine (podman where no Docker engine
# answers), builds deploy/docker/Dockerfile, runs it and tears everything down (~8 minutes
# on 2 cores). Builds in its own image store: the build directories above are untouched.
image-test:
	./deploy/image-test.sh

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz
