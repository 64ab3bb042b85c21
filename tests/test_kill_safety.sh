#!/bin/sh
# Kill-safety of the managed server: confirm starts its own PostgreSQL and
# PgBouncer (server/pg_server.c); kill it with SIGKILL or SIGINT after a
# delay drawn from a fixed seed, at any moment of the start or of the runs,
# then start once more. After that start nothing of the killed runs may be
# left: no /tmp/barriersim-managed.* folder of theirs, no process working in
# one (initdb, pg_ctl, postgres, pgbouncer), no child of their postmaster.
#
# Each round of ROUNDS is SIGNAL:SEED. The delay is 100 ms plus
# SEED * 7919 mod 2600 ms: the start takes about 1.5 s, so the delays fall
# before, during and after it. KILL_SAFETY_ROUNDS=N runs the first N rounds
# (default 2, about 8 s in all); a soak runs all of them.
#
# Prints "ok N - ..." or "not ok N - ..." per check, then "kill safety tests
# done".
set -u

BIN=${BIN:-bin/barriersim}
ROUNDS="KILL:11 INT:23 KILL:37 INT:41 KILL:53 KILL:67 INT:79 KILL:97"
round_max=${KILL_SAFETY_ROUNDS:-2}
work=$(mktemp -d)

# A run this test started must never outlive it, even when a check fails.
finish() {
    if [ -s "$work/pid" ] && kill -0 "$(cat "$work/pid")" 2>/dev/null; then
        kill -INT "$(cat "$work/pid")"
    fi
    rm -rf "$work"
}
trap finish EXIT

. "$(dirname "$0")/check.sh"

# Folders that belong to pid: their owner file names it, or (a start killed
# before writing it) they have none and were not there before the round.
folders_of() {
    for candidate in /tmp/barriersim-managed.*; do
        [ -d "$candidate" ] || continue
        if grep -q "^pid=$1 " "$candidate/owner" 2>/dev/null; then
            echo "$candidate"
        elif [ ! -e "$candidate/owner" ] && ! grep -qx "$candidate" "$work/before"; then
            echo "$candidate"
        fi
    done
}

# Pids of the processes whose command line names a path inside folder, and
# of the children of its postmaster (whose command lines do not).
processes_of() {
    proc_postmaster=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null)
    # sh has no local variables: these names are used nowhere else.
    for proc in /proc/[0-9]*; do
        proc_pid=${proc#/proc/}
        proc_command=$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline")
        case "$proc_command" in
        *"$1/"*)
            echo "$proc_pid"
            continue
            ;;
        esac
        if [ -n "$proc_postmaster" ] &&
            [ "$(awk '{print $4}' "$proc/stat" 2>/dev/null)" = "$proc_postmaster" ]; then
            echo "$proc_pid"
        fi
    done
}

: >"$work/folders"
: >"$work/pids"
round=0
for entry in $ROUNDS; do
    round=$((round + 1))
    [ "$round" -le "$round_max" ] || break
    signal=${entry%%:*}
    seed=${entry#*:}
    delay_ms=$((100 + seed * 7919 % 2600))

    ls -d /tmp/barriersim-managed.* >"$work/before" 2>/dev/null
    # exec: $! must be barriersim itself, not a shell that waits for it. A
    # background job starts with SIGINT ignored, unlike a program that gets
    # Ctrl-C in a terminal, so env restores the default first.
    (
        unset BARRIERSIM_PG_CONNINFO
        exec env --default-signal=INT "$BIN" confirm --policy blind --seeds 1..100000 \
            >"$work/run$round.txt" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$work/pid"
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"

    # Record what the run has now, before the signal ends it.
    folders_of "$pid" >"$work/round_folders"
    for folder in $(cat "$work/round_folders"); do
        processes_of "$folder" >>"$work/pids"
    done
    kill -s "$signal" "$pid"
    wait "$pid"
    status=$?
    : >"$work/pid"
    # A SIGINT that arrives while the server starts can be acted on only
    # after the start, so the folder may appear late: look again.
    folders_of "$pid" >>"$work/round_folders"
    sort -u "$work/round_folders" >>"$work/folders"
    echo "round $round: SIG$signal after $delay_ms ms, exit status $status," \
        "folders: $(sort -u "$work/round_folders" | tr '\n' ' ')"
        # 128 + the signal: barriersim itself died of it (SIGINT re-raises it).
    case "$signal" in
    KILL) expected=137 ;;
    *) expected=130 ;;
    esac
    check "$([ "$status" -eq "$expected" ]; echo $?)" \
        "SIG$signal after $delay_ms ms (seed $seed) ends confirm with status $expected"
done

# The next start cleans up whatever the killed runs left.
(
    unset BARRIERSIM_PG_CONNINFO
    exec "$BIN" confirm --policy blind --seeds 1..1 >"$work/next.txt" 2>&1
)
next_status=$?
if [ "$next_status" -ne 0 ]; then
    cat "$work/next.txt"
fi
check "$next_status" "the next confirm starts, runs and stops its own server"

left=""
for folder in $(sort -u "$work/folders"); do
    if [ -e "$folder" ]; then
        left="$left $folder"
    fi
done
check "$([ -z "$left" ]; echo $?)" "no folder of the killed runs is left:${left:- none}"

running=""
for pid in $(sort -u "$work/pids"); do
    if [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
        running="$running $pid($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-60))"
    fi
done
strays=""
for folder in $(sort -u "$work/folders"); do
    strays="$strays$(processes_of "$folder" | tr '\n' ' ')"
done
check "$([ -z "$running$strays" ]; echo $?)" \
    "no process of the killed runs is left:${running}${strays:- none}"

echo "kill safety tests done"
