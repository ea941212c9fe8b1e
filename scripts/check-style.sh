#!/usr/bin/env bash
# Static checks run with the tests: cppcheck, a banned-function list (as
# curl's checksrc does), and clang-format conformance.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null || find src tests -name '*.[ch]')
status=0

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
  --inline-suppr --std=c11 -D_GNU_SOURCE $(printf -- '-I %s ' src/*/) \
  --suppress=missingIncludeSystem src || status=1

echo "== banned functions"
# atoi/atof/strtol-less parsing hides garbage; sprintf/strcat/strcpy overflow; strtok is not reentrant.
if grep -nE '\b(atoi|atol|atof|sprintf|vsprintf|strcat|strcpy|strtok)\s*\(' "${files[@]}"; then
  echo "check-style: banned function used (see above); use parseLong/parseDouble, snprintf, strtok_r" >&2
  status=1
fi

echo "== clang-format"
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/geyser-format.$$; then
  head -40 /tmp/geyser-format.$$ >&2
  echo "check-style: run 'clang-format -i' on the files above" >&2
  status=1
fi
rm -f /tmp/geyser-format.$$
exit $status
