#!/usr/bin/env bash
# make check-launchers: every export of the plan set in plans.txt through its launcher's own parser and
# validation (check.py), in a virtual environment .venv-launchers (outside git) with the launchers from PyPI,
# and Megatron-LM's megatron/ from the repository snapshot named in MEGATRON_COMMIT. Writes the option lists
# the parsers accept to Tests/Fixtures/launcher-options/, which LaunchersTests checks exports against offline.
# MEGATRON_SRC=DIR points at a Megatron-LM checkout (default: fetched with git into .build/megatron-lm).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/Scripts/check-launchers"
VENV="$ROOT/.venv-launchers"
MEGATRON_COMMIT=d98e8a64ddf34856e74b24714e3bedb2f5a39553
MEGATRON_SRC="${MEGATRON_SRC:-$ROOT/.build/megatron-lm}"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi
# torch from PIP_FIND_LINKS (a CPU wheel) when set; triton only because Megatron-Core imports it at module level.
"$VENV/bin/pip" install -q "torch==2.13.0+cpu" 2>/dev/null || "$VENV/bin/pip" install -q torch
"$VENV/bin/pip" install -q deepspeed==0.19.8 torchtitan==0.2.2 triton einops
# horovodrun's runner from horovod's sdist (pure Python; building horovod itself needs MPI/NCCL and a compiler).
HOROVOD_SRC="$ROOT/.build/horovod-0.28.1"
if [ ! -d "$HOROVOD_SRC/horovod" ]; then
    "$VENV/bin/pip" install -q cloudpickle psutil pyyaml
    "$VENV/bin/pip" download -q horovod==0.28.1 --no-deps --no-binary :all: -d "$ROOT/.build" &&
        tar -xzf "$ROOT/.build/horovod-0.28.1.tar.gz" -C "$ROOT/.build" ||
        echo "note: horovod 0.28.1's sdist did not download; horovodrun is not checked"
fi
for optional in ${CHECK_LAUNCHERS_OPTIONAL-tensorflow-cpu==2.21.0}; do
    if ! timeout 300 "$VENV/bin/pip" install -q "$optional" >/dev/null 2>&1; then
        echo "note: $optional did not install within 5 minutes here; its exports are not checked"
    fi
done

# megatron/ at MEGATRON_COMMIT: from MEGATRON_GIT_DIR (a clone or bare mirror) by git archive, else cloned.
if [ ! -d "$MEGATRON_SRC/megatron" ]; then
    mkdir -p "$MEGATRON_SRC"
    if [ -n "${MEGATRON_GIT_DIR:-}" ]; then
        git --git-dir="$MEGATRON_GIT_DIR" archive "$MEGATRON_COMMIT" megatron | tar -x -C "$MEGATRON_SRC"
    else
        git clone -q --filter=blob:none https://github.com/NVIDIA/Megatron-LM "$MEGATRON_SRC/clone"
        git -C "$MEGATRON_SRC/clone" archive "$MEGATRON_COMMIT" megatron | tar -x -C "$MEGATRON_SRC"
    fi
fi

(cd "$ROOT" && swift build --product plan >/dev/null)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
grep -v '^#' "$HERE/plans.txt" | while read -r name arguments; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    "$ROOT/.build/debug/plan" $arguments --out "$WORK/$name.json"
    mkdir -p "$WORK/$name"
    for format in megatron deepspeed torchtitan horovod tensorflow vllm; do
        # A refusal (the export says why it cannot launch the plan as predicted) is recorded, not fatal.
        "$ROOT/.build/debug/plan" export --to "$format" --out-dir "$WORK/$name/$format" "$WORK/$name.json" \
            2>"$WORK/$name/$format.refused" || true
    done
done
status=0
PYTHONPATH="$MEGATRON_SRC:$HOROVOD_SRC:$HERE/stubs" HOROVOD_VERSION=0.28.1 MEGATRON_COMMIT="$MEGATRON_COMMIT" \
    "$VENV/bin/python" "$HERE/check.py" "$WORK" "$ROOT/Tests/Fixtures/launcher-options" || status=1

# vLLM 0.33.0 in its own environment: the wheel without its dependencies (they pin CUDA torch 2.14), torch CPU
# and the pure-Python packages its argument parser imports; VLLM_TARGET_DEVICE=cpu for its platform check.
VLLM_VENV="$ROOT/.venv-launchers-vllm"
if [ ! -x "$VLLM_VENV/bin/python" ]; then
    python3 -m venv "$VLLM_VENV"
    "$VLLM_VENV/bin/pip" install -q --upgrade pip
fi
VLLM_PIP="$VLLM_VENV/bin/pip"
if "$VLLM_PIP" install -q "torch==2.13.0+cpu" 2>/dev/null && "$VLLM_PIP" install -q --no-deps vllm==0.33.0 &&
    "$VLLM_PIP" install -q numpy packaging pydantic regex cbor2 psutil pyzmq urllib3 "transformers>=5.16.1,<5.21" \
        aiohttp requests openai-harmony openai msgspec cloudpickle pillow pybase64 cachetools uvloop py-cpuinfo \
        fastapi prometheus_client partial-json-parser xgrammar llguidance 2>/dev/null; then
    VLLM_TARGET_DEVICE=cpu "$VLLM_VENV/bin/python" "$HERE/check_vllm.py" "$WORK" \
        "$ROOT/Tests/Fixtures/launcher-options" 2>/dev/null || status=1
else
    echo "note: vllm 0.33.0 and its parser's dependencies did not install here; vLLM exports are not checked"
fi
exit $status
