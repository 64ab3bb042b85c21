#!/bin/sh
# The comparison behind `make determinism` (scripts/det_builds.sh) fires:
# two builds whose digests differ fail it, two that agree pass. Fake builds
# stand in for the real ones, which run_tests.sh compares, so this costs no
# compilation. Prints "ok N - ..." per check, then "det builds tests done".
set -u

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/check.sh"

fake_build() {
    mkdir -p "$work/$1/tests"
    printf '#!/bin/sh\necho "policy=blind seeds=10000 digest=%s"\necho "all digest=%s"\n' \
        "$2" "$2" >"$work/$1/tests/det_digest"
    chmod +x "$work/$1/tests/det_digest"
}
fake_build same-a 0123456789abcdef
fake_build same-b 0123456789abcdef
fake_build other 0123456789abcdee

sh scripts/det_builds.sh "$work/same-a" "$work/same-b" >"$work/same.txt" 2>&1
check $([ $? -eq 0 ] && grep -q 'all 2 builds agree' "$work/same.txt"; echo $?) \
    "builds with the same digests agree"
sh scripts/det_builds.sh "$work/same-a" "$work/other" >"$work/other.txt" 2>&1
check $([ $? -eq 1 ] && grep -q 'differ' "$work/other.txt" &&
    grep -q 'digest=0123456789abcdee' "$work/other.txt"; echo $?) \
    "builds with another digest fail and show the lines that differ"
sh scripts/det_builds.sh "$work/same-a" "$work/missing" >"$work/missing.txt" 2>&1
check $([ $? -eq 2 ]; echo $?) "a missing build is an error, not a pass"

echo "det builds tests done"
