# Set-up-to-result targets: `make plan` (the bundled default plan) and `make test` (the test suite).
# Both install Debian's libglpk-dev first when it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps plan test test-asan test-tsan validate bench fuzz

deps:
	@dpkg -s libglpk-dev >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libglpk-dev; }

plan: deps
	swift build -c release --product plan
	.build/release/plan train --format table

test: deps
	swift build --build-tests
	swift test --skip-build

# Sanitizer runs (not run by CI every time).
# Leaks inside ArgumentParser and XCTest (kept until exit) are suppressed: Tests/lsan.supp.
test-asan: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan.supp swift test --sanitize=address --scratch-path .build-asan

test-tsan: deps
	swift test --sanitize=thread --scratch-path .build-tsan

# Seeded mutation fuzzing of the model and cluster loaders through the release binary; findings
# go to Fuzz/crashes/ (Fuzz/README.md). FUZZ_SEED=2 FUZZ_MINUTES=30 make fuzz for another run.
FUZZ_SEED ?= 1
FUZZ_MINUTES ?= 10
fuzz: deps
	swift build -c release --product plan
	python3 Fuzz/fuzz.py --seed $(FUZZ_SEED) --minutes $(FUZZ_MINUTES)

validate: deps
	swift build -c release --product plan
	.build/release/plan validate

bench: deps
	cd Benchmarks && swift build -c release && taskset -c 0 .build/release/PlanBenchmarks
