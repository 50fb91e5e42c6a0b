#!/bin/bash
# The README's second command: set up everything, then run the whole test
# suite: unit and integration tests, the same under valgrind memcheck and
# under ASan+UBSan, every plugin through `make check-plugin`,
# `make distcheck`, the systemd-VM tests (waagent's own code driving the
# extension package; they run in the background, beside the CPU-bound
# passes, since they mostly wait for the VM), and static analysis.  Ends
# with a table: stage, result, seconds.  Run as root on Debian 12 from
# anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

t_total=$(date +%s)
bash scripts/setup-debian.sh

passed=0
failed=0
# Add up automake's test-suite.log summary of one pass.
count() {
	local log=$1 p f
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}
section() { printf '\n==== %s\n' "$*"; }
# The summary table: one row per stage.
declare -a row_names=() row_results=() row_secs=()
t_row=$(date +%s)
row() { # name result
	local now
	now=$(date +%s)
	row_names+=("$1"); row_results+=("$2"); row_secs+=("$((now - t_row))")
	t_row=$now
}

section "build (default: -Wall -Wextra -Werror)"
bash scripts/build.sh default
cd _build/default

section "make check (with a short libFuzzer run of every parser)"
make -j2 check VERBOSE=1 --no-print-directory
count test-suite.log
row "make check (+ fuzz smoke)" pass

# ---- the systemd VM, in the background from here on ----------------------------------
# The package first (the VM tests install it the way waagent does); the
# tests themselves wait mostly on the VM (apt, dockerd, waagent's loop).
make extension-zip --no-print-directory > "$top/_build/extension-zip.log" 2>&1 ||
	{ cat "$top/_build/extension-zip.log"; exit 1; }
zip=$(ls "$PWD"/docker-extension-*.zip)
(
	for t in test_vm_smoke test_debian_real test_waagent; do
		t0=$(date +%s)
		if DX_TOP_BUILDDIR="$top/_build/default" DX_EXTENSION_ZIP="$zip" \
			bash "$top/tests/testbed/$t.sh" > "$top/_build/$t.log" 2>&1; then
			echo "$t pass $(( $(date +%s) - t0 ))"
		else
			echo "$t FAIL $(( $(date +%s) - t0 ))"
		fi
	done > "$top/_build/testbed.results"
) &
testbed_pid=$!
# A pass that fails ends this script (set -e): the VM tests are stopped
# then too, and each tears its VM down (their TERM trap).
stop_testbed() {
	local kids
	kill -0 "$testbed_pid" 2>/dev/null || return 0
	kids=$(pgrep -P "$testbed_pid" || true)
	kill -TERM "$testbed_pid" 2>/dev/null || true
	# shellcheck disable=SC2086 # one pid per word
	[ -z "$kids" ] || kill -TERM $kids 2>/dev/null || true
}
trap stop_testbed EXIT

section "make check under valgrind memcheck"
DX_REPRO_TEST=no make -j2 check VERBOSE=1 DX_VALGRIND=yes FUZZ_SECONDS=0 --no-print-directory
count test-suite.log
row "make check under valgrind" pass

section "make check-plugin, once per plugin (the CI matrix)"
for plugin in ubuntu debian centos rhel coreos; do
	make check-plugin PLUGIN=$plugin --no-print-directory > "check-plugin-$plugin.log" 2>&1 ||
		{ cat "check-plugin-$plugin.log"; failed=$((failed + 1)); continue; }
	passed=$((passed + 1))
	echo "PASS check-plugin $plugin"
done
row "make check-plugin x5" "$([ "$failed" -eq 0 ] && echo pass || echo FAIL)"

section "make distcheck"
DX_REPRO_TEST=no make distcheck FUZZ_SECONDS=0 --no-print-directory > distcheck.log 2>&1 ||
	{ tail -n 60 distcheck.log; exit 1; }
grep -E '^(# (TOTAL|PASS|FAIL)|docker-extension-.* archives ready)' distcheck.log || true
row "make distcheck" pass
cd "$top"

section "build and make check with ASan+UBSan"
bash scripts/build.sh sanitizers --enable-sanitizers
cd _build/sanitizers
DX_REPRO_TEST=no make -j2 check VERBOSE=1 FUZZ_SECONDS=0 --no-print-directory
count test-suite.log
row "make check with ASan+UBSan" pass
cd "$top"

section "static analysis: cppcheck and clang-tidy (scripts/analyse.sh)"
if bash scripts/analyse.sh > _build/analyse.log 2>&1; then
	passed=$((passed + 1))
	tail -n 1 _build/analyse.log
	row "static analysis" pass
else
	cat _build/analyse.log
	failed=$((failed + 1))
	row "static analysis" FAIL
fi

section "systemd VM testbed (tests/testbed; started after make check, in the background)"
wait "$testbed_pid" || true
t_row=$(date +%s)
while read -r t result secs; do
	if [ "$result" = pass ]; then
		passed=$((passed + 1))
		tail -n 2 "_build/$t.log"
	else
		cat "_build/$t.log"
		failed=$((failed + 1))
	fi
	row_names+=("testbed: $t"); row_results+=("$result"); row_secs+=("$secs")
done < _build/testbed.results
[ -s _build/testbed.results ] || { echo "the testbed tests did not run (_build/testbed.results is empty)"; failed=$((failed + 1)); }

section "summary"
printf '%-36s %-6s %8s\n' "stage" "result" "seconds"
for i in "${!row_names[@]}"; do
	printf '%-36s %-6s %8s\n' "${row_names[$i]}" "${row_results[$i]}" "${row_secs[$i]}"
done
echo "total: $(( $(date +%s) - t_total ))s"
echo "test programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
