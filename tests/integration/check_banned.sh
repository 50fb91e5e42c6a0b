#!/bin/sh
# Functions we never call (curl's list, plus the shell runners): each has a
# bounded or argv-vector replacement.
set -u
cd "$DX_TOP_SRCDIR" || exit 1
pattern='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|gets|system|popen|execl|execlp|execvp)[[:space:]]*\('
found=$(grep -nE "$pattern" $(find core plugins include tests -name '*.[ch]' | sort))
if [ -n "$found" ]; then
	echo "FAIL banned functions used:"
	echo "$found" | sed 's/^/    /'
	exit 1
fi
echo "PASS no banned function in $(find core plugins include tests -name '*.[ch]' | wc -l) files"
