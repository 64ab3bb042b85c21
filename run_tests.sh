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

# The libpq tests need a real server: start a throwaway cluster on a Unix
# socket unless the caller named one, and stop it on exit.
if [ -z "${BARRIERSIM_PG_CONNINFO:-}" ]; then
    pg_base=/tmp/barriersim-pg.$$
    if BARRIERSIM_PG_CONNINFO=$(sh scripts/pg_cluster.sh start "$pg_base"); then
        export BARRIERSIM_PG_CONNINFO
        trap 'sh scripts/pg_cluster.sh stop "$pg_base"' EXIT
        echo "ok - start a throwaway PostgreSQL cluster" >>"$prechecks"
    else
        echo "not ok - start a throwaway PostgreSQL cluster" >>"$prechecks"
    fi
fi

PRECHECKS=$prechecks make -s -j2 test
