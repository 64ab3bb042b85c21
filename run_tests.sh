#!/bin/sh
# The test command: install what is missing, check the build with gcc and
# clang, the determinism lint, the same trace hashes from four builds,
# core/'s coverage and the suite under the sanitizers, then run every test
# (the fuzz corpus replay among them). Ends with the line
# "N passed, N failed"; exits 1 when anything failed.
set -u
cd "$(dirname "$0")"

sh scripts/install-deps.sh || exit 1
mkdir -p build
prechecks=build/prechecks.txt
: >"$prechecks"

if make -s lint; then
    echo "ok - determinism lint" >>"$prechecks"
else
    echo "not ok - determinism lint" >>"$prechecks"
fi
if make -s -j2 compilers >build/compilers.log 2>&1; then
    echo "ok - warning-free build with gcc and clang" >>"$prechecks"
else
    cat build/compilers.log
    echo "not ok - warning-free build with gcc and clang" >>"$prechecks"
fi

# The same trace hashes from gcc and clang at -O0 and -O2 (reuses the -O2
# builds of make compilers).
if make -s -j2 determinism >build/determinism.log 2>&1; then
    echo "ok - determinism across builds: gcc and clang at -O0 and -O2, 10,000 seeds x 4 policies, $(grep -m1 'all digest=' build/determinism.log | sed 's/.*: //')" >>"$prechecks"
else
    tail -n 40 build/determinism.log
    echo "not ok - determinism across builds (build/determinism.log)" >>"$prechecks"
fi

# Line and branch coverage of core/ under its thresholds (make coverage runs
# the suite once more, instrumented, with its own PostgreSQL cluster).
if make -s coverage >build/coverage.log 2>&1; then
    echo "ok - make coverage: $(grep '^core/ lines' build/coverage.log | tr -s ' '), $(grep '^core/ branches' build/coverage.log | tr -s ' ')" >>"$prechecks"
else
    tail -n 40 build/coverage.log
    echo "not ok - make coverage (build/coverage.log)" >>"$prechecks"
fi

# Every test again under AddressSanitizer and UndefinedBehaviorSanitizer,
# then replay and run under valgrind memcheck (make sanitize, about 4 min).
if make -s -j2 sanitize >build/sanitize.log 2>&1; then
    echo "ok - make sanitize: $(grep -E '^[0-9]+ passed, 0 failed$' build/sanitize.log | tail -n 1) under ASan and UBSan, $(grep -c '^ok - memcheck clean' build/sanitize.log) commands memcheck-clean, $(grep -c '^ok - .* reports the planted' build/sanitize.log) planted bugs caught" >>"$prechecks"
else
    grep -E '^not ok|make sanitize|ERROR: |runtime error' build/sanitize.log | head -n 40
    echo "not ok - make sanitize (build/sanitize.log)" >>"$prechecks"
fi

# make test starts a throwaway PostgreSQL cluster for the libpq tests
# (tests/with_pg.sh) unless BARRIERSIM_PG_CONNINFO names a server.
PRECHECKS=$prechecks make -s -j2 test
