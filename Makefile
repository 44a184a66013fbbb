# Set-up-to-result targets: `make plan` (the bundled default plan) and `make test` (the test suite).
# Both install Debian's libglpk-dev first when it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# check-launchers: every export of Scripts/check-launchers/plans.txt through the launchers' own parsers
# (a virtual environment .venv-launchers, outside git); writes Tests/Fixtures/launcher-options/.
# MEGATRON_SRC=DIR or MEGATRON_GIT_DIR=DIR for Megatron-LM without cloning; CHECK_LAUNCHERS_OPTIONAL= skips vllm etc.
# torchtitan 0.3.0 runs in its own environment (VENV=DIR, default .venv-torchtitan03).
.PHONY: check-launchers
check-launchers: deps
	Scripts/check-launchers/check.sh
	Scripts/check-launchers/check_torchtitan03.sh

.PHONY: deps plan test test-asan test-tsan validate bench fuzz fuzz-build fuzz-corpus fuzz-libfuzzer fuzz-repro format lint

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

# libFuzzer, in process, over the same model and cluster decoders (Fuzz/PlanFuzz, Fuzz/README.md). The target
# exists only with PLAN_FUZZ set. ASan goes in by -Xswiftc/-Xcc: with two `--sanitize` flags swiftc keeps only the
# last, and SwiftPM orders them differently from run to run (a full rebuild each time). Seeds: the bundled models,
# clusters and Hugging Face configs; findings go to .build-fuzz/artifacts/.
# FUZZ_SECONDS=3600 make fuzz-libfuzzer for longer; FUZZ_INPUT=.build-fuzz/artifacts/crash-… make fuzz-repro.
FUZZ_DIR := .build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_ARGS ?=
fuzz-build: deps
	PLAN_FUZZ=1 swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address \
		--product PlanFuzz --scratch-path $(FUZZ_DIR)

fuzz-corpus:
	mkdir -p $(FUZZ_DIR)/seeds $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	cp models/*.yaml clusters/*.yaml Tests/Fixtures/*.json $(FUZZ_DIR)/seeds/

fuzz-libfuzzer: fuzz-build fuzz-corpus
	$(FUZZ_DIR)/release/PlanFuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_ARGS) $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds

fuzz-repro: fuzz-build
	$(FUZZ_DIR)/release/PlanFuzz -timeout=10 -rss_limit_mb=2048 $(FUZZ_INPUT)

validate: deps
	swift build -c release --product plan
	.build/release/plan validate

bench: deps
	cd Benchmarks && swift build -c release && taskset -c 0 .build/release/PlanBenchmarks

# swift-format with .swift-format (the toolchain's), and the 120-column rule: format rewrites, lint reports.
format:
	Scripts/format.sh

lint:
	Scripts/format.sh --lint
