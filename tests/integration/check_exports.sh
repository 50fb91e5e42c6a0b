#!/bin/sh
# Every built plugin exports exactly one dynamic symbol: dx_plugin, a data
# object (a const struct: R, or D in .data.rel.ro since it holds pointers).  A control run on tests/plugins/nosym.so,
# built without the export lock, proves the check can fail.
set -u
status=0

exports_of() {
	nm -D --defined-only "$1" | awk 'NF >= 3 { print $2 " " $3 }' | sort
}

for name in $DX_PLUGIN_NAMES; do
	so="$DX_PLUGIN_BUILDDIR/$name.so"
	if [ ! -f "$so" ]; then
		echo "FAIL $name: $so was not built"
		status=1
		continue
	fi
	got=$(exports_of "$so")
	if [ "$got" = "R dx_plugin" ] || [ "$got" = "D dx_plugin" ]; then
		echo "PASS $name: exports only dx_plugin"
	else
		echo "FAIL $name: exports"
		echo "$got" | sed 's/^/    /'
		status=1
	fi
done

control="$DX_TEST_PLUGIN_BUILDDIR/nosym.so"
if [ -f "$control" ]; then
	case "$(exports_of "$control")" in "R dx_plugin"|"D dx_plugin")
		echo "FAIL control: the check passed a plugin it must refuse"
		status=1;;
	*)	echo "PASS control: an unlocked object is caught";;
	esac
fi
exit $status
