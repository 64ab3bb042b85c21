#!/bin/sh
# Start or stop a throwaway PostgreSQL cluster for the libpq tests.
#
#   pg_cluster.sh start BASE   create BASE, initialise a cluster in BASE/data,
#                              start it on a Unix socket in BASE/sock, create
#                              database barriersim with scripts/schema.sql,
#                              print the conninfo line on stdout and store it
#                              in BASE/conninfo
#   pg_cluster.sh stop BASE    stop the server of BASE/data, then remove BASE
#
# BASE is an absolute path that does not exist yet, for example one under
# /tmp. The server listens on no TCP address. As root, initdb and the server
# run as the postgres system user (they refuse to run as root), so BASE must
# be reachable by that user: /root is not. Only the server whose data folder
# is BASE/data is ever stopped, and only a BASE created by this script is
# removed. Progress and errors go to stderr, so that
# CONNINFO=$(sh scripts/pg_cluster.sh start /tmp/x) captures the conninfo.
set -eu

PORT_FIRST=55432
PORT_LAST=55531
# sun_path has room for 107 characters and the socket is BASE/sock/.s.PGSQL.NNNNN.
BASE_LENGTH_MAX=80
MARKER=.barriersim-cluster
SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)

usage() {
    echo "usage: $0 start|stop BASE" >&2
    exit 2
}

fail() {
    echo "pg_cluster: $*" >&2
    exit 1
}

# Run a PostgreSQL server program as the postgres user when we are root.
# It runs from / because the caller's folder (often /root) may be closed to
# that user.
as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

find_bindir() {
    bindir=$(pg_config --bindir 2>/dev/null || true)
    if [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ]; then
        echo "$bindir"
        return 0
    fi
    # Debian keeps the server programs out of PATH; take the newest version.
    bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ]; then
        echo "$bindir"
        return 0
    fi
    fail "initdb and pg_ctl not found (pg_config --bindir, /usr/lib/postgresql/*/bin); install the postgresql package"
}

# True when a TCP socket listens on port $1 (IPv4 or IPv6), or the socket
# file for it exists in $2. The server uses only the socket file, but a port
# that is also free on TCP stays safe if the cluster is later put on loopback.
port_in_use() {
    if [ -e "$2/.s.PGSQL.$1" ]; then
        return 0
    fi
    hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v port="$hex" '$4 == "0A" && substr($2, length($2) - 3) == port { found = 1 }
                            END { exit found ? 0 : 1 }'
}

choose_port() {
    port=$PORT_FIRST
    while [ "$port" -le "$PORT_LAST" ]; do
        if ! port_in_use "$port" "$1"; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    fail "no free port in $PORT_FIRST..$PORT_LAST"
}

check_new_base() {
    case "$1" in
        /*) ;;
        *) fail "BASE must be an absolute path, got '$1'" ;;
    esac
    case "$1" in
        *[[:space:]\'\"\\]*) fail "BASE '$1' contains a space, a quote or a backslash; the conninfo line cannot hold it" ;;
    esac
    if [ "${#1}" -gt "$BASE_LENGTH_MAX" ]; then
        fail "BASE '$1' is longer than $BASE_LENGTH_MAX characters; the Unix socket path would not fit"
    fi
    if [ -e "$1" ]; then
        fail "BASE '$1' already exists; stop its cluster with '$0 stop $1' or choose a new path"
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        fail "running as root needs the postgres system user; install the postgresql package"
    fi
}

create_base() {
    mkdir -p "$1/data" "$1/sock"
    : >"$1/$MARKER"
    chmod 755 "$1"
    # Only the server user may reach the socket: the cluster trusts every
    # local connection. Root bypasses this mode.
    chmod 700 "$1/sock" "$1/data"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$1"
        if ! runuser -u postgres -- test -x "$1/data"; then
            fail "the postgres user cannot reach '$1'; choose a BASE under /tmp"
        fi
    fi
}

write_config() {
    cat >>"$1/data/postgresql.conf" <<EOF

# barriersim throwaway cluster: Unix socket only, durability off for speed.
listen_addresses = ''
unix_socket_directories = '$1/sock'
port = $2
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

# Stop the server if it runs and remove BASE; used when start fails.
abandon_start() {
    if [ -s "$1/server.log" ]; then
        echo "pg_cluster: start failed; last lines of $1/server.log:" >&2
        tail -n 20 "$1/server.log" >&2
    fi
    stop_server "$1" || true
    rm -rf "$1"
    exit 1
}

start_cluster() {
    base=$1
    check_new_base "$base"
    bindir=$(find_bindir)
    # From here on BASE is ours: any failure stops its server and removes it.
    trap 'abandon_start "$base"' EXIT
    create_base "$base"
    port=$(choose_port "$base/sock")

    as_server_user "$bindir/initdb" -D "$base/data" -U postgres -A trust -E UTF8 \
        --locale=C --no-sync >"$base/initdb.log" 2>&1 ||
        { cat "$base/initdb.log" >&2; fail "initdb failed in $base/data"; }
    write_config "$base" "$port"
    as_server_user "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 30 \
        start >/dev/null || fail "pg_ctl start failed for $base/data"

    psql_base="$bindir/psql -X -q -v ON_ERROR_STOP=1 -h $base/sock -p $port -U postgres"
    $psql_base -d postgres -c 'CREATE DATABASE barriersim' >/dev/null ||
        fail "could not create database barriersim"
    $psql_base -d barriersim -f "$SCRIPT_DIR/schema.sql" >/dev/null ||
        fail "could not load $SCRIPT_DIR/schema.sql"

    conninfo="host=$base/sock port=$port dbname=barriersim user=postgres"
    echo "$conninfo" >"$base/conninfo"
    trap - EXIT
    echo "$conninfo"
}

# Stop the server of BASE/data, if one runs; pg_ctl finds it by the pid file
# in that folder, so no other server is touched.
stop_server() {
    bindir=$(find_bindir)
    status=0
    as_server_user "$bindir/pg_ctl" -D "$1/data" status >/dev/null 2>&1 || status=$?
    case "$status" in
        0) ;;
        3 | 4) return 0 ;; # no server runs on this folder, or it holds no cluster
        *) echo "pg_cluster: pg_ctl status failed with $status for $1/data" >&2; return 1 ;;
    esac
    as_server_user "$bindir/pg_ctl" -D "$1/data" -m fast -w -t 30 stop >/dev/null
}

stop_cluster() {
    base=$1
    case "$base" in
        /*) ;;
        *) fail "BASE must be an absolute path, got '$base'" ;;
    esac
    if [ ! -e "$base" ]; then
        fail "'$base' does not exist; there is nothing to stop"
    fi
    if [ ! -e "$base/$MARKER" ]; then
        fail "'$base' was not created by pg_cluster.sh start ($MARKER missing); not touching it"
    fi
    stop_server "$base" || fail "pg_ctl stop failed for $base/data; see $base/server.log"
    rm -rf "$base"
}

[ $# -eq 2 ] || usage
case "$1" in
    start) start_cluster "$2" ;;
    stop) stop_cluster "$2" ;;
    *) usage ;;
esac
