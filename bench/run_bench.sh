#!/bin/sh
# Run the fiber switch and simulator benchmarks, print their output, and
# rewrite docs/BENCHMARKS.md with the figures.
#
# `make bench` calls this from the repository root with BUILD set to the
# build folder that contains bench/fiber_bench and bench/sim_bench (for example
# build/cc). The whole page is generated from the template below, so the text
# above "Latest results" changes only when this script does. The page is
# written to a temporary file and renamed into place, so a failed run leaves
# the previous page as it was.
set -eu

if [ -z "${BUILD:-}" ]; then
    echo "run_bench.sh: BUILD is not set; run \"make bench\", or set BUILD to the build folder (for example BUILD=build/cc)" >&2
    exit 2
fi

page=docs/BENCHMARKS.md
fiber_bin=$BUILD/bench/fiber_bench
sim_bin=$BUILD/bench/sim_bench

for binary in "$fiber_bin" "$sim_bin"; do
    if [ ! -x "$binary" ]; then
        echo "run_bench.sh: $binary not found; build it with \"make bench\"" >&2
        exit 1
    fi
done

out_dir=
page_tmp=
trap 'rm -rf "$out_dir"; rm -f "$page_tmp"' EXIT
# Without this, dash skips the EXIT trap when interrupted and leaves temp files.
trap 'exit 130' INT TERM HUP
out_dir=$(mktemp -d)
mkdir -p docs
page_tmp=$(mktemp "$page.XXXXXX")

# Print the value of key=VALUE on the output line that starts with prefix.
field() {
    prefix=$1
    key=$2
    file=$3
    value=$(sed -n "s/^$prefix\\( .*\\)\\{0,1\\} $key=\\([^ ]*\\).*/\\2/p" "$file" | head -n 1)
    require "$value" "$prefix $key=" "$file"
    printf '%s\n' "$value"
}

# Print the value of key="VALUE" on the output line that starts with prefix.
quoted_field() {
    prefix=$1
    key=$2
    file=$3
    value=$(sed -n "s/^$prefix\\( .*\\)\\{0,1\\} $key=\"\\([^\"]*\\)\".*/\\2/p" "$file" | head -n 1)
    require "$value" "$prefix $key=\"...\"" "$file"
    printf '%s\n' "$value"
}

# Fail when a figure is missing, which means a benchmark's output format
# changed without this script.
require() {
    if [ -z "$1" ]; then
        echo "run_bench.sh: \"$2\" not found in the output of $(basename "$3" .out); update the parsing in bench/run_bench.sh" >&2
        exit 1
    fi
}

# Run one benchmark into $out_dir/NAME.out and print its output, also when it fails.
run() {
    binary=$1
    out=$out_dir/$(basename "$binary").out
    status=0
    "$binary" >"$out" || status=$?
    cat "$out"
    if [ "$status" -ne 0 ]; then
        echo "run_bench.sh: $binary failed with exit status $status; $page was not changed" >&2
        exit 1
    fi
}

run "$fiber_bin"
run "$sim_bin"
run "$BUILD/bench/mutants_bench"

# pq_bench needs a server: tests/with_pg.sh starts a throwaway one and
# stops it after.
pq_out=$out_dir/pq_bench.out
status=0
sh tests/with_pg.sh "$BUILD/bench/pq_bench" >"$pq_out" || status=$?
cat "$pq_out"
if [ "$status" -ne 0 ]; then
    echo "run_bench.sh: pq_bench failed with exit status $status; $page was not changed" >&2
    exit 1
fi
pq_core=$(field "pq decrement" core_per_s "$pq_out")
pq_pgbench=$(field "pq decrement" pgbench_tps "$pq_out")
pq_ratio=$(field "pq decrement" ratio "$pq_out")
confirm_per_minute=$(field "confirm" runs_per_minute "$pq_out")

fiber_out=$out_dir/fiber_bench.out
fiber_impl=$(field "fiber switch" impl "$fiber_out")
fiber_ns=$(field "fiber switch" ns_per_switch "$fiber_out")
fiber_min=$(sed -n 's/^fiber switch .*, min \([^,]*\),.*/\1/p' "$fiber_out")
require "$fiber_min" "fiber switch ... min" "$fiber_out"
fiber_max=$(sed -n 's/^fiber switch .*, max \([^,]*\),.*/\1/p' "$fiber_out")
require "$fiber_max" "fiber switch ... max" "$fiber_out"
fiber_round_trips=$(sed -n 's/^fiber switch .*, \([0-9]*\) round trips each.*/\1/p' "$fiber_out")
require "$fiber_round_trips" "fiber switch ... round trips each" "$fiber_out"

sim_out=$out_dir/sim_bench.out
policy=$(field sim_bench policy "$sim_out")
batches=$(field sim_bench batches "$sim_out")
workers=$(field sim_bench workers "$sim_out")
seeds=$(field sim_bench seeds_per_repeat "$sim_out")
repeats=$(field sim_bench repeats "$sim_out")
nproc=$(field machine nproc "$sim_out")
cpu=$(quoted_field machine cpu "$sim_out")
compiler=$(quoted_field machine compiler "$sim_out")
runs_median=$(field runs_per_s median "$sim_out")
runs_min=$(field runs_per_s min "$sim_out")
runs_max=$(field runs_per_s max "$sim_out")
decrements_median=$(field decrements_per_s median "$sim_out")
decrements_min=$(field decrements_per_s min "$sim_out")
decrements_max=$(field decrements_per_s max "$sim_out")
steps_mean=$(field steps_per_run mean "$sim_out")
decrements_mean=$(field decrements_per_run mean "$sim_out")
violating_runs=$(field violating_runs count "$sim_out")
peak_rss_kib=$(sed -n 's/^peak_rss_kib=\([0-9]*\)$/\1/p' "$sim_out")
require "$peak_rss_kib" "peak_rss_kib=" "$sim_out"
# The goals section runs more measurements; its ratios use this run's figures.
BUILD=$BUILD sh bench/goals.sh "$out_dir" "$runs_median" "$decrements_median" \
    "$pq_pgbench" "$pq_ratio" >"$out_dir/goals.md"
cat "$out_dir/goals.md"

today=$(date -u +%F)

# The stable part of the page: no substitutions, so it changes only with this script.
cat >"$page_tmp" <<'EOF'
# Benchmarks

How fast the simulator runs, and what bounds it. `make bench` regenerates this
page from a template in `bench/run_bench.sh`; edit the template there, not
this file.

## What is measured

**Fiber switch** (`bench/fiber_bench.c`). The scheduler runs each simulated
actor on a fiber and switches at every database call, sleep and lock wait, a
few hundred times per run, so the cost of a switch bounds the simulator's
speed. The benchmark resumes a fiber that yields straight back, by default
10,000,000 times, and one round trip is two switches. It reports nanoseconds
per switch, the median of 7 repetitions, and names the switch compiled in
(`asm-x86_64`, `asm-aarch64` or `ucontext`).

**Simulator throughput** (`bench/sim_bench.c`). One repetition runs seeds 1
to N (20,000 by default) of the default scenario (8 batches, 4 workers, a
fault mix drawn per seed from F1 to F5, both decrement paths) under one
retry policy (`phase-split` by default), in one process on one thread.
There are 7 repetitions by default. They all run the same seeds, and a run
is a pure function of its seed, so they do the same work and differ only in
the time the machine took. The benchmark checks this: it fails when the
repetitions' step counts, decrement counts or sums of trace hashes differ.
It reports:

- **runs per second**: seeds run to quiescence or to the step limit, per
  second of wall-clock time (`CLOCK_MONOTONIC`). The time includes the
  invariant checks after every step, the oracle's property checks and the
  hashing of the trace, as in a sweep.
- **committed decrements per second**: Q-DEC transactions (the statement
  that counts the barrier down) that the simulated server committed, summed
  over the runs, per second.
- **scheduler steps per run** and **committed decrements per run**: means
  over the seeds. They depend on the code and the seeds, not on the machine,
  so a change in them means the simulated work changed and the rates are not
  comparable with older figures.
- **runs with a property violation**: how many of the seeds broke a property
  that the oracle checks. The count is there to show what was run; the
  sweep in `barriersim run` is the tool for finding violations.
- **peak RSS**: `getrusage(RUSAGE_SELF).ru_maxrss` after all runs, in KiB,
  for the whole process. The fiber stacks are mapped up front, but only
  their touched pages count. The figure also counts the shared libraries
  loaded at startup: the benchmark links the libpq backend, so libpq and
  its TLS and Kerberos libraries are loaded although the simulator never
  calls them, and they account for most of the figure.

The rates are medians over the repetitions, with the minimum and maximum to
show the spread. They depend on the machine, the compiler, the build flags
and whatever else the machine was running, so compare figures only when they
come from the same machine and build. On a shared virtual machine, quote the
median and rerun before reading much into a difference of a few percent.

## How to reproduce

```sh
make bench                # build with cc into build/cc, run both, rewrite this page
make bench CC=clang       # the same with clang, into build/clang
```

`make bench` builds with the Makefile's flags (`CFLAGS=-O2 -g` unless
`CFLAGS` is set) and the assembly fiber switch where there is one. The
benchmarks also run on their own, with other parameters; this page records
only the defaults:

```sh
build/cc/bench/fiber_bench 1000000                   # round trips per repetition
build/cc/bench/sim_bench --policy no-retry --seeds 50000 --repeat 9
```

`sim_bench --help` lists its options. Each prints one `key=value` line per
figure; `bench/run_bench.sh` parses those lines.

EOF

# The results: everything below is rewritten on each run.
cat >>"$page_tmp" <<EOF
## Latest results

Measured on $today (UTC) with \`make bench\`, on $nproc CPUs ($cpu),
built with $compiler.

| figure | median | min | max |
|---|---:|---:|---:|
| simulator runs per second | $runs_median | $runs_min | $runs_max |
| committed decrements per second | $decrements_median | $decrements_min | $decrements_max |
| fiber switch, ns ($fiber_impl) | $fiber_ns | $fiber_min | $fiber_max |

| figure | value |
|---|---:|
| scheduler steps per run (mean) | $steps_mean |
| committed decrements per run (mean) | $decrements_mean |
| runs with a property violation | $violating_runs of $seeds |
| peak RSS, KiB | $peak_rss_kib |

Simulator: policy \`$policy\`, default scenario with $batches batches and
$workers workers, seeds 1 to $seeds, $repeats repetitions. Fiber switch:
$fiber_round_trips round trips per repetition.

### The libpq backend on a real server

| figure | median |
|---|---:|
| decrements per second through the core on libpq (BEGIN, Q-DEC, COMMIT) | $pq_core |
| pgbench, the same Q-DEC text, 1 client, extended protocol, same server | $pq_pgbench |
| ratio (goal: at least 0.8) | $pq_ratio |
| confirmation runs per minute (default scenario, phase-split) | $confirm_per_minute |

Both sides run 5 barriers of 200 decrements per repetition on a throwaway
server (fsync off) on the same machine; medians of 5 repetitions. The
results column grows the same way on both sides.

### Shrinking, exhaustive search and planted bugs

Shrink times are medians of 5 runs. Mutant cells are seeds (random, PCT at
depth 3) or schedules (exhaustive, seed 1) until the mutant breaks a
property that phase-split does not break; "> N" means not within N.
Exhaustive cells count schedules over seed 1 and then seed 2 (the two
decrement paths), at most 200,000 per seed.

$(cat "$out_dir/mutants_bench.out")

$(cat "$out_dir/goals.md")

Raw output:

\`\`\`
$(cat "$fiber_out" "$sim_out")
\`\`\`
EOF

chmod 644 "$page_tmp" # mktemp creates the file readable by its owner only
mv "$page_tmp" "$page"
page_tmp=
echo "run_bench.sh: wrote $page"
