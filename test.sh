#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run every test:
# the static checks, then the whole suite plain and under AddressSanitizer +
# UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/check-style.sh
jobs=$(nproc)
for flavour in plain sanitize; do
  dir=$(scripts/build.sh "$flavour")
  echo "== tests ($flavour)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
