#!/bin/sh
# The main job: install what is missing, build barriersim, and sweep seeds
# of the default scenario on the simulator under every retry policy.
#
#   ./run_all.sh                 seeds 1..10000
#   SEEDS=1..100000 ./run_all.sh
#
# Prints the per-policy table of violations with a replay command for the
# first failing seed of each property, then the field cases. Writes
# build/run_all.json. Exits 0 when the sweep ran and every field case matched
# its expected outcomes: violations of the weaker policies are the expected
# result of the comparison, and the table reports them.
set -eu
cd "$(dirname "$0")"

sh scripts/install-deps.sh
make -s -j2 bin/barriersim
mkdir -p build

SEEDS=${SEEDS:-1..10000}
status=0
./bin/barriersim run --policy all --seeds "$SEEDS" --json build/run_all.json || status=$?
if [ "$status" -gt 1 ]; then
    echo "run_all: the sweep failed (exit status $status)" >&2
    exit "$status"
fi

echo
./bin/barriersim run --case C1
echo
./bin/barriersim run --case C3
echo
echo "run_all: summary written to build/run_all.json"
