#!/usr/bin/env bash
# `plan export --to torchtitan-0.3` through torchtitan 0.3.0's own ConfigManager (check_torchtitan03.py), in a
# virtual environment of its own (VENV, default .venv-torchtitan03: 0.2.2 lives in .venv-launchers). Each
# plan's launch.sh runs with torchrun replaced by the parser; writes
# Tests/Fixtures/launcher-options/torchtitan-0.3.0.txt, which LaunchersTests checks exports against offline.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/Scripts/check-launchers"
VENV="${VENV:-$ROOT/.venv-torchtitan03}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "torch==2.13.0+cpu" 2>/dev/null || "$VENV/bin/pip" install -q torch
    "$VENV/bin/pip" install -q torchtitan==0.3.0
fi
(cd "$ROOT" && swift build --product plan >/dev/null)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$VENV/bin/python" "$HERE/check_torchtitan03.py" options "$ROOT/Tests/Fixtures/launcher-options/torchtitan-0.3.0.txt"
status=0
while read -r name arguments; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    "$ROOT/.build/debug/plan" $arguments --out "$WORK/$name.json"
    if ! "$ROOT/.build/debug/plan" export --to torchtitan-0.3 --out-dir "$WORK/$name" "$WORK/$name.json" \
        2>"$WORK/$name.refused"; then
        echo "$name: refused: $(cat "$WORK/$name.refused")"
        continue
    fi
    # torchrun stand-in: the words after `-m torchtitan.train` go to 0.3.0's ConfigManager.
    torchrun() {
        while [ "$1" != "-m" ]; do shift; done
        shift 2
        "$VENV/bin/python" "$HERE/check_torchtitan03.py" parse "$@"
    }
    export -f torchrun
    export VENV HERE
    if ! (cd "$WORK" && NODE_RANK=0 bash -c "source '$WORK/$name/launch.sh'" 2>"$WORK/$name.err" |
        sed "s/^/$name: /"); then
        if grep -q "registers no flavor" "$WORK/$name/launch.sh"; then
            # A model 0.3.0 has no config function for: the script says so, and the job stops at start-up.
            echo "$name: stops at start-up as its script says: $(grep -E 'Error' "$WORK/$name.err" | tail -1)"
            continue
        fi
        echo "$name: torchtitan 0.3.0 refused the launch line:"
        tail -5 "$WORK/$name.err"
        status=1
    fi
done < <(grep -v '^#' "$HERE/plans.txt" | grep -v ' infer ')
exit $status
