#!/bin/sh
# Run every test on the sanitizer build in $BUILD, whose test binaries are
# the arguments, then run a few commands of the normal build (bin/barriersim)
# under valgrind memcheck. Exit 1 when a test failed, a sanitizer reported
# anything, or valgrind found an error. `make sanitize` builds $BUILD and
# calls this script.
#
# Several tests expect exit status 1 (a violation) from barriersim, which is
# also the sanitizers' default status. So a report exits 99 instead, and every
# report is also written under $BUILD/sanitizer-logs: a report in a process
# whose status a test ignores still fails this script.
set -u

build=${BUILD:?BUILD must name the sanitizer build folder}
log_dir="$build/sanitizer-logs"
report_status=99

if ! command -v valgrind >/dev/null 2>&1; then
    echo "make sanitize: valgrind not found; install the valgrind package" \
        "(scripts/install-deps.sh does)" >&2
    exit 2
fi

rm -rf "$log_dir"
mkdir -p "$log_dir"
log_dir=$(cd "$log_dir" && pwd)

# detect_stack_use_after_return exercises the fibers' fake-stack hand-over
# (sim/fiber.c); strict_string_checks and the initialisation order cost
# little. halt_on_error keeps UBSan from carrying on past its first report.
export ASAN_OPTIONS="exitcode=$report_status:log_path=$log_dir/asan:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:abort_on_error=0"
export UBSAN_OPTIONS="exitcode=$report_status:log_path=$log_dir/ubsan:halt_on_error=1:print_stacktrace=1"

# First the planted bugs of tests/sanitize_canary.c: each must fail with the
# report status and leave a report, or a clean run below proves nothing.
echo "== planted bugs, which must be reported"
canary_failed=0
canary() {
    tool=$1
    bug=$2
    shift 2
    "$@" "$bug" >/dev/null 2>&1
    status=$?
    if [ "$status" -eq "$report_status" ]; then
        echo "ok - $tool reports the planted $bug bug"
    else
        echo "not ok - $tool missed the planted $bug bug (exit status $status)"
        canary_failed=1
    fi
}
canary AddressSanitizer heap "$build/tests/sanitize_canary"
canary UndefinedBehaviorSanitizer signed "$build/tests/sanitize_canary"
canary LeakSanitizer leak "$build/tests/sanitize_canary"
canary "valgrind memcheck" heap valgrind --quiet --error-exitcode=$report_status \
    "${PLAIN_BUILD:?PLAIN_BUILD must name the normal build folder}/tests/sanitize_canary"
canary "valgrind memcheck" leak valgrind --quiet --error-exitcode=$report_status \
    --leak-check=full --errors-for-leak-kinds=definite,indirect \
    "$PLAIN_BUILD/tests/sanitize_canary"
if [ -z "$(find "$log_dir" -type f)" ]; then
    echo "not ok - the planted bugs left no report in $log_dir"
    canary_failed=1
fi
rm -f "$log_dir"/*

echo
echo "== the test suite under AddressSanitizer and UndefinedBehaviorSanitizer"
BIN="$build/barriersim" BUILD="$build" sh tests/with_pg.sh sh tests/collect.sh "$@"
tests_status=$?

reports=$(find "$log_dir" -type f | sort)
if [ -n "$reports" ]; then
    for report in $reports; do
        echo "== sanitizer report $report"
        cat "$report"
    done
    echo "make sanitize: the sanitizers reported $(echo "$reports" | wc -l) problem(s) (above)"
fi

# memcheck: each command must end with the status it has outside valgrind,
# never valgrind's own. Leaks of memory still reachable at exit are not
# errors; definite and indirect leaks are.
echo
echo "== valgrind memcheck of bin/barriersim"
memcheck_failed=0
memcheck() {
    expected=$1
    shift
    valgrind --quiet --error-exitcode=$report_status --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --track-origins=yes bin/barriersim "$@" >"$build/memcheck.out" 2>"$build/memcheck.err"
    status=$?
    if [ "$status" -eq "$expected" ]; then
        echo "ok - memcheck clean: barriersim $*"
    else
        cat "$build/memcheck.err"
        echo "not ok - memcheck: barriersim $* exited $status, expected $expected"
        memcheck_failed=1
    fi
}
memcheck 1 replay --policy blind --seed 5
memcheck 0 replay --check --policy phase-split --seed 3
memcheck 1 run --policy all --seeds 1..10
memcheck 0 run --scenario scenarios/cases/C3.yaml

if [ "$canary_failed" -ne 0 ] || [ "$tests_status" -ne 0 ] || [ -n "$reports" ] ||
    [ "$memcheck_failed" -ne 0 ]; then
    echo "make sanitize: failed (above)"
    exit 1
fi
echo "make sanitize: clean"
