#!/bin/sh
# End-to-end tests of the command line. Prints one "ok N - name" or
# "not ok N - name" line per check, then "cli tests done".
set -u

BIN=${BIN:-bin/barriersim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count=0

check() {
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $count - $2"
    else
        echo "not ok $count - $2"
    fi
}

# A sweep with violations exits 1, prints the table and writes the JSON.
"$BIN" run --policy all --seeds 1..300 --json "$work/sweep.json" >"$work/sweep.txt" 2>&1
check $([ $? -eq 1 ]; echo $?) "sweep with violations exits 1"
grep -q '^phase-split ' "$work/sweep.txt"
check $? "table lists phase-split"
python3 - "$work/sweep.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == 1, doc["schema"]
policies = doc["policies"]
assert set(policies) == {"no-retry", "blind", "reused-guard", "phase-split-late", "phase-split"}
for name, entry in policies.items():
    assert entry["runs"] == 300, (name, entry["runs"])
    assert set(entry["violations"]) >= {"S1", "S2", "S3", "S4", "S5", "S8", "S10", "S11", "L1", "L5"}
assert sum(policies["phase-split"]["violations"].values()) == 0
assert policies["blind"]["violations"]["S4"] > 0
assert "S4" in policies["blind"]["first_failing_seed"]
PY
check $? "JSON summary has schema 1 and per-policy counts"

# The printed replay command reproduces its violation with a stable hash.
replay=$(grep -E '^  blind +S4 ' "$work/sweep.txt" | head -n 1 | sed 's/^  blind *S4 *//')
[ -n "$replay" ]
check $? "sweep prints a replay command for blind S4"
sh -c "$replay" >"$work/replay1.txt" 2>&1
first=$?
sh -c "$replay" >"$work/replay2.txt" 2>&1
check $([ $first -eq 1 ]; echo $?) "replay of a failing seed exits 1"
grep -q '^verdict: .*violations=.*S4' "$work/replay1.txt"
check $? "replay reports S4"
h1=$(grep '^trace_hash=' "$work/replay1.txt")
h2=$(grep '^trace_hash=' "$work/replay2.txt")
[ -n "$h1" ] && [ "$h1" = "$h2" ]
check $? "replay prints the same trace hash twice"

# --trace prints one line per event, and the hash does not depend on it.
sh -c "$replay --trace" >"$work/replay3.txt" 2>&1
grep -q ' event=server_exec ' "$work/replay3.txt"
check $? "replay --trace prints events"
h3=$(grep '^trace_hash=' "$work/replay3.txt")
[ "$h1" = "$h3" ]
check $? "trace printing does not change the hash"

# The default policy has no violation: exit 0.
"$BIN" run --seeds 1..500 >"$work/default.txt" 2>&1
check $? "phase-split sweep exits 0"

# Sizes are carried into the replay command.
"$BIN" run --policy blind --seeds 1..200 --batches 5 --workers 3 >"$work/sized.txt" 2>&1
grep -q 'replay --policy blind --seed [0-9]* --batches 5 --workers 3' "$work/sized.txt"
check $? "replay command repeats --batches and --workers"

# Field cases match their expectations.
"$BIN" run --case C1 >"$work/c1.txt" 2>&1
check $? "case C1 matches every policy's expected outcome"
"$BIN" run --case C3 >"$work/c3.txt" 2>&1
check $? "case C3 matches every policy's expected outcome"
grep -q '^no-retry  *error  *L1 L5 ' "$work/c1.txt"
check $? "C1 under no-retry ends error with L1"

# Usage errors exit 2 and name the bad value.
"$BIN" run --seeds 9..1 >"$work/err.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "reversed seed range is a usage error"
grep -q '"9..1"' "$work/err.txt"
check $? "the error names the bad value"
"$BIN" run --policy nonsense >"$work/err.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "unknown policy is a usage error"
grep -q 'phase-split' "$work/err.txt"
check $? "unknown policy error lists the policies"
"$BIN" replay --policy blind >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "replay without --seed is a usage error"
"$BIN" run --case C9 >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "unknown case is a usage error"
"$BIN" run --batches 0 >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "zero batches is a usage error"

# A JSON path that cannot be written fails cleanly and leaves nothing behind.
"$BIN" run --seeds 1..10 --json "$work/missing/dir/out.json" >"$work/err.txt" 2>&1
check $([ $? -eq 3 ]; echo $?) "unwritable JSON path exits 3"
[ ! -e "$work/missing/dir/out.json" ] && [ ! -e "$work/missing/dir/out.json.tmp" ]
check $? "no half-written JSON file is left"

"$BIN" list policies | grep -q '^phase-split '
check $? "list policies"
"$BIN" list properties | grep -q '^S4 '
check $? "list properties"
"$BIN" list faults | grep -q '^F5 '
check $? "list faults"

echo "cli tests done"
