#!/bin/sh
# The test command: install what is missing, check the build with gcc and
# clang and the determinism lint, then run every test. Ends with the line
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

# make test starts a throwaway PostgreSQL cluster for the libpq tests
# (tests/with_pg.sh) unless BARRIERSIM_PG_CONNINFO names a server.
PRECHECKS=$prechecks make -s -j2 test
