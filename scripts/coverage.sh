#!/bin/sh
# Run every test on the gcov build in $BUILD, whose test binaries are the
# arguments, and write the HTML report of lines and branches to
# reports/coverage/. Print the figures of core/, and exit 1 when core/ is
# below the thresholds or a test failed. `make coverage` builds $BUILD and
# calls this script.
#
# Only core/*.c counts for the thresholds. Branches on lines that call
# assert() are left out (lcov_excl_br_line): an assertion guards against a
# programmer error, so its failing side is never taken in a correct run.
# Other unreachable code is marked in place with LCOV_EXCL_* and a reason.
set -u

build=${BUILD:?BUILD must name the gcov build folder}
report_dir=reports/coverage
line_min_pct=100
branch_min_pct=95

for tool in lcov genhtml; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make coverage: $tool not found; install the lcov package (scripts/install-deps.sh does)" >&2
        exit 2
    fi
done

lcov_rc() {
    lcov --quiet --rc lcov_branch_coverage=1 \
        --rc 'lcov_excl_br_line=LCOV_EXCL_BR_LINE|assert\(' "$@"
}

# Counters from an earlier run would add to this one's.
find "$build" -name '*.gcda' -delete

# The command-line tests run the instrumented binary through $BIN.
BIN="$build/barriersim" BUILD="$build" sh tests/with_pg.sh sh tests/collect.sh "$@"
tests_status=$?

echo
echo "== coverage"
all_info="$build/coverage-all.info"
project_info="$build/coverage-project.info"
core_info="$build/coverage-core.info"
if ! lcov_rc --capture --no-external --directory "$build" --base-directory . \
        --output-file "$all_info" ||
    ! lcov_rc --remove "$all_info" '*/tests/*' --output-file "$project_info" ||
    ! lcov_rc --extract "$all_info" '*/core/*.c' --output-file "$core_info"; then
    echo "make coverage: lcov failed to read the counters in $build (see above)" >&2
    exit 1
fi

rm -rf "$report_dir"
if ! genhtml --quiet --branch-coverage --legend --title "barriersim" \
        --rc 'lcov_excl_br_line=LCOV_EXCL_BR_LINE|assert\(' \
        --output-directory "$report_dir" "$project_info"; then
    echo "make coverage: genhtml failed to write $report_dir (see above)" >&2
    exit 1
fi
echo "HTML report: $report_dir/index.html"

# Sum the per-file counts of core/ and compare them as integers, so that a
# rounded 100.0% cannot hide a missed line.
awk -v line_min="$line_min_pct" -v branch_min="$branch_min_pct" '
    function pct(hit, found) {
        return found == 0 ? 100 : int(hit * 1000 / found) / 10
    }
    /^LF:/ { lines_found += substr($0, 4) }
    /^LH:/ { lines_hit += substr($0, 4) }
    /^BRF:/ { branches_found += substr($0, 5) }
    /^BRH:/ { branches_hit += substr($0, 5) }
    END {
        printf "core/ lines:    %.1f%% (%d of %d)\n", pct(lines_hit, lines_found), lines_hit, lines_found
        printf "core/ branches: %.1f%% (%d of %d)\n", pct(branches_hit, branches_found), branches_hit, branches_found
        failed = 0
        if (lines_hit * 100 < line_min * lines_found) {
            printf "make coverage: core/ line coverage %.1f%% is below the %d%% threshold\n", pct(lines_hit, lines_found), line_min
            failed = 1
        }
        if (branches_hit * 100 < branch_min * branches_found) {
            printf "make coverage: core/ branch coverage %.1f%% is below the %d%% threshold\n", pct(branches_hit, branches_found), branch_min
            failed = 1
        }
        exit failed
    }' "$core_info"
threshold_status=$?

if [ "$tests_status" -ne 0 ]; then
    echo "make coverage: tests failed (see above)"
    exit 1
fi
exit "$threshold_status"
