#!/bin/sh
# End-to-end tests of what CI systems and installers use: the exit status of
# each class, check's JUnit XML and TAP, the progress on stderr, help and
# --version, the man page, make install, and the example GitHub workflow.
# Prints one "ok N - name" or "not ok N - name" line per check, then
# "ci tests done".
set -u

BIN=${BIN:-bin/barriersim}
case "$BIN" in /*) bin_path=$BIN ;; *) bin_path=$PWD/$BIN ;; esac
schema=$PWD/tests/schemas/junit-10.xsd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/check.sh"

# A folder of scenario files. C3 passes. A copy of C1 expects the wrong
# outcome of blind (a per-seed mismatch with a seed to replay) and sits under
# a path with quotes, markup characters and a non-ASCII letter. A copy of C3
# expects a violation that phase-split never shows (no seed to replay) and
# sits under a path with a byte that is not UTF-8, shown as '?' in reports.
odd_dir="$work/suite/odd <&\"'$(printf '\303\251')>"
bad_dir="$work/suite/bad-$(printf '\377')"
mkdir -p "$odd_dir" "$bad_dir"
cp scenarios/cases/C3.yaml "$work/suite/"
sed -e 's/^name: C1$/name: C1-wrong/' \
    -e 's/^  blind: .*/  blind: {outcome: error, violated: []}/' \
    scenarios/cases/C1.yaml >"$odd_dir/c1.yaml"
sed -e 's/^name: C3$/name: C3-violates/' \
    -e 's/^  phase-split: .*/  phase-split: {violates: [S4]}/' \
    scenarios/cases/C3.yaml >"$bad_dir/c3_violates.yaml"

# --- exit status by class -------------------------------------------------

"$BIN" check "$work/suite" --json "$work/suite.json" --junit "$work/suite.xml" \
    --tap "$work/suite.tap" >"$work/suite.txt" 2>&1
suite_status=$?
check $([ "$suite_status" -eq 5 ]; echo $?) "exit 5: check with an expectation mismatch"
mkdir -p "$work/pass"
cp scenarios/cases/C3.yaml "$work/pass/"
"$BIN" check "$work/pass" >/dev/null 2>&1
check $? "exit 0: check where every expectation matches"
"$BIN" run --policy blind --seeds 1..50 --quiet >/dev/null 2>&1
check $([ $? -eq 1 ]; echo $?) "exit 1: run without expectations that breaks a property"
"$BIN" run --scenario scenarios/cases/C3.yaml --quiet >/dev/null 2>&1
check $? "exit 0: run whose expected violations all happen"
"$BIN" run --scenario "$bad_dir/c3_violates.yaml" --quiet >/dev/null 2>&1
check $([ $? -eq 5 ]; echo $?) "exit 5: run --scenario with an expectation mismatch"
"$BIN" run --seeds x..y >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "exit 2: usage error"
"$BIN" check "$work/pass" --junit "$work/missing/dir/out.xml" >"$work/err.txt" 2>&1
check $([ $? -eq 3 ] && grep -q 'could not write JUnit XML' "$work/err.txt"; echo $?) \
    "exit 3: JUnit XML path that cannot be written"
"$BIN" confirm --pg "host=$work/nosocket port=1 connect_timeout=2" --policy blind \
    --seed 1 --quiet >/dev/null 2>&1
check $([ $? -eq 4 ]; echo $?) "exit 4: confirm without a reachable server"
"$BIN" help | grep -q '^  5  expectation mismatch'
check $? "help lists the exit status of each class"

# --- JUnit XML -------------------------------------------------------------

grep -Eq '^3 scenarios, 17 policy checks, 2 failed$' "$work/suite.txt"
check $? "check counts the failed policy checks"
xmllint --noout --schema "$schema" "$work/suite.xml" 2>"$work/xmllint.txt"
check $? "JUnit XML validates against junit-10.xsd"
python3 - "$work/suite.xml" "$work/suite" >"$work/junit_check.txt" 2>&1 <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
assert root.get("tests") == "17", root.get("tests")
assert root.get("failures") == "2", root.get("failures")
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert set(suites) == {"C3", "C1-wrong", "C3-violates"}, suites.keys()
cases = root.findall("testsuite/testcase")
assert len(cases) == 17, len(cases)
assert all(c.get("classname") == c.get("classname").strip() for c in cases)
odd = suites["C1-wrong"]
assert odd.get("file") == sys.argv[2] + "/odd <&\"'\u00e9>/c1.yaml", odd.get("file")
bad = suites["C3-violates"]
assert bad.get("file") == sys.argv[2] + "/bad-?/c3_violates.yaml", bad.get("file")
assert odd.get("tests") == "5", odd.attrib
assert odd.get("failures") == "1", odd.attrib
failure = odd.find("testcase[@name='blind']/failure")
assert failure is not None
message = failure.get("message")
assert message.startswith("outcome: expected error in every seed, got complete"), message
assert " replay --policy blind --seed 1 --scenario " in message, message
assert message.endswith(" --trace"), message
assert failure.text == message, failure.text
violates = suites["C3-violates"].find("testcase[@name='phase-split']/failure")
assert "violates S4: not violated" in violates.get("message"), violates.get("message")
assert " run --scenario " in violates.get("message"), violates.get("message")
assert violates.get("message").endswith(" --policy phase-split"), violates.get("message")
PY
junit_status=$?
[ "$junit_status" -ne 0 ] && cat "$work/junit_check.txt"
check "$junit_status" "JUnit XML: one test case per scenario and policy, failures with commands"

# The replay command in the failure reproduces the run it names.
python3 - "$work/suite.xml" >"$work/replay_cmd.txt" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
failure = root.find("testsuite[@name='C1-wrong']/testcase[@name='blind']/failure")
print(failure.get("message").split("; reproduce: ", 1)[1])
PY
replay_cmd=$(cat "$work/replay_cmd.txt")
sh -c "$replay_cmd" >"$work/replayed.txt" 2>&1
grep -q '^verdict: outcome=complete' "$work/replayed.txt"
check $? "the failure's command replays the seed it names"

# The schema check fires on a document that breaks it.
sed 's/<testsuite name="C3" tests="[0-9]*"/<testsuite name="C3"/' "$work/suite.xml" \
    >"$work/broken.xml"
! grep -q '<testsuite name="C3" tests=' "$work/broken.xml" &&
    ! xmllint --noout --schema "$schema" "$work/broken.xml" >/dev/null 2>&1
check $? "xmllint rejects a testsuite without its tests attribute"

# A coverage check is a test case of its own.
mkdir -p "$work/thin"
sed -e 's/^seeds: .*/seeds: 1..1/' -e 's/^name: all-faults/name: thin/' \
    scenarios/sweeps/all-faults.yaml >"$work/thin/thin.yaml"
"$BIN" check "$work/thin" --junit "$work/thin.xml" --tap "$work/thin.tap" \
    >"$work/thin.txt" 2>&1
thin_status=$?
xmllint --noout --schema "$schema" "$work/thin.xml" 2>/dev/null &&
    grep -q '<testcase classname="thin" name="coverage">' "$work/thin.xml" &&
    grep -q 'never struck in 1 runs.*reproduce: .* run --scenario .*thin.yaml --coverage' \
        "$work/thin.xml" && [ "$thin_status" -eq 5 ]
check $? "a coverage failure is a JUnit test case with a rerun command"

# No temporary file is left beside the reports.
[ -z "$(find "$work" -maxdepth 1 -name '*.tmp*')" ]
check $? "JUnit XML and TAP leave no temporary file behind"

# --- TAP -------------------------------------------------------------------

head -n 2 "$work/suite.tap" | tr '\n' ' ' | grep -q '^TAP version 13 1\.\.17 $'
check $? "TAP has the version line and the plan"
prove -e cat "$work/suite.tap" >"$work/prove.txt" 2>&1
prove_status=$?
[ "$prove_status" -ne 0 ] && grep -q 'Tests: 17 Failed: 2' "$work/prove.txt"
check $? "prove parses the TAP and counts 2 failures of 17"
prove -e cat "$work/thin.tap" >/dev/null 2>&1
check $([ $? -ne 0 ]; echo $?) "prove fails the TAP of a failed coverage check"
"$BIN" check "$work/pass" --tap "$work/pass.tap" >/dev/null 2>&1 &&
    prove -e cat "$work/pass.tap" >"$work/prove_pass.txt" 2>&1
check $? "prove passes the TAP of a passing suite"
perl -MTAP::Parser -e '
    open(my $in, "<", $ARGV[0]) or exit 9;
    my $parser = TAP::Parser->new({ tap => do { local $/; <$in> } });
    my ($reproduce, $file, $yaml_count) = ("", "", 0);
    while (my $result = $parser->next) {
        next unless $result->is_yaml;
        $yaml_count++;
        my $data = $result->data;
        $reproduce .= ($data->{reproduce} // "") . "\n";
        $file .= ($data->{file} // "") . "\n";
    }
    exit 1 unless $parser->version == 13 && $parser->tests_run == 17;
    exit 2 unless scalar($parser->failed) == 2 && $yaml_count == 2;
    exit 3 unless $reproduce =~ /replay --policy blind --seed 1 --scenario .* --trace/;
    exit 4 unless $file =~ m{/bad-\?/c3_violates\.yaml};
' "$work/suite.tap"
check $? "TAP::Parser reads each failure's YAML block with file and command"
printf 'TAP version 13\n1..3\nok 1 - a\nok 2 - b\n' >"$work/short.tap"
prove -e cat "$work/short.tap" >/dev/null 2>&1
check $([ $? -ne 0 ]; echo $?) "prove rejects TAP whose plan does not match its tests"

# --- progress --------------------------------------------------------------

CI=true "$BIN" run --policy blind --seeds 1..200 >/dev/null 2>"$work/progress.txt"
[ "$(grep -c '^run: [0-9]*/200 runs ([0-9]*%)' "$work/progress.txt")" -eq 10 ] &&
    tail -n 1 "$work/progress.txt" | grep -q '^run: 200/200 runs (100%), .* elapsed$'
check $? "under CI a sweep prints a line per tenth of its runs"
CI=true "$BIN" run --policy blind --seeds 1..200 --quiet >/dev/null 2>"$work/quiet.txt"
[ ! -s "$work/quiet.txt" ]
check $? "--quiet prints no progress"
"$BIN" replay --policy blind --seed 1 --quiet >/dev/null 2>&1
check $([ $? -eq 2 ]; echo $?) "--quiet outside run and confirm is a usage error"

# script(1) gives the sweep a terminal: the bar is redrawn in place.
start_ns=$(date +%s%N)
env -u CI TERM=xterm script -qec "'$bin_path' run --policy all --seeds 1..3000" /dev/null \
    >"$work/tty.txt" 2>&1
tty_status=$?
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
draws=$(grep -o "$(printf '\r')run \[" "$work/tty.txt" | wc -l)
grep -q 'run \[#*\.*\] [0-9]*/66000 runs' "$work/tty.txt" &&
    grep -q '\[########################\] 66000/66000 runs 100% .* elapsed' "$work/tty.txt" &&
    [ "$tty_status" -eq 1 ]
check $? "on a terminal a sweep draws a bar and ends with the elapsed time"
# At most ten redraws a second, the final one, and one of slack.
[ "$draws" -ge 2 ] && [ "$draws" -le $((elapsed_ms / 100 + 2)) ]
check $? "the bar is redrawn at most about ten times a second ($draws in $elapsed_ms ms)"

# --- help, version, man page -----------------------------------------------

help_failures=""
for command in run check replay shrink explore save confirm compare merge list help; do
    "$BIN" help "$command" >"$work/help_$command.txt" 2>&1 || help_failures="$help_failures $command"
    "$BIN" "$command" --help >"$work/dash_$command.txt" 2>&1 ||
        help_failures="$help_failures $command--help"
    cmp -s "$work/help_$command.txt" "$work/dash_$command.txt" ||
        help_failures="$help_failures $command-differs"
    sed -n 2p "$work/help_$command.txt" | grep -q " $command" ||
        help_failures="$help_failures $command-synopsis"
    grep -q '^exit status:' "$work/help_$command.txt" ||
        help_failures="$help_failures $command-exit"
done
[ -z "$help_failures" ] || echo "help problems:$help_failures"
check $([ -z "$help_failures" ]; echo $?) "help COMMAND and COMMAND --help print that command's usage"
! grep -q ' check DIR' "$work/help_run.txt" && ! grep -q ' run ' "$work/help_check.txt"
check $? "a command's help leaves out the other commands"
duplicate_status=""
for command in run check replay shrink explore save confirm compare merge; do
    sed -n '/^exit status:/,$p' "$work/help_$command.txt" | grep -oE '^  [0-9]+ ' | sort |
        uniq -d | grep -q . && duplicate_status="$duplicate_status $command"
done
[ -z "$duplicate_status" ] || echo "a status listed twice in:$duplicate_status"
check $([ -z "$duplicate_status" ]; echo $?) "each command's help lists each exit status once"
grep -q '^  5  an expectation mismatch$' "$work/help_check.txt" &&
    grep -q '^  4  an environment error' "$work/help_confirm.txt"
check $? "a command's help lists its own exit statuses"
"$BIN" help nonsense >/dev/null 2>"$work/err.txt"
check $([ $? -eq 2 ] && grep -q 'unknown command "nonsense"' "$work/err.txt"; echo $?) \
    "help of an unknown command is a usage error"
"$BIN" run --seeds 1..3 --help | sed -n 2p | grep -q ' run \[--policy'
check $? "--help after other options prints the command's usage"
version=$(cat VERSION)
"$BIN" --version | grep -Eq "^barriersim $version( \(git [0-9a-f]+(-dirty)?\))?$"
check $? "--version prints the VERSION file's version"

man --warnings -l docs/barriersim.1 >/dev/null 2>"$work/man_warnings.txt" &&
    [ ! -s "$work/man_warnings.txt" ] &&
    groff -man -ww -z docs/barriersim.1 2>"$work/groff_warnings.txt" &&
    [ ! -s "$work/groff_warnings.txt" ]
check $? "the man page formats without warnings"
{ cat docs/barriersim.1; printf '.XY not a macro\n.B\n'; } >"$work/broken.1"
groff -man -ww -z "$work/broken.1" 2>"$work/groff_broken.txt"
[ -s "$work/groff_broken.txt" ]
check $? "the man page check warns about a broken page"
missing=""
for command in run check replay shrink explore save confirm list help; do
    grep -q "^\.B $command\$" docs/barriersim.1 || missing="$missing $command"
done
for status in 0 1 2 3 4 5; do
    grep -A1 '^\.SH EXIT STATUS' docs/barriersim.1 >/dev/null &&
        sed -n '/^\.SH EXIT STATUS/,/^\.SH ENVIRONMENT/p' docs/barriersim.1 |
        grep -q "^\.B $status\$" || missing="$missing status-$status"
done
[ -z "$missing" ] || echo "missing from the man page:$missing"
check $([ -z "$missing" ]; echo $?) "the man page covers every command and exit status"

# --- make install ----------------------------------------------------------

stage=$work/stage
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s install DESTDIR="$stage" PREFIX=/usr/local \
    INSTALL_BIN="$BIN" >"$work/install.txt" 2>&1
install_status=$?
[ "$install_status" -eq 0 ] && [ -x "$stage/usr/local/bin/barriersim" ] &&
    [ -f "$stage/usr/local/share/man/man1/barriersim.1" ] &&
    [ -f "$stage/usr/local/share/barriersim/scenarios/cases/C1.yaml" ] &&
    [ -f "$stage/usr/local/share/barriersim/scenarios/sweeps/policies.yaml" ]
check $? "make install puts the binary, man page and scenarios under DESTDIR/PREFIX"
mkdir -p "$work/elsewhere"
(cd "$work/elsewhere" && env -u BARRIERSIM_SCENARIOS "$stage/usr/local/bin/barriersim" \
    run --case C1 --quiet >"$work/installed_c1.txt" 2>&1) &&
    grep -q "^file: $stage/usr/local/share/barriersim/scenarios/cases/C1.yaml$" \
        "$work/installed_c1.txt"
check $? "the installed binary finds --case files in PREFIX/share/barriersim"
"$stage/usr/local/bin/barriersim" --version | grep -q "^barriersim $version" &&
    man --warnings -l "$stage/usr/local/share/man/man1/barriersim.1" 2>&1 >/dev/null |
    { ! grep .; }
check $? "the installed binary and man page work"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s uninstall DESTDIR="$stage" \
    PREFIX=/usr/local >"$work/uninstall.txt" 2>&1 &&
    [ -z "$(find "$stage" -type f)" ] && [ ! -e "$stage/usr/local/share/barriersim" ]
check $? "make uninstall removes every installed file"

# --- the example GitHub Actions workflow ------------------------------------

workflow=.github/workflows/barriersim.yml
python3 - "$workflow" "$work/steps" >"$work/workflow.txt" 2>&1 <<'PY'
import os
import sys
import yaml

doc = yaml.safe_load(open(sys.argv[1]))
triggers = doc.get("on", doc.get(True))
assert "pull_request" in triggers, triggers
assert "push" in triggers, triggers
steps = doc["jobs"]["suite"]["steps"]
runs = [s.get("run", "") for s in steps]
uses = [s.get("uses", "") for s in steps]
check = next(r for r in runs if "bin/barriersim check scenarios/" in r)
assert "--junit reports/ci/check.xml" in check, check
assert "--tap reports/ci/check.tap" in check, check
assert any("compare --policy all --seeds 1..10000 --out reports/ci" in r for r in runs)
assert any("report.md" in r and "GITHUB_STEP_SUMMARY" in r for r in runs)
upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
assert "reports/ci/report.html" in upload["with"]["path"], upload
junit = next(s for s in steps if "junit" in s.get("uses", ""))
assert junit["with"]["report_paths"] == "reports/ci/check.xml", junit
assert doc["jobs"]["tests"]["steps"][-1]["run"].strip().endswith("./run_tests.sh")
os.makedirs(sys.argv[2])
for job in doc["jobs"].values():
    for index, step in enumerate(job["steps"]):
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            path = os.path.join(sys.argv[2], "%02d.sh" % len(os.listdir(sys.argv[2])))
            open(path, "w").write(step["run"])
with open(os.path.join(sys.argv[2], "check.sh"), "w") as out:
    out.write(check)
PY
workflow_status=$?
[ "$workflow_status" -ne 0 ] && cat "$work/workflow.txt"
check "$workflow_status" "the workflow parses and checks, compares, summarises and uploads"
bad_scripts=""
for script in "$work/steps"/*.sh; do
    bash -n "$script" 2>/dev/null || bad_scripts="$bad_scripts $script"
done
check $([ -z "$bad_scripts" ]; echo $?) "every run step of the workflow is valid bash"

# The workflow's check step, run here, writes a report that validates.
mkdir -p "$work/repo/bin"
ln -s "$PWD/scenarios" "$work/repo/scenarios"
ln -s "$bin_path" "$work/repo/bin/barriersim"
(cd "$work/repo" && bash -e "$work/steps/check.sh" >"$work/workflow_check.txt" 2>&1) &&
    xmllint --noout --schema "$schema" "$work/repo/reports/ci/check.xml" 2>/dev/null &&
    prove -e cat "$work/repo/reports/ci/check.tap" >/dev/null 2>&1
check $? "the workflow's check step passes here and its reports validate"

echo "ci tests done"
