#!/bin/sh
# The main job: install what is missing, build barriersim, and sweep seeds
# of the default scenario on the simulator under every retry policy.
#
#   ./run_all.sh                 seeds 1..10000
#   SEEDS=1..100000 ./run_all.sh
#
# Prints the per-policy table of violations with a replay command for the
# first failing seed of each property, then checks the scenario corpus
# (scenarios/: field cases, canonical schedules, sweeps) against its
# expectations. Writes build/run_all.json and build/corpus.json. Exits 0 when
# the sweep ran and every corpus file matched: violations of the weaker
# policies (the sweep's exit status 1) are the expected result of the
# comparison, and the table reports them. A corpus mismatch exits 5; a
# corpus file that does not load, 2 (bin/barriersim help lists the classes).
set -eu
cd "$(dirname "$0")"

sh scripts/install-deps.sh
make -s -j2 bin/barriersim
mkdir -p build

SEEDS=${SEEDS:-1..10000}
status=0
./bin/barriersim run --policy all --seeds "$SEEDS" --json build/run_all.json || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "run_all: the sweep failed (exit status $status)" >&2
    exit "$status"
fi

echo
status=0
./bin/barriersim check scenarios/ --json build/corpus.json || status=$?
if [ "$status" -ne 0 ]; then
    echo "run_all: the scenario corpus does not match its expectations" \
        "(exit status $status); the FAIL lines above name each mismatch" >&2
    exit "$status"
fi
echo
echo "run_all: summary written to build/run_all.json, corpus verdicts to build/corpus.json"
