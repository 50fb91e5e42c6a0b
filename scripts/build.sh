#!/bin/bash
# Bootstrap autotools and build in _build/NAME with configure OPTIONS.
# Usage: scripts/build.sh NAME [CONFIGURE-OPTION...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
name=$1; shift
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; exit 1; }
mkdir -p "_build/$name"
cd "_build/$name"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	"$top/configure" --quiet "$@" 2> >(grep -v "cannot remove 'core'" >&2)
fi
make -j"$(nproc)" --no-print-directory >/dev/null
