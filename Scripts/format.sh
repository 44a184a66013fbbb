#!/usr/bin/env bash
# Formats every Swift file of the package with the toolchain's swift-format and .swift-format, or
# with --lint only reports what it would change (exit status 1 when something would), and checks
# that no line is longer than 120 characters.
#   Scripts/format.sh          format in place
#   Scripts/format.sh --lint   report only
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.swift' 'Package.swift' | sort -u)
if [ "${1:-}" = "--lint" ]; then
  swift format lint --strict --configuration .swift-format "${files[@]}"
else
  swift format format --in-place --configuration .swift-format "${files[@]}"
fi
long=$(awk 'length > 120 { printf "%s:%d: %d characters\n", FILENAME, FNR, length }' "${files[@]}")
if [ -n "$long" ]; then
  echo "$long"
  echo "lines longer than 120 characters: $(echo "$long" | wc -l)"
  exit 1
fi
