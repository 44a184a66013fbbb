#!/usr/bin/env bash
# Runs a fixed set of commands with two `plan` binaries and diffs what they print, ignoring wall
# times. Used across refactoring commits: the plan JSON, the validation reports and every export
# must stay byte-identical.
#   Scripts/compare-outputs.sh OLD_PLAN NEW_PLAN     (run from the checkout's root)
set -uo pipefail
old=$1 new=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
commands=(
  "train"
  "train --format table"
  "train --model mixtral-8x7b --cluster dgx-h100-64 --global-batch 256 --precision bf16,fp8"
  "train --model llama3-8b --cluster dgx-h100-8 --global-batch 64"
  "evaluate --model llama3-70b --cluster dgx-h100-64 --global-batch 128 --tp 4 --pp 4 --dp 4 --mbs 1 --vpp 2 --recompute full"
  "validate --format json"
  "validate --serving --format json"
  "infer"
  "infer --format table"
  "compare --model llama3-8b --cluster dgx-h100-8,dgx-a100-8 --global-batch 64 --format json"
  "sweep --model llama3-8b --cluster dgx-h100-64 --format json"
)
status=0
for i in "${!commands[@]}"; do
  read -r -a args <<<"${commands[$i]}"
  "$old" "${args[@]}" 2>&1 | sed -E 's/"wallSeconds" : [0-9.e+-]+/"wallSeconds" : W/; s/((integer programs|MILPs), )[0-9.e+-]+ s/\1W s/' >"$work/old.$i"
  "$new" "${args[@]}" 2>&1 | sed -E 's/"wallSeconds" : [0-9.e+-]+/"wallSeconds" : W/; s/((integer programs|MILPs), )[0-9.e+-]+ s/\1W s/' >"$work/new.$i"
  if cmp -s "$work/old.$i" "$work/new.$i"; then echo "same      plan ${commands[$i]}"; else echo "DIFFERENT plan ${commands[$i]}"; diff "$work/old.$i" "$work/new.$i" | head -20; status=1; fi
done
"$old" train --out "$work/plan.json" 2>/dev/null
"$old" infer --out "$work/infer.json" 2>/dev/null
for format in megatron deepspeed torchtitan horovod tensorflow vllm; do
  input=$work/plan.json
  [ "$format" = vllm ] && input=$work/infer.json
  "$old" export --to $format "$input" >"$work/old.$format" 2>&1
  "$new" export --to $format "$input" >"$work/new.$format" 2>&1
  if cmp -s "$work/old.$format" "$work/new.$format"; then echo "same      plan export --to $format"; else echo "DIFFERENT plan export --to $format"; diff "$work/old.$format" "$work/new.$format" | head -20; status=1; fi
done
exit $status
