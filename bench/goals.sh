#!/bin/sh
# Print the Markdown section of docs/BENCHMARKS.md that checks the
# performance goals P1-P8, the cost-growth table and the instruction
# profile. bench/run_bench.sh calls it after the other benchmarks and passes
# their figures:
#
#   sh bench/goals.sh OUT_DIR RUNS_PER_S DECREMENTS_PER_S PGBENCH_TPS PQ_RATIO
#
# OUT_DIR contains mutants_bench.out (its shrink and exhaustive tables). BUILD
# names the build folder, as for run_bench.sh. Every figure here comes from
# this run of `make bench`, so ratios compare measurements of one machine
# state.
set -eu

out_dir=$1
runs_per_s=$2
decrements_per_s=$3
pgbench_tps=$4
pq_ratio=$5
bin=bin/barriersim
sim_bench=$BUILD/bench/sim_bench
mutants_out=$out_dir/mutants_bench.out

# Print "yes" when the awk condition on the two numbers holds, else "NO".
met() {
    awk -v a="$1" -v b="$2" "BEGIN { print (a $3 b) ? \"yes\" : \"NO\" }"
}

# Peak resident set of a command, in KiB (getrusage of the finished child).
# A sweep that finds violations exits 1, which is not a failure here.
peak_rss_kib() {
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

now_s() {
    date +%s.%N
}

# P2: the simulated server's decrement transaction against pgbench's.
server_rate=$("$BUILD/bench/server_bench" | sed -n 's/^server_decrements_per_s median=\([0-9]*\).*/\1/p')
p2_ratio=$(awk -v a="$server_rate" -v b="$pgbench_tps" 'BEGIN { printf "%.0f", a / b }')
p2_run_ratio=$(awk -v a="$decrements_per_s" -v b="$pgbench_tps" 'BEGIN { printf "%.0f", a / b }')

# P3: per policy, the first seed in 1..10000 that breaks a property
# phase-split does not break in those seeds.
"$bin" run --policy all --seeds 1..10000 --json "$out_dir/p3.json" >/dev/null || true
# The goal is for single-fault bugs, so each first failing run is shrunk
# and its events (faults, restarts, reorderings) counted.
p3_table=$(python3 - "$out_dir" "$bin" <<'PY'
import json, subprocess, sys
out_dir, binary = sys.argv[1], sys.argv[2]
doc = json.load(open(out_dir + "/p3.json"))
policies = dict(doc["policies"]) if isinstance(doc["policies"], list) else doc["policies"]
reference = set(policies["phase-split"]["first_failing_seed"])
worst = 0
for name, policy in policies.items():
    own = {p: s for p, s in policy["first_failing_seed"].items() if p not in reference}
    if not own:
        continue
    prop = min(own, key=own.get)
    seed = own[prop]
    shrunk = f"{out_dir}/shrunk-{name}.json"
    subprocess.run([binary, "shrink", "--policy", name, "--seed", str(seed), "--property",
                    prop, "--to", f"{out_dir}/shrunk-{name}.yaml", "--json", shrunk],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    events = json.load(open(shrunk))["events"]
    if events == 1:
        worst = max(worst, seed)
    print(f"| {name} | {prop} | {seed} | {events} |")
print(f"WORST {worst}")
PY
)
p3_worst=$(printf '%s\n' "$p3_table" | sed -n 's/^WORST //p')
p3_rows=$(printf '%s\n' "$p3_table" | grep '^|')
# A mutant's figure is the fewer seeds of the two random columns (F1-F5, all kinds).
mutant_worst=$(awk -F'|' '/^\| mut-/ { a = $3; b = $6; gsub(/ /, "", a); gsub(/ /, "", b)
    m = (a ~ />/) ? b : (b ~ />/) ? a : (a + 0 < b + 0 ? a : b)
    if (m ~ />/ || m + 0 > w) w = m } END { print w }' "$mutants_out")

# P4 and P8 from the mutants benchmark's tables.
p4_worst=$(awk -F'|' '/^\| (blind|reused-guard|no-retry|phase-split-late) \|/ { gsub(/ /, "", $7); if ($7 + 0 > w) w = $7 + 0 } END { print w + 0 }' "$mutants_out")
p8_seconds=$(awk -F'|' '/^\| phase-split, seed/ { gsub(/ /, "", $4); s += $4 } END { print s + 0 }' "$mutants_out")

# P5: peak memory of sweeps of 10,000 and 1,000,000 seeds.
# The program at rest (libpq, libxml2 and their TLS and Kerberos libraries
# are mapped at start) against the sweep, so that the sweep's own share shows.
rss_rest=$(peak_rss_kib "$bin" list policies)
rss_small=$(peak_rss_kib "$bin" run --policy phase-split --seeds 1..10000)
rss_large=$(peak_rss_kib "$bin" run --policy phase-split --seeds 1..1000000)
rss_large_mib=$(awk -v k="$rss_large" 'BEGIN { printf "%.1f", k / 1024 }')
rss_own_mib=$(awk -v k="$rss_large" -v r="$rss_rest" 'BEGIN { printf "%.1f", (k - r) / 1024 }')

# P6: one process, then two at once, each on the same seeds.
single=$("$sim_bench" --seeds 20000 --repeat 3 | sed -n 's/^runs_per_s median=\([0-9]*\).*/\1/p')
"$sim_bench" --seeds 20000 --repeat 3 >"$out_dir/p6a.out" &
first=$!
"$sim_bench" --seeds 20000 --repeat 3 >"$out_dir/p6b.out"
wait "$first"
pair=$(cat "$out_dir/p6a.out" "$out_dir/p6b.out" | sed -n 's/^runs_per_s median=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')
p6_ratio=$(awk -v a="$pair" -v b="$single" 'BEGIN { printf "%.2f", a / b }')

cat <<MD
### Goals

| goal | measured | target | met |
|---|---:|---:|:---:|
| P1 simulated runs per second, one core (default scenario) | $runs_per_s | 100000 | $(met "$runs_per_s" 100000 ">=") |
| P2 simulated server decrements per second / pgbench tps | $p2_ratio x ($server_rate / $pgbench_tps) | 1000 x | $(met "$p2_ratio" 1000 ">=") |
| P2 whole-run committed decrements per second / pgbench tps | $p2_run_ratio x | (same goal) | $(met "$p2_run_ratio" 1000 ">=") |
| P3 seeds to the first violation, worst single-fault bug of a policy (below) | $p3_worst | 1000 | $(met "$p3_worst" 1000 "<=") |
| P3 seeds to detection, worst mutant (random, fewer of F1-F5 and all kinds) | $mutant_worst | 1000 | $(met "$mutant_worst" 1000 "<=") |
| P4 shrink to the bounded counterexample, slowest, seconds | $p4_worst | 1 | $(met "$p4_worst" 1 "<=") |
| P5 peak RSS of a 1,000,000-seed sweep, MiB (10,000 seeds: $rss_small KiB) | $rss_large_mib | 16 | $(met "$rss_large_mib" 16 "<=") |
| P5 the same above the program at rest ($rss_rest KiB), MiB | $rss_own_mib | 16 | $(met "$rss_own_mib" 16 "<=") |
| P6 two processes / one process, runs per second | $p6_ratio | 1.8 | $(met "$p6_ratio" 1.8 ">=") |
| P7 libpq backend / pgbench | $pq_ratio | 0.8 | $(met "$pq_ratio" 0.8 ">=") |
| P8 exhaustive 2 batches x 2 workers, <= 2 faults, seconds (both paths) | $p8_seconds | 10 | $(met "$p8_seconds" 10 "<=") |

P2's first row runs BEGIN, Q-DEC and COMMIT on the simulated server alone
(\`bench/server_bench.c\`), as pgbench runs the statement alone; the second
divides the whole-run rate above (scheduler, fibers, faults, checks and
trace included) by the same pgbench figure. P3 counts, per policy, the first
seed of 1..10000 of the default scenario that breaks a property phase-split
does not break in those seeds (a policy without one is left out), and the
events its shrunk counterexample needs: the goal applies to the rows with
one event, a single-fault bug. P5 is
\`getrusage\` of \`barriersim run --policy phase-split\` as a child process;
memory does not grow with the seed count when the two sweeps agree. Its
second row subtracts the peak of \`barriersim list policies\`, which runs
nothing: most of the total is the shared libraries mapped at start. P6
runs two \`sim_bench\` processes at once against one alone, on the same
seeds; on a 2-core machine any other load lowers it.

| policy | property | first seed | events after shrinking |
|---|---|---:|---:|
$p3_rows
MD

# How the cost grows with the scenario's size and fault mix.
printf '\n### Cost growth\n\n'
printf '| batches | workers | faults | runs per second | steps per run | ns per step |\n'
printf '|---:|---:|---|---:|---:|---:|\n'
for shape in "2 2 default" "8 4 default" "32 8 default" "64 16 default" "8 4 none" "8 4 all"; do
    set -- $shape
    out=$("$sim_bench" --batches "$1" --workers "$2" --faults "$3" --seeds 3000 --repeat 3)
    rate=$(printf '%s\n' "$out" | sed -n 's/^runs_per_s median=\([0-9]*\).*/\1/p')
    steps=$(printf '%s\n' "$out" | sed -n 's/^steps_per_run mean=\([0-9.]*\).*/\1/p')
    per_step=$(awk -v r="$rate" -v s="$steps" 'BEGIN { printf "%.0f", 1e9 / (r * s) }')
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$rate" "$steps" "$per_step"
done
printf '\nMedians of 3 repetitions of 3000 seeds each. "default" is F1-F5, "all"\n'
printf 'every simulated kind (F1-F19), "none" no faults.\n'

# Instruction counts do not move with the machine's load, unlike the rates.
if command -v valgrind >/dev/null 2>&1; then
    valgrind --tool=callgrind --callgrind-out-file="$out_dir/callgrind.out" \
        "$sim_bench" --seeds 1000 --repeat 1 >/dev/null 2>"$out_dir/callgrind.err"
    total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out_dir/callgrind.err")
    printf '\n### Profile\n\n'
    printf 'valgrind --tool=callgrind on `sim_bench --seeds 1000 --repeat 1` (phase-split,\n'
    printf 'default scenario): %s instructions in all, about %s per run with the\n' \
        "$total" "$(awk -v t="$total" 'BEGIN { printf "%.0f", t / 1000 }')"
    printf 'process start-up included. The functions with the most instructions of their own:\n\n```\n'
    callgrind_annotate "$out_dir/callgrind.out" 2>/dev/null |
        sed -n '/^Ir *file:function/,$p' | sed -n '3,14p' | sed 's/ \[.*\]$//'
    printf '```\n'
fi
