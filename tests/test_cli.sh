#!/bin/sh
# End-to-end tests of the command line. Prints one "ok N - name" or
# "not ok N - name" line per check, then "cli tests done".
set -u

BIN=${BIN:-bin/barriersim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/check.sh"

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
assert set(policies) >= {"no-retry", "blind", "reused-guard", "phase-split-late", "phase-split"}
for name, entry in policies.items():
    assert entry["runs"] == 300, (name, entry["runs"])
    assert set(entry["violations"]) >= {"S1", "S2", "S3", "S4", "S5", "S8", "S10", "S11", "L1", "L5"}
# S9 is left out: a failed header dispatch deletes the barrier row before
# the orchestrator marks the execution, as upstream does, under every policy.
safety = {k: v for k, v in policies["phase-split"]["violations"].items()
          if k.startswith("S") and k != "S9"}
assert sum(safety.values()) == 0, safety
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

# A sweep without violations exits 0: the default scenario without faults.
mkdir -p "$work/calm"
sed -e 's/^name: default$/name: calm/' -e 's/^  kinds: .*/  kinds: []/' \
    -e '/^expect:/,$d' scenarios/default.yaml >"$work/calm/calm.yaml"
"$BIN" run --scenario "$work/calm/calm.yaml" --policy phase-split --seeds 1..200 \
    >"$work/calm.txt" 2>&1
check $? "sweep without violations exits 0"
"$BIN" check "$work/calm" >"$work/calm_check.txt" 2>&1
check $? "check of a file without expectations and violations passes"

# Sizes are carried into the replay command.
"$BIN" run --policy blind --seeds 1..200 --batches 5 --workers 3 >"$work/sized.txt" 2>&1
grep -q 'replay --policy blind --seed [0-9]* --batches 5 --workers 3' "$work/sized.txt"
check $? "replay command repeats --batches and --workers"

# Field cases match their expectations.
"$BIN" run --case C1 >"$work/c1.txt" 2>&1
check $? "case C1 matches every policy's expected outcome"
"$BIN" run --case C3 >"$work/c3.txt" 2>&1
check $? "case C3 matches every policy's expected outcome"
grep -Eq '^no-retry +error +L1 +yes$' "$work/c1.txt"
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
"$BIN" run --case C99 >/dev/null 2>&1
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

# Scenario files: the shipped corpus passes as a whole, so a mismatch of
# any case, schedule or sweep fails CI here.
"$BIN" check scenarios/ >"$work/check.txt" 2>&1
corpus_status=$?
check $corpus_status "check scenarios/ exits 0"
if [ "$corpus_status" -ne 0 ]; then
    grep -v '^PASS ' "$work/check.txt"
fi
grep -q '^PASS C1 no-retry$' "$work/check.txt"
check $? "check prints PASS per scenario and policy"
grep -Eq '^[0-9]+ scenarios, [0-9]+ policy checks, 0 failed$' "$work/check.txt"
check $? "check prints the totals"
for name in C2 C3-autocommit C4 C5 C6 C7 C7-control C8 C8-no-claim C9 C9-ambiguous \
    C9-crash C10 sigma1 sigma3-link sigma5 sigma11 policies; do
    grep -q "^PASS $name " "$work/check.txt" || echo "missing from the corpus: $name"
done | { ! grep .; }
check $? "the corpus holds every field case, schedule and the sweep"

# One wrong expectation: FAIL with the reason and a replay command, exit 5.
mkdir -p "$work/wrong/sub"
sed -e 's/^name: C1$/name: C1-wrong/' \
    -e 's/^  blind: .*/  blind: {outcome: error, violated: []}/' \
    scenarios/cases/C1.yaml >"$work/wrong/sub/c1_wrong.yaml"
cp scenarios/cases/C3.yaml "$work/wrong/"
"$BIN" check "$work/wrong" --json "$work/wrong.json" >"$work/wrong.txt" 2>&1
check $([ $? -eq 5 ]; echo $?) "check with a wrong expectation exits 5"
grep -q '^FAIL C1-wrong blind: outcome: expected error in every seed, got complete' \
    "$work/wrong.txt"
check $? "check prints FAIL with the reason"
grep -Eq '^2 scenarios, [0-9]+ policy checks, 1 failed$' "$work/wrong.txt"
check $? "check counts the failed policy check"
wrong_replay=$(sed -n 's/^    replay: \(.*\) --trace$/\1/p' "$work/wrong.txt" | head -n 1)
echo "$wrong_replay" | grep -q -- "replay --policy blind --seed 1 --scenario $work/wrong/sub/c1_wrong.yaml"
check $? "check prints a replay command with --scenario"
python3 - "$work/wrong.json" "$work/wrong/sub/c1_wrong.yaml" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == 1, doc["schema"]
assert set(doc["scenarios"]) == {"C1-wrong", "C3"}, doc["scenarios"].keys()
wrong = doc["scenarios"]["C1-wrong"]
assert wrong["file"] == sys.argv[2], wrong["file"]
blind = wrong["policies"]["blind"]
assert blind["match"] is False
assert blind["first_failing_seed"] == 1
assert blind["reasons"] and "outcome" in blind["reasons"][0]
ok = wrong["policies"]["phase-split"]
assert ok == {"match": True, "reasons": [], "first_failing_seed": None}, ok
assert all(p["match"] for p in doc["scenarios"]["C3"]["policies"].values())
PY
check $? "check --json writes the verdicts"

# The replay of a file scenario is deterministic and equals the --case one.
sh -c "$wrong_replay" >"$work/file1.txt" 2>&1
sh -c "$wrong_replay" >"$work/file2.txt" 2>&1
f1=$(grep '^trace_hash=' "$work/file1.txt")
f2=$(grep '^trace_hash=' "$work/file2.txt")
[ -n "$f1" ] && [ "$f1" = "$f2" ]
check $? "replay --scenario prints the same trace hash twice"
"$BIN" replay --case C1 --policy blind --seed 1 >"$work/case1.txt" 2>&1
[ "$f1" = "$(grep '^trace_hash=' "$work/case1.txt")" ]
check $? "replay --scenario and --case of the same schedule agree"

# A file that does not load: exit 2, and every bad file is named with its line.
mkdir -p "$work/bad"
cp scenarios/cases/C3.yaml "$work/bad/"
printf 'name: B\nsummary: bad batches\nbatches: 3x\n' >"$work/bad/b.yaml"
printf 'name: D\nsummary: bad key\ncolour: red\n' >"$work/bad/d.yaml"
"$BIN" check "$work/bad" >"$work/bad.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "check with a bad file exits 2"
grep -q "$work/bad/b.yaml:3: invalid value \"3x\" for batches: expected an integer 1..64" \
    "$work/bad.txt"
check $? "check names the bad file, line and value"
grep -q "$work/bad/d.yaml:3: unknown key \"colour\"" "$work/bad.txt"
check $? "check reports every bad file"
"$BIN" check "$work/empty-missing" >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "check of a missing folder exits 2"

# run --scenario: the table, the expectation lines, the exit status.
"$BIN" run --scenario scenarios/cases/C3.yaml >"$work/run_c3.txt" 2>&1
check $? "run --scenario with matching expectations exits 0"
grep -q '^blind  *complete  *S2 S3 S4 S8 S10 *yes$' "$work/run_c3.txt"
check $? "run --scenario prints one expectation line per policy"
grep -q '^blind  *1 ' "$work/run_c3.txt"
check $? "run --scenario prints the outcome table"
"$BIN" run --scenario "$work/wrong/sub/c1_wrong.yaml" >"$work/run_wrong.txt" 2>&1
check $([ $? -eq 5 ]; echo $?) "run --scenario with a mismatch exits 5"
grep -q '^blind  *complete  *- *NO: outcome: expected error' "$work/run_wrong.txt" &&
    grep -q "^    replay: .* replay --policy blind --seed 1 --scenario $work/wrong/sub/c1_wrong.yaml --trace$" \
        "$work/run_wrong.txt"
check $? "run --scenario prints NO with the reason and a replay command"
"$BIN" run --scenario "$work/bad/b.yaml" >"$work/run_bad.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "run --scenario of a bad file exits 2"
grep -q "b.yaml:3: invalid value \"3x\"" "$work/run_bad.txt"
check $? "run --scenario names the bad line"
"$BIN" run --scenario scenarios/cases/C3.yaml --batches 4 >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "--scenario with --batches is a usage error"

# --case looks in $BARRIERSIM_SCENARIOS/cases when it is set.
mkdir -p "$work/env/cases"
sed 's/^name: C1$/name: C1-env/' scenarios/cases/C1.yaml >"$work/env/cases/CX.yaml"
BARRIERSIM_SCENARIOS="$work/env" "$BIN" run --case CX >"$work/env.txt" 2>&1
check $? "--case loads from BARRIERSIM_SCENARIOS"
grep -q 'scenario=C1-env' "$work/env.txt"
check $? "--case ran the file found there"
BARRIERSIM_SCENARIOS="$work/env" "$BIN" run --case C1 >"$work/env_err.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "--case of a missing file is a usage error"
grep -q 'cases there: CX' "$work/env_err.txt"
check $? "the unknown case error lists the cases"

"$BIN" help | grep -q ' check DIR '
check $? "usage lists check"
"$BIN" help | grep -q ' save --policy NAME --seed S '
check $? "usage lists save"

# save: pin a failing seed of the default sweep as a scenario file.
blind_seed=$(grep -E '^  blind +S4 ' "$work/sweep.txt" | head -n 1 | sed 's/.*--seed \([0-9]*\).*/\1/')
mkdir -p "$work/saved"
"$BIN" save --policy blind --seed "$blind_seed" --to "$work/saved/blind.yaml" \
    >"$work/save.txt" 2>&1
check $? "save of a blind S4 seed exits 0"
grep -q "^policies: \[blind\]$" "$work/saved/blind.yaml" &&
    grep -q "^seeds: $blind_seed..$blind_seed$" "$work/saved/blind.yaml" &&
    grep -Eq '^  blind: \{outcome: [a-z]+, violated: \[.*S4.*\]\}$' "$work/saved/blind.yaml"
check $? "the saved file pins the policy, the seed and the violations"
grep -q "^# Replay: $BIN replay --scenario $work/saved/blind.yaml --policy blind --seed $blind_seed --trace$" \
    "$work/saved/blind.yaml"
check $? "the saved file's comment gives the replay command"
"$BIN" check "$work/saved" >"$work/saved_check.txt" 2>&1
check $? "check of the saved folder exits 0"
"$BIN" replay --policy blind --seed "$blind_seed" >"$work/before.txt" 2>&1
"$BIN" replay --scenario "$work/saved/blind.yaml" --policy blind --seed "$blind_seed" \
    >"$work/after.txt" 2>&1
hb=$(grep '^trace_hash=' "$work/before.txt")
ha=$(grep '^trace_hash=' "$work/after.txt")
[ -n "$hb" ] && [ "$hb" = "$ha" ]
check $? "the saved file replays with the same trace hash"

cp "$work/saved/blind.yaml" "$work/saved_copy.yaml"
"$BIN" save --policy blind --seed "$blind_seed" --to "$work/saved/blind.yaml" \
    >"$work/save_again.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "save refuses to overwrite, exit 2"
grep -q "$work/saved/blind.yaml already exists" "$work/save_again.txt" &&
    cmp -s "$work/saved/blind.yaml" "$work/saved_copy.yaml"
check $? "the refusal names the path and leaves the file alone"
[ "$(ls "$work/saved")" = "blind.yaml" ]
check $? "save leaves no temporary file behind"

"$BIN" save --case C3 --policy reused-guard --seed 1 --name c3-reused \
    --to "$work/saved/c3.yaml" >/dev/null 2>&1 &&
    grep -q '^name: c3-reused$' "$work/saved/c3.yaml" &&
    grep -q "^  - {actor: worker 0, statement: Q-DEC, point: commit, occurrence: 1, fault: F5}$" \
        "$work/saved/c3.yaml"
check $? "save --case keeps the schedule and takes --name"
"$BIN" check "$work/saved" >/dev/null 2>&1
check $? "check of both saved files exits 0"
"$BIN" save --policy blind --seed 1 >"$work/err.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "save without --to is a usage error"
"$BIN" save --policy all --seed 1 --to "$work/saved/all.yaml" >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "save of several policies is a usage error"
"$BIN" save --policy blind --seed 1 --name 'bad name' --to "$work/saved/n.yaml" \
    >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "save with an invalid --name is a usage error"
"$BIN" run --to "$work/x.yaml" >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "--to outside save is a usage error"

# shrink: a transcript, a scenario file that replays, and the JSON summary.
mkdir -p "$work/shrunk" "$work/explored"
"$BIN" shrink --policy blind --seed 5 --property S4 --to "$work/shrunk/blind.yaml" \
    --json "$work/shrunk.json" >"$work/shrink.txt" 2>&1
check $? "shrink of blind seed 5 for S4 exits 0"
grep -q '>>> S4 violated' "$work/shrink.txt" && grep -q 'FAULT F5 at commit' "$work/shrink.txt"
check $? "the transcript shows the F5 strike and names S4 where it broke"
"$BIN" check "$work/shrunk" >/dev/null 2>&1
check $? "the shrunk scenario replays and breaks S4 (check exits 0)"
python3 - "$work/shrunk.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["property"] == "S4", doc
assert doc["events"] <= 3, doc
assert doc["events"] <= doc["events_before"], doc
PY
check $? "shrink --json gives the property and at most 3 events"
"$BIN" shrink --policy phase-split --seed 5 --property S4 --to "$work/none.yaml" \
    >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && [ ! -e "$work/none.yaml" ]; echo $?) \
    "shrink of a passing run exits 2 and writes nothing"
"$BIN" shrink --policy phase-split --seed 1 --property S4 >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'breaks no property' "$work/err.txt"; echo $?) \
    "shrink of a seed that breaks nothing says so"
"$BIN" shrink --policy blind --seed 5 --property S4 --to "$work/shrunk/blind.yaml" \
    >"$work/again.txt" 2>"$work/err.txt"
check $([ $? -eq 2 ] && grep -q 'already exists' "$work/err.txt" && \
        ! grep -q 'transcript' "$work/again.txt"; echo $?) \
    "shrink checks its target before shrinking"
mkdir -p "$work/pct"
"$BIN" shrink --policy blind --seed 5 --pct 3 --property S4 --to "$work/pct/blind.yaml" \
    >/dev/null 2>&1 && "$BIN" check "$work/pct" >/dev/null 2>&1
check $? "a PCT run shrinks to a file that replays without --pct"
mkdir -p "$work/fromcase"
case "$BIN" in /*) bin_path=$BIN ;; *) bin_path=$PWD/$BIN ;; esac
(cd "$work/fromcase" && BARRIERSIM_SCENARIOS="$OLDPWD/scenarios" "$bin_path" shrink \
    --policy reused-guard --case C3 --property S4 >"$work/case.txt" 2>&1) &&
    [ -f "$work/fromcase/shrunk-reused-guard-S4-1.yaml" ]
check $? "shrink --case takes the file's seed and names the file by property"
"$BIN" shrink --policy blind --seed 5 --property S99 >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'unknown property "S99"' "$work/err.txt"; echo $?) \
    "shrink names an unknown property"

# replay --check: two runs with the same step hashes.
"$BIN" replay --check --policy blind --seed 5 >"$work/check.txt" 2>&1
check $([ $? -eq 0 ] && grep -q 'ran twice to the same' "$work/check.txt"; echo $?) \
    "replay --check reports the same run twice"
"$BIN" replay --check --pct 3 --policy blind --seed 7 >/dev/null 2>&1
check $? "replay --check under PCT reports the same run twice"

# explore: a bug in a small scenario, written as a replayable file.
"$BIN" explore --policy blind --seed 4 --property S4 --to "$work/explored/blind.yaml" \
    >"$work/explore.txt" 2>&1
check $([ $? -eq 1 ] && grep -q 'stopped at the first violation' "$work/explore.txt"; echo $?) \
    "explore finds S4 under blind and exits 1"
"$BIN" check "$work/explored" >/dev/null 2>&1
check $? "the explored counterexample replays"
"$BIN" explore --policy blind --seed 4 --property S4 --to "$work/explored/blind.yaml" \
    >/dev/null 2>"$work/explore.err"
check $([ $? -eq 2 ] && grep -q '^barriersim explore: .*already exists' "$work/explore.err"; echo $?) \
    "explore refuses to overwrite its file and names itself"
"$BIN" explore --policy phase-split --seed 4 --property S4 >"$work/explore.txt" 2>&1
check $([ $? -eq 0 ] && grep -q 'every schedule within the bounds ran' "$work/explore.txt"; echo $?) \
    "explore exhausts phase-split's space for S4"
# coverage: a scenario that demands every fault cell but runs one seed fails.
mkdir -p "$work/thin"
sed -e 's/^seeds: .*/seeds: 1..1/' -e 's/^name: all-faults/name: thin/' \
    scenarios/sweeps/all-faults.yaml >"$work/thin/thin.yaml"
"$BIN" check "$work/thin" >"$work/thin.txt" 2>&1
check $([ $? -eq 5 ] && grep -q '^FAIL thin coverage: .* never struck' "$work/thin.txt"; echo $?) \
    "check fails a scenario whose enabled fault cells were not all struck"
"$BIN" run --policy phase-split --seeds 1..300 --coverage >"$work/cov.txt" 2>&1
grep -q '^F5 ' "$work/cov.txt" && grep -q 'ambiguous_decrement' "$work/cov.txt"
check $? "run --coverage prints the fault cells and the sometimes conditions"
"$BIN" confirm --help >"$work/help.txt" 2>&1
check $([ $? -eq 0 ] && grep -q 'confirm \[--policy NAME\]' "$work/help.txt"; echo $?) \
    "a subcommand's --help prints the usage and exits 0"
"$BIN" run --faults 2 >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "--faults outside explore is a usage error"

# confirm: seeds replayed on the real server of tests/with_pg.sh agree.
if [ -n "${BARRIERSIM_PG_CONNINFO:-}" ]; then
    "$BIN" confirm --policy blind --seeds 1..3 --json "$work/confirm.json" \
        >"$work/confirm.txt" 2>&1
    check $([ $? -eq 0 ] && grep -q '^barriersim confirm: 3 agree' "$work/confirm.txt"; echo $?) \
        "confirm of three blind seeds agrees with the real server"
    python3 - "$work/confirm.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == 1, doc
assert len(doc["runs"]) == 3, doc
assert all(r["verdict"] == "agree" and r["replies"] >= 0 for r in doc["runs"]), doc
PY
    check $? "confirm --json lists each run's verdict"
    "$BIN" confirm --policy phase-split --seed 3 --plant dec-skips-append \
        >"$work/plant.txt" 2>&1
    check $([ $? -eq 5 ] && grep -q '(real server)' "$work/plant.txt" && \
            grep -q 'DIFFERS from the simulator' "$work/plant.txt" && \
            grep -q '^differences (simulator | real server):' "$work/plant.txt"; echo $?) \
        "confirm prints both transcripts on a planted simulator bug and exits 5"
    "$BIN" confirm --scenario scenarios/schedules/sigma9.yaml --policy phase-split \
        >"$work/reaper.txt" 2>&1
    check $([ $? -eq 0 ] && grep -q '1 agree' "$work/reaper.txt"; echo $?) \
        "confirm replays a reaper scenario in virtual time and agrees"
    "$BIN" confirm --case C4-batched >"$work/batched.txt" 2>&1
    check $([ $? -eq 0 ] && grep -q '^batched-commit .* agree' "$work/batched.txt"; echo $?) \
        "confirm sends a batched BEGIN; statement; COMMIT string and agrees"
else
    check 1 "confirm needs BARRIERSIM_PG_CONNINFO (run the tests with make test)"
fi
# Without a server named, confirm runs its own and removes it after.
env -u BARRIERSIM_PG_CONNINFO "$BIN" confirm --policy blind --seeds 1..2 >"$work/own.txt" 2>&1
own_status=$?
own_base=$(sed -n 's/^barriersim confirm: started a throwaway PostgreSQL under //p' "$work/own.txt")
check $([ $own_status -eq 0 ] && [ -n "$own_base" ] && [ ! -e "$own_base" ] && \
        grep -q '^barriersim confirm: 2 agree' "$work/own.txt" && \
        grep -q '^barriersim confirm: stopped the throwaway PostgreSQL' "$work/own.txt"; echo $?) \
    "confirm without --pg starts its own server, agrees, removes it and says so"

# SIGINT stops that server and removes its folder.
env -u BARRIERSIM_PG_CONNINFO "$BIN" confirm --policy blind --seeds 1..100000 \
    >"$work/int.txt" 2>&1 &
int_pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    grep -q 'started a throwaway' "$work/int.txt" && grep -q 'seed 3 ' "$work/int.txt" && break
    sleep 0.5
done
int_base=$(sed -n 's/^barriersim confirm: started a throwaway PostgreSQL under //p' "$work/int.txt")
kill -INT "$int_pid"
wait "$int_pid"
int_status=$?
sleep 1
check $([ "$int_status" -eq 130 ] && [ -n "$int_base" ] && [ ! -e "$int_base" ]; echo $?) \
    "SIGINT stops confirm's own server and removes its folder"
"$BIN" confirm --pg "host=$work/nosocket port=1 connect_timeout=2" --policy blind --seed 1 \
    >"$work/err.txt" 2>&1
check $([ $? -eq 4 ] && grep -q 'could not connect' "$work/err.txt"; echo $?) \
    "confirm against a server that is not there exits 4"
"$BIN" run --pg x >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "--pg outside confirm is a usage error"

echo "cli tests done"
