#!/bin/sh
# End-to-end tests of compare, merge, --shard and --resume. Prints one
# "ok N - name" or "not ok N - name" line per check, then "compare tests done".
set -u

BIN=${BIN:-bin/barriersim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/check.sh"

# Files a and b hold the same bytes (cmp prints where they differ).
same() {
    cmp "$1" "$2" >&2
}

# One sweep for the identity checks: the built-in default scenario and the
# C3 case, 90 seeds, three policies.
SWEEP="--seeds 1..90 --policy no-retry,blind,phase-split --scenario scenarios/cases/C3.yaml --shrink-budget 50"

# shellcheck disable=SC2086
"$BIN" compare $SWEEP --out "$work/single" >"$work/single.txt" 2>&1
check $? "compare exits 0 once the report is written"
[ -s "$work/single/report.json" ] && [ -s "$work/single/report.md" ] &&
    [ -s "$work/single/report.html" ]
check $? "compare writes report.json, report.md and report.html"
[ -z "$(find "$work/single" -name '*.tmp')" ]
check $? "compare leaves no temporary file"
grep -q '^compare: .*runs (100%)' "$work/single.txt"
check $? "compare prints progress lines when stderr is not a terminal"
# shellcheck disable=SC2086
"$BIN" compare $SWEEP --quiet --out "$work/quiet" >"$work/quiet.out" 2>"$work/quiet.err"
[ $? -eq 0 ] && [ ! -s "$work/quiet.err" ] && same "$work/single/report.json" "$work/quiet/report.json"
check $? "compare --quiet prints no progress and writes the same report"
python3 - "$work/single/report.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == 1, doc["schema"]
assert doc["kind"] == "barriersim-compare", doc["kind"]
assert doc["complete"] is True
assert "shard" not in doc
assert doc["policies"] == ["no-retry", "blind", "phase-split"]
names = [s["name"] for s in doc["scenarios"]]
assert names == ["default", "C3"], names
default = doc["scenarios"][0]
assert default["file"] is None, default["file"]
assert default["seeds"] == 90, default["seeds"]
blind = default["policies"]["blind"]
assert blind["runs"] == 90
s4 = blind["violated"]["S4"]
assert s4["count"] == blind["violations"]["S4"], s4
assert s4["count"] > 0, s4
assert abs(s4["per_10k"] - s4["count"] * 10000 / 90) < 1e-6
assert s4["replay"] == "barriersim replay --policy blind --seed %d" % s4["first_seed"]
example = s4["counterexample"]
assert example["seed"] == s4["first_seed"]
assert ">>> S4 violated" in example["transcript"], example["transcript"][-300:]
assert sum(blind["outcomes"].values()) == 90
for name in ("time_to_terminal_us", "retries", "reconnects", "extra_round_trips"):
    histo = blind["metrics"][name]
    assert sum(histo["buckets"].values()) == histo["count"], name
assert blind["metrics"]["retries"]["count"] == 90
c3 = doc["scenarios"][1]
assert c3["file"] == "scenarios/cases/C3.yaml"
assert c3["policies"]["blind"]["violated"]["S4"]["replay"].endswith(
    "--scenario scenarios/cases/C3.yaml")
PY
check $? "report.json has schema 1, counts, histograms and a shrunk S4 transcript"
grep -q '^## Scenario default' "$work/single/report.md" &&
    grep -q '^| blind | ' "$work/single/report.md" &&
    ! grep -q '>>> S4 violated' "$work/single/report.md"
check $? "report.md has tables and leaves transcripts to the other files"
grep -q '<svg ' "$work/single/report.html" && ! grep -q '<script' "$work/single/report.html" &&
    grep -q '&gt;&gt;&gt; S4 violated' "$work/single/report.html"
check $? "report.html has SVG charts, no script, and the transcripts"

# Three shards, one of them through the Kubernetes wrapper, merge to the
# same three files.
# shellcheck disable=SC2086
"$BIN" compare $SWEEP --shard 1/3 --out "$work/s1" >/dev/null 2>&1 &&
    JOB_COMPLETION_INDEX=1 SHARD_COUNT=3 OUT="$work" BARRIERSIM="$BIN" \
        sh scripts/compare-shard.sh $SWEEP >/dev/null 2>&1 &&
    "$BIN" compare $SWEEP --shard 3/3 --out "$work/s3" >/dev/null 2>&1
check $? "three shards run, the second through scripts/compare-shard.sh"
[ -s "$work/shard-2/report.json" ] && [ ! -e "$work/s1/report.html" ]
check $? "a shard writes only its report.json"
"$BIN" merge "$work/merged" "$work/s3" "$work/s1/report.json" "$work/shard-2" \
    >"$work/merge.txt" 2>&1
check $? "merge of the three shards exits 0"
same "$work/single/report.json" "$work/merged/report.json"
check $? "merged report.json is byte-identical to the single run's"
same "$work/single/report.md" "$work/merged/report.md" &&
    same "$work/single/report.html" "$work/merged/report.html"
check $? "merged report.md and report.html are identical too"

"$BIN" merge "$work/bad" "$work/s1" "$work/s3" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'shard 2/3 is missing' "$work/err.txt" &&
        [ ! -e "$work/bad" ]; echo $?) "merge of a missing shard exits 2 and writes nothing"
"$BIN" merge "$work/bad" "$work/s1" "$work/s3" "$work/shard-2" "$work/s3" \
    >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'shards overlap' "$work/err.txt"; echo $?) \
    "merge of overlapping shards exits 2"
# shellcheck disable=SC2086
"$BIN" compare $SWEEP --seeds 1..91 --shard 2/3 --out "$work/other" >/dev/null 2>&1
"$BIN" merge "$work/bad" "$work/s1" "$work/other" "$work/s3" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'not a shard of the same sweep.*seeds 1..91, not 1..90' \
        "$work/err.txt"; echo $?) "merge of another seed range exits 2 and says what differs"
"$BIN" merge "$work/bad" "$work/single" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'is not a shard' "$work/err.txt"; echo $?) \
    "merge of an unsharded report exits 2"

# SIGINT writes the partial report; --resume ends with the report of an
# uninterrupted run.
RESUME="--seeds 1..20000 --policy no-retry,blind --shrink-budget 30"
# shellcheck disable=SC2086
"$BIN" compare $RESUME --out "$work/whole" >/dev/null 2>&1
# shellcheck disable=SC2086
"$BIN" compare $RESUME --out "$work/part" 2>"$work/progress.txt" >/dev/null &
pid=$!
tries=0
while ! grep -q '^compare: scenario' "$work/progress.txt" && [ $tries -lt 200 ]; do
    sleep 0.05
    tries=$((tries + 1))
done
kill -INT "$pid"
wait "$pid"
status=$?
check $([ $status -eq 130 ]; echo $?) "SIGINT after the first progress line exits 130"
grep -q "resume with: .* compare --resume $work/part" "$work/progress.txt"
check $? "the interrupted run prints how to resume"
python3 - "$work/part/report.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["complete"] is False
done = doc["scenarios"][0]["seeds_done"]
assert 0 <= done < 20000, done
assert doc["scenarios"][0]["policies"]["blind"]["runs"] == done
PY
check $? "the partial report.json says how far it got"
[ -s "$work/part/report.md" ] && grep -q 'Partial report' "$work/part/report.md" &&
    [ -z "$(find "$work/part" -name '*.tmp')" ]
check $? "the partial report.md says it is partial; no temporary file is left"
"$BIN" compare --resume "$work/part" >/dev/null 2>&1
check $? "compare --resume exits 0"
same "$work/whole/report.json" "$work/part/report.json" &&
    same "$work/whole/report.html" "$work/part/report.html"
check $? "the resumed report is identical to the uninterrupted one"
"$BIN" compare --resume "$work/part" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'complete report' "$work/err.txt"; echo $?) \
    "--resume of a complete report exits 2"

# An interrupted shard writes its report.json alone and resumes to the
# shard an uninterrupted run writes.
# shellcheck disable=SC2086
"$BIN" compare $RESUME --shard 2/2 --out "$work/shard-whole" >/dev/null 2>&1
# shellcheck disable=SC2086
"$BIN" compare $RESUME --shard 2/2 --out "$work/shard-part" 2>"$work/progress3.txt" >/dev/null &
pid=$!
tries=0
while ! grep -q '^compare: scenario' "$work/progress3.txt" && [ $tries -lt 200 ]; do
    sleep 0.05
    tries=$((tries + 1))
done
kill -INT "$pid"
wait "$pid"
status=$?
[ $status -eq 130 ] && [ -s "$work/shard-part/report.json" ] &&
    [ ! -e "$work/shard-part/report.md" ] && [ ! -e "$work/shard-part/report.html" ]
check $? "an interrupted shard exits 130 and writes only its report.json"
"$BIN" compare --resume "$work/shard-part" >/dev/null 2>&1 &&
    same "$work/shard-whole/report.json" "$work/shard-part/report.json"
check $? "a resumed shard equals the uninterrupted shard"

# A partial report whose scenario file changed is not continued.
cp scenarios/cases/C3.yaml "$work/c3.yaml"
"$BIN" compare --seeds 1..200000 --policy blind --scenario "$work/c3.yaml" \
    --out "$work/changed" 2>"$work/progress2.txt" >/dev/null &
pid=$!
tries=0
while ! grep -q '^compare: scenario' "$work/progress2.txt" && [ $tries -lt 200 ]; do
    sleep 0.05
    tries=$((tries + 1))
done
kill -INT "$pid"
wait "$pid"
sed -i 's/^summary: .*/summary: changed after the sweep began/' "$work/c3.yaml"
"$BIN" compare --resume "$work/changed" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q "scenario C3 ($work/c3.yaml) changed" "$work/err.txt"; \
        echo $?) "--resume refuses a scenario file that changed"

# Confirmations from confirm --json files land under their scenario.
cat >"$work/confirm.json" <<'EOF'
{"schema": 1, "scenario": "default", "runs": [
  {"policy": "blind", "seed": 1, "verdict": "agree"},
  {"policy": "blind", "seed": 2, "verdict": "lock-race"},
  {"policy": "phase-split", "seed": 1, "verdict": "agree"}]}
EOF
"$BIN" compare --seeds 1..20 --policy blind,phase-split --shrink-budget 0 \
    --confirm-json "$work/confirm.json" --out "$work/confirmed" >/dev/null 2>&1
python3 - "$work/confirmed/report.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
blind = doc["scenarios"][0]["policies"]["blind"]["confirmation"]
assert blind["runs"] == 2, blind
assert blind["agree"] == 1, blind
assert blind["lock-race"] == 1, blind
assert blind["agreement"] == 1.0, blind
assert doc["confirmation"]["unmatched"] == 0
assert "counterexample" not in json.dumps(doc)
PY
check $? "--confirm-json counts verdicts per policy; --shrink-budget 0 shrinks nothing"
grep -q '^### Simulator and real PostgreSQL' "$work/confirmed/report.md"
check $? "report.md has the sim-vs-real table"

# The output folder and its parents are made before the sweep; a path
# that cannot be a folder fails at once.
"$BIN" compare --seeds 1..2 --policy blind --shrink-budget 0 --out "$work/new/deep/dir" \
    >/dev/null 2>&1 && [ -s "$work/new/deep/dir/report.json" ]
check $? "compare makes the missing parents of --out"
: >"$work/plain-file"
"$BIN" compare --seeds 1..2 --policy blind --out "$work/plain-file" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'exists and is not a folder' "$work/err.txt" &&
        ! grep -q '^compare: scenario' "$work/err.txt"; echo $?) \
    "an --out that is a file exits 2 before the sweep"

# Usage errors name the value.
"$BIN" compare --seeds 1..10 >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q -- '--out DIR is required' "$work/err.txt"; echo $?) \
    "compare without --out exits 2"
"$BIN" compare --shard 4/3 --out "$work/x" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q '"4/3" for --shard' "$work/err.txt"; echo $?) \
    "--shard 4/3 exits 2 naming the value"
"$BIN" compare --policy blind,nope --out "$work/x" >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'unknown policy "nope"' "$work/err.txt"; echo $?) \
    "an unknown policy in the list exits 2"
JOB_COMPLETION_INDEX=3 SHARD_COUNT=3 sh scripts/compare-shard.sh >"$work/err.txt" 2>&1
check $([ $? -eq 2 ] && grep -q 'not below SHARD_COUNT 3' "$work/err.txt"; echo $?) \
    "compare-shard.sh rejects an index outside the shard count"
"$BIN" help | grep -q 'merge OUT_DIR SHARD.json'
check $? "usage lists compare and merge"
"$BIN" merge "$work/m-missing" "$work/no-such-shard.json" >/dev/null 2>"$work/merge.err"
[ $? -eq 2 ] && grep -q 'could not read report .*no-such-shard.json' "$work/merge.err" &&
    ! grep -q 'line -1' "$work/merge.err"
check $? "merge names a missing shard file without a line number"
"$BIN" compare --seeds 1..2 --out /proc/barriersim-no-such >/dev/null 2>"$work/out.err"
check $([ $? -eq 3 ] && grep -q 'could not create the report folder' "$work/out.err"; echo $?) \
    "compare exits 3 when its report folder cannot be made"

echo "compare tests done"
