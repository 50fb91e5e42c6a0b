#!/bin/bash
# Static analysis (issue 9): cppcheck and clang-tidy over core/ and
# plugins/, with the checked-in configuration (.cppcheck-suppressions,
# .clang-tidy).  Exits non-zero on any finding: of cppcheck, of clang-tidy,
# or a warning of the build itself; 2 when it cannot run at all.
#
# The compilation database comes from a real build: _build/analyse is
# configured (--disable-werror, so that a warning becomes a finding below
# rather than a failed build) and built under bear(1); its config.h serves
# cppcheck too.  About 1.5 minutes on 2 cores (clang-tidy is most of it).
#
# Usage: scripts/analyse.sh            Run from anywhere.
# Needs: cppcheck clang-tidy bear python3 (apt-get install cppcheck
#        clang-tidy bear).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=_build/analyse
jobs=$(nproc)
for tool in cppcheck clang-tidy bear python3; do
	command -v "$tool" >/dev/null ||
		{ echo "analyse.sh: $tool not found: apt-get install $tool" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Our C files: core/*.c and plugins/**/*.c, largest first so that the
# slowest clang-tidy runs start first and the two cores stay busy.
mapfile -t sources < <(find core plugins -name '*.c' -printf '%s %p\n' |
	sort -rn | cut -d' ' -f2)

# ---- compilation database ---------------------------------------------------
echo "==== analyse: build $build under bear (compile_commands.json)"
mkdir -p "$build"
[ -f "$build/Makefile" ] && make -C "$build" clean >/dev/null 2>&1
status=0
# The build's own warnings (-Wall -Wextra ..., without -Werror here) are
# findings too.
bear --output "$tmp/bear.json" -- \
	bash scripts/build.sh analyse --disable-werror 2> "$tmp/build.txt" ||
	{ cat "$tmp/build.txt" >&2; exit 2; }
grep -E '^[^ ].*:[0-9]+:[0-9]+: warning: ' "$tmp/build.txt" |
	sed "s|^$top/||" | sort -u > "$tmp/build-findings.txt" || true
if [ -s "$tmp/build-findings.txt" ]; then
	echo "==== analyse: compiler warnings (gcc)"
	cat "$tmp/build-findings.txt"
	status=1
fi
# Keep our own files (bear also saw configure's conftest.c programs), and
# make sure every file we analyse is in it.
python3 - "$top" "$tmp/bear.json" "$build/compile_commands.json" "${sources[@]}" <<'PY'
import json, sys
top, src, dst, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
ours = [e for e in json.load(open(src))
        if e["file"].startswith((top + "/core/", top + "/plugins/"))]
json.dump(ours, open(dst, "w"), indent=1)
seen = {e["file"] for e in ours}
lost = [f for f in files if top + "/" + f not in seen]
for f in lost:
    print("analyse.sh: %s is not built by make (not in Makefile.am?)" % f,
          file=sys.stderr)
sys.exit(2 if lost else 0)
PY

# ---- cppcheck --------------------------------------------------------------
# posix.cfg tells cppcheck about open/close, opendir/closedir, fork, getline
# and friends (leaks, bad arguments); libcurl.cfg about curl handles.
echo "==== analyse: cppcheck $(cppcheck --version | cut -d' ' -f2)"
if ! cppcheck --quiet -j"$jobs" \
	--enable=warning,style,performance,portability --std=c11 \
	--library=posix --library=libcurl \
	--error-exitcode=1 --inline-suppr \
	--suppressions-list=.cppcheck-suppressions \
	-I include -I core -I plugins/common -I "$build" \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	"${sources[@]}" 2> "$tmp/cppcheck.txt"; then
	status=1
fi
if [ -s "$tmp/cppcheck.txt" ]; then
	sort -u "$tmp/cppcheck.txt"
	status=1
fi

# ---- clang-tidy ------------------------------------------------------------
# Checks and their reasons are in .clang-tidy.  Diagnostics in a header are
# reported once per file that includes it, hence the sort -u.
echo "==== analyse: clang-tidy $(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')"
export top build tmp
printf '%s\n' "${sources[@]}" |
	xargs -P"$jobs" -I{} bash -c '
		out="$tmp/tidy.$(echo "$1" | tr / _)"
		clang-tidy -p "$build" --quiet \
			--header-filter="^$top/(core|plugins|include)/" \
			--extra-arg=-Wno-unknown-warning-option \
			"$top/$1" > "$out.out" 2> "$out.err"
		echo $? > "$out.rc"' _ {}
cat "$tmp"/tidy.*.out > "$tmp/tidy.txt"
grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$tmp/tidy.txt" |
	sed -e "s|^$top/||" -e 's/,-warnings-as-errors\]$/]/' |
	sort -u > "$tmp/tidy-findings.txt" || true
if [ -s "$tmp/tidy-findings.txt" ]; then
	cat "$tmp/tidy-findings.txt"
	status=1
fi
# A crash, or a failure without a diagnostic, still fails the run.
for rc in "$tmp"/tidy.*.rc; do
	if [ "$(cat "$rc")" != 0 ] &&
	   ! grep -qE ': (warning|error): ' "${rc%.rc}.out"; then
		echo "analyse.sh: clang-tidy failed:" >&2
		cat "${rc%.rc}.err" >&2
		status=1
	fi
done

# ---- summary ---------------------------------------------------------------
ngcc=$(grep -c . "$tmp/build-findings.txt" || true)
ncpp=$(sort -u "$tmp/cppcheck.txt" | grep -c . || true)
ntidy=$(grep -c . "$tmp/tidy-findings.txt" || true)
echo "==== analyse: ${#sources[@]} files; gcc: $ngcc, cppcheck: $ncpp," \
	"clang-tidy: $ntidy finding(s)"
if [ "$status" -ne 0 ]; then
	echo "(details: clang-tidy -p $build FILE, for the analyzer's path)"
fi
exit "$status"
