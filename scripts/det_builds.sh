#!/bin/sh
# Compare the determinism digests of several builds: run BUILD/tests/det_digest
# of each build folder given (tests/det_digest.c: 10,000 seeds of the default
# scenario under four policies) and require identical output. `make
# determinism` builds gcc and clang at -O0 and -O2 and calls this script.
#
#   sh scripts/det_builds.sh BUILD...
#
# Prints one line per build and a verdict. Exits 0 when all agree, 1 when
# they differ (after the lines that differ and how to find the first seed),
# and 2 when a build is missing.
set -u

if [ "$#" -lt 2 ]; then
    echo "det_builds: give at least two build folders" >&2
    exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

first=""
status=0
for build in "$@"; do
    binary=$build/tests/det_digest
    name=$(echo "$build" | tr '/' '_')
    if [ ! -x "$binary" ]; then
        echo "det_builds: $binary is missing; run make determinism" >&2
        exit 2
    fi
    if ! "$binary" >"$out/$name.txt" 2>&1; then
        cat "$out/$name.txt"
        echo "det_builds: $binary failed" >&2
        exit 2
    fi
    echo "$build: $(grep '^all digest=' "$out/$name.txt")"
    if [ -z "$first" ]; then
        first=$name
        first_build=$build
    elif ! cmp -s "$out/$first.txt" "$out/$name.txt"; then
        echo "det_builds: $build and $first_build differ:"
        diff "$out/$first.txt" "$out/$name.txt" | sed 's/^/    /'
        status=1
    fi
done

if [ "$status" -ne 0 ]; then
    echo "det_builds: the builds ran different paths; diff the output of" \
        "BUILD/tests/det_digest --per-seed of two of them for the first seed, then" \
        "compare replay --trace of that seed"
    exit 1
fi
echo "det_builds: all $# builds agree"
