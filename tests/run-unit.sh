#!/bin/sh
# Run each cmocka unit test binary (built with ASan/UBSan); fail if any fails.
set -u
failed=""
for t in "$@"; do
	echo "== $t"
	"$t" || failed="$failed $(basename "$t")"
done
if [ -n "$failed" ]; then
	echo "unit: failing test binaries:$failed"
	exit 1
fi
echo "unit: all $# test binaries passed"
