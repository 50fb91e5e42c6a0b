#!/bin/sh
# LOG_COMPILER for the test binaries: under valgrind memcheck when
# DX_VALGRIND=yes (scripts/test.sh sets it for one pass), else as is.
if [ "${DX_VALGRIND:-no}" = yes ]; then
	if [ -z "${VALGRIND:-}" ]; then
		echo "DX_VALGRIND=yes but valgrind was not found by configure" >&2
		exit 1
	fi
	exec "$VALGRIND" --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
		--track-fds=no "$@"
fi
exec "$@"
