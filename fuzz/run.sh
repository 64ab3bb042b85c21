#!/bin/sh
# Run one fuzz target of build/fuzz, or minimise its corpus.
#
#   sh fuzz/run.sh run TARGET SECONDS   fuzz for SECONDS on one core
#   sh fuzz/run.sh merge TARGET         minimise fuzz/corpus/TARGET together
#                                       with the new inputs of earlier runs;
#                                       files named regression-* stay
#
# The corpus in git, fuzz/corpus/TARGET, is read but never written by a run:
# new inputs go to build/fuzz/work/TARGET. A crash is saved as
# build/fuzz/artifacts/TARGET-crash-<sha1> and ends the run with status 1;
# rerun that file with the fuzzer binary to see the report. `make fuzz` and
# `make fuzz-merge` build the binaries first.
set -u

action=${1:?usage: fuzz/run.sh run TARGET SECONDS | merge TARGET}
target=${2:?usage: fuzz/run.sh run TARGET SECONDS | merge TARGET}
binary=build/fuzz/fuzzers/fuzz_$target
corpus=fuzz/corpus/$target
work=build/fuzz/work/$target
artifacts=build/fuzz/artifacts
dict=fuzz/$target.dict

if [ ! -x "$binary" ]; then
    echo "fuzz/run.sh: $binary is missing; run make fuzz" >&2
    exit 2
fi
if [ ! -d "$corpus" ]; then
    echo "fuzz/run.sh: no corpus folder $corpus; create it with one input file" >&2
    exit 2
fi
mkdir -p "$work" "$artifacts"
dict_option=""
if [ -f "$dict" ]; then
    dict_option="-dict=$dict"
fi

# stdin from /dev/null: a command-line input may name /dev/stdin as a file.
# -close_fd_mask=2 hides the parsers' error messages (one per input); a
# crash input still lands in $artifacts.
case "$action" in
run)
    seconds=${3:?usage: fuzz/run.sh run TARGET SECONDS}
    echo "== fuzz $target for $seconds s"
    # shellcheck disable=SC2086
    "$binary" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -close_fd_mask=2 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$target-" $dict_option "$work" "$corpus" \
        </dev/null
    ;;
merge)
    merged=$(mktemp -d)
    trap 'rm -rf "$merged"' EXIT
    echo "== merge the corpus of $target"
    # shellcheck disable=SC2086
    if ! "$binary" -merge=1 -close_fd_mask=2 -timeout=10 $dict_option "$merged" \
        "$corpus" "$work" </dev/null; then
        echo "fuzz/run.sh: the merge of $target failed; $corpus is unchanged" >&2
        exit 1
    fi
    # The inputs of fixed bugs keep their names, whatever they add.
    for regression in "$corpus"/regression-*; do
        if [ -f "$regression" ]; then
            cp "$regression" "$merged/"
        fi
    done
    # Replace the corpus only once the merge is complete.
    rm -rf "$corpus.new"
    cp -r "$merged" "$corpus.new" && rm -rf "$corpus" && mv "$corpus.new" "$corpus"
    echo "fuzz/run.sh: $corpus now holds $(ls "$corpus" | wc -l) inputs"
    ;;
*)
    echo "fuzz/run.sh: unknown action \"$action\"; use run or merge" >&2
    exit 2
    ;;
esac
