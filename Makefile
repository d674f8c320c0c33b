# Thin front for CMake. `make` builds, `make test` runs every test, `make demo` runs
# the main job. Each target installs missing Debian packages first (idempotent).
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo golden-update bench format asan tsan clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	@bash scripts/test.sh $(BUILD)

demo: build
	@bash scripts/demo.sh $(BUILD)

golden-update: build
	AWC_GOLDEN_UPDATE=1 ctest --test-dir $(BUILD) -R golden --output-on-failure -j $(JOBS)

bench: build
	cmake --build $(BUILD) -j $(JOBS) --target benchmarks
	@bash scripts/bench.sh $(BUILD)

# Sanitizer builds: runtime and compiler tests under ASan+UBSan and under TSan.
asan:
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_FLAGS="-DAWC_SANITIZE=address,undefined -DAWC_BUILD_BENCH=OFF"
tsan:
	$(MAKE) test BUILD=build-tsan BUILD_TYPE=Debug CMAKE_FLAGS="-DAWC_SANITIZE=thread -DAWC_BUILD_BENCH=OFF"

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

# Coverage-guided fuzzing (docs/fuzzing.md): builds build-fuzz-clang (libFuzzer) and
# build-fuzz-afl (AFL++), runs each target FUZZ_SECONDS (default 60) from fuzz/corpus/.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) bash scripts/fuzz.sh
