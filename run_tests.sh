#!/bin/sh
# The test command: install what is missing, check the build with gcc and
# clang, the determinism lint and core/'s coverage, then run every test. Ends with the line
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

# Line and branch coverage of core/ under its thresholds (make coverage runs
# the suite once more, instrumented, with its own PostgreSQL cluster).
if make -s coverage >build/coverage.log 2>&1; then
    echo "ok - make coverage: $(grep '^core/ lines' build/coverage.log | tr -s ' '), $(grep '^core/ branches' build/coverage.log | tr -s ' ')" >>"$prechecks"
else
    tail -n 40 build/coverage.log
    echo "not ok - make coverage (build/coverage.log)" >>"$prechecks"
fi

# make test starts a throwaway PostgreSQL cluster for the libpq tests
# (tests/with_pg.sh) unless BARRIERSIM_PG_CONNINFO names a server.
PRECHECKS=$prechecks make -s -j2 test
