#!/bin/sh
# Run every test binary given as an argument and the shell tests, then
# print the totals as "N passed, N failed". Exits 1 when a test failed.
# PRECHECKS may name a file of "ok - ..." / "not ok - ..." lines from checks
# run before (lint, compiler builds); they count like tests.
set -u

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if [ -n "${PRECHECKS:-}" ] && [ -f "$PRECHECKS" ]; then
    echo "== checks"
    cat "$PRECHECKS"
    passed=$((passed + $(grep -c '^ok ' "$PRECHECKS")))
    failed=$((failed + $(grep -c '^not ok ' "$PRECHECKS")))
fi

for binary in "$@"; do
    echo "== $binary"
    "$binary" >"$log" 2>&1
    status=$?
    cat "$log"
    ok=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    bad=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    ok=${ok:-0}
    bad=${bad:-0}
    # A crash prints no summary: count it as one failure so it cannot pass.
    if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
        echo "$binary exited with status $status without a cmocka summary"
        bad=1
    fi
    passed=$((passed + ok))
    failed=$((failed + bad))
done

# Each shell test prints "ok N - ..." or "not ok N - ..." per check and a
# last line ending in "tests done"; without that line it stopped early.
for script in tests/test_*.sh; do
    echo "== $script"
    sh "$script" >"$log" 2>&1
    cat "$log"
    ok=$(grep -c '^ok ' "$log")
    bad=$(grep -c '^not ok ' "$log")
    if ! tail -n 1 "$log" | grep -q 'tests done$'; then
        echo "$script stopped early"
        bad=$((bad + 1))
    fi
    passed=$((passed + ok))
    failed=$((failed + bad))
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
