#!/bin/sh
# Run one shard of a compare sweep where the runner numbers its tasks from 0:
# a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX in each pod. Shard K of N
# is K = JOB_COMPLETION_INDEX + 1, N = SHARD_COUNT (the Job's completions).
# The shard's report.json goes to $OUT/shard-K; merge them with
#   barriersim merge OUT_DIR $OUT/shard-*
# Extra arguments go to compare (the same on every shard: --seeds, --policy,
# --scenario, --shrink-budget).
#
#   JOB_COMPLETION_INDEX=0 SHARD_COUNT=4 OUT=/data scripts/compare-shard.sh --seeds 1..100000
#
# BARRIERSIM names the program (default: barriersim on the PATH).
set -eu

index=${JOB_COMPLETION_INDEX:-}
count=${SHARD_COUNT:-}
case "$index" in
    '' | *[!0-9]*)
        echo "compare-shard: JOB_COMPLETION_INDEX is \"$index\"; expected the task's" \
             "index from 0, as a Kubernetes Indexed Job sets it" >&2
        exit 2 ;;
esac
case "$count" in
    '' | *[!0-9]* | 0)
        echo "compare-shard: SHARD_COUNT is \"$count\"; expected the number of shards" \
             "(the Job's completions), 1 or more" >&2
        exit 2 ;;
esac
if [ "$index" -ge "$count" ]; then
    echo "compare-shard: JOB_COMPLETION_INDEX $index is not below SHARD_COUNT $count" >&2
    exit 2
fi

shard=$((index + 1))
out=${OUT:-.}/shard-$shard
exec "${BARRIERSIM:-barriersim}" compare --shard "$shard/$count" --out "$out" "$@"
