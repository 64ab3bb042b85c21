#!/bin/sh
# Run a command with BARRIERSIM_PG_CONNINFO set: the caller's own server
# when it is set already, otherwise a throwaway cluster on a Unix socket
# under /tmp that is started here and stopped when the command ends.
# When PRECHECKS names a file, the start is recorded there as a check.
set -u

if [ -n "${BARRIERSIM_PG_CONNINFO:-}" ]; then
    exec "$@"
fi

record() {
    if [ -n "${PRECHECKS:-}" ]; then
        echo "$1 - start a throwaway PostgreSQL cluster" >>"$PRECHECKS"
    fi
}

pg_base=/tmp/barriersim-pg.$$
if ! BARRIERSIM_PG_CONNINFO=$(sh scripts/pg_cluster.sh start "$pg_base"); then
    # The libpq tests then fail with a message saying the server is missing.
    record "not ok"
    exec "$@"
fi
export BARRIERSIM_PG_CONNINFO
trap 'sh scripts/pg_cluster.sh stop "$pg_base"' EXIT INT TERM
record "ok"

"$@"
