#!/bin/bash
# The README's second command: set up everything, then run the whole test
# suite: unit and integration tests, the same under valgrind memcheck and
# under ASan+UBSan, every plugin through `make check-plugin`, and
# `make distcheck`.  Run as root on Debian 12 from anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

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

section "build (default: -Wall -Wextra -Werror)"
bash scripts/build.sh default
cd _build/default

section "make check (with a short libFuzzer run of every parser)"
make -j2 check VERBOSE=1 --no-print-directory
count test-suite.log

section "make check under valgrind memcheck"
make -j2 check VERBOSE=1 DX_VALGRIND=yes FUZZ_SECONDS=0 --no-print-directory
count test-suite.log

section "make check-plugin, once per plugin (the CI matrix)"
for plugin in ubuntu debian centos rhel coreos; do
	make check-plugin PLUGIN=$plugin --no-print-directory > "check-plugin-$plugin.log" 2>&1 ||
		{ cat "check-plugin-$plugin.log"; failed=$((failed + 1)); continue; }
	passed=$((passed + 1))
	echo "PASS check-plugin $plugin"
done

section "make distcheck"
make distcheck FUZZ_SECONDS=0 --no-print-directory > distcheck.log 2>&1 ||
	{ tail -n 60 distcheck.log; exit 1; }
grep -E '^(# (TOTAL|PASS|FAIL)|docker-extension-.* archives ready)' distcheck.log || true
cd "$top"

section "build and make check with ASan+UBSan"
bash scripts/build.sh sanitizers --enable-sanitizers
cd _build/sanitizers
make -j2 check VERBOSE=1 FUZZ_SECONDS=0 --no-print-directory
count test-suite.log
cd "$top"

section "systemd VM testbed: the testbed itself, then the extension package with the Debian plugin on a real systemd (tests/testbed)"
make -C _build/default extension-zip --no-print-directory > _build/extension-zip.log 2>&1 ||
	{ cat _build/extension-zip.log; exit 1; }
zip=$(ls "$top"/_build/default/docker-extension-*.zip)
for t in test_vm_smoke test_debian_real; do
	if DX_TOP_BUILDDIR="$top/_build/default" DX_EXTENSION_ZIP="$zip" \
		bash "tests/testbed/$t.sh" > "_build/$t.log" 2>&1; then
		passed=$((passed + 1))
		tail -n 2 "_build/$t.log"
	else
		cat "_build/$t.log"
		failed=$((failed + 1))
	fi
done

section "static analysis: cppcheck and clang-tidy (scripts/analyse.sh)"
if bash scripts/analyse.sh > _build/analyse.log 2>&1; then
	passed=$((passed + 1))
	tail -n 1 _build/analyse.log
else
	cat _build/analyse.log
	failed=$((failed + 1))
fi

section "summary"
echo "test programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
