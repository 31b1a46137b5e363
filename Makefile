# Sluice: the two README commands (`make demo`, `make test`) and the rest of the developer loop.
# Every target that needs packages or servers installs and starts them itself.

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
CMAKE_FLAGS    ?=
JOBS           ?= $(shell nproc)
# Tests spend most of their time waiting on the servers and on the sluice processes they start,
# so twice as many run at once as there are cores (4 on 2 cores: 157 s against 199 s at 2).
TEST_JOBS      ?= $(shell echo $$(( $(JOBS) * 2 )))
SERVICES_ENV    = eval "$$(scripts/services up)"
# Nothing run from here asks a cloud metadata address for credentials (tests, demo, bench).
export AWS_EC2_METADATA_DISABLED = true

.PHONY: all deps build build-asan services services-down test test-unit test-asan demo bench cases \
        format format-check fuzz clean docs reliability

all: build

deps:
	scripts/deps

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

services: deps
	scripts/services up >/dev/null

services-down:
	scripts/services down

# Everything: format check, the optimised build's unit, integration, conformance, fault and
# packaging tests, then the unit and integration tests (fuzz replays included) again under ASan
# and UBSan. scripts/test compiles the ASan build, niced, while the first tests run.
test: format-check build services
	BUILD_DIR=$(BUILD_DIR) ASAN_BUILD_DIR=$(ASAN_BUILD_DIR) JOBS=$(JOBS) TEST_JOBS=$(TEST_JOBS) \
	  scripts/test

test-unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L unit

demo: build services
	$(SERVICES_ENV) && scripts/demo

bench: build services
	$(SERVICES_ENV) && bench/run

# The fault scenarios of tests/faults at full size (docs/reliability.md): logins SQS with real and
# proxy restarts and kills; logins file source, 1M lines, 5 kills and a real restart; warehouse 1M
# rows; report S3 multipart faults and a MariaDB cut; lake rebuild faults; HTTP abuse. Each prints
# a `figures:` line, also kept in $(BUILD_DIR)/reliability-figures.txt.
reliability: build services
	$(SERVICES_ENV) && SLUICE_REQUIRE_SERVICES=1 SLUICE_FAULTS_LONG=1 \
	  SLUICE_FAULTS_FIGURES=$(CURDIR)/$(BUILD_DIR)/reliability-figures.txt \
	  $(BUILD_DIR)/tests/faults/fault_tests

# The multi-threaded tests under ThreadSanitizer, in build-tsan (scripts/tsan says which); the
# race count is in docs/reliability.md. Not in `make test`: too slow for CI's time budget.
.PHONY: tsan
tsan: deps services
	$(SERVICES_ENV) && JOBS=$(JOBS) scripts/tsan

# The inputs users reported as failing (../shared/cases), run as they were reported.
cases: build services
	$(SERVICES_ENV) && scripts/cases

# The reference pages generated from the code (docs/components, the environment table).
docs: build
	scripts/docs $(BUILD_DIR)/sluice

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.cc' '*.h')

format-check: deps
	clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')

# Coverage-guided fuzzing of the parsers with libFuzzer (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz
