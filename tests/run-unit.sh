#!/bin/sh
# Run each cmocka unit test binary (built with ASan/UBSan); fail if any fails.
# With VCLAB_COUNTS set, append "unit PASSED FAILED 0" to that file.
set -u
failed="" pass=0 failn=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
for t in "$@"; do
	echo "== $t"
	rc=0
	"$t" >"$out" 2>&1 || rc=$?
	cat "$out"
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$out" | tail -n 1)
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$out" | tail -n 1)
	pass=$((pass + ${p:-0}))
	failn=$((failn + ${f:-0}))
	if [ "$rc" != 0 ]; then
		failed="$failed $(basename "$t")"
		# a crash (sanitizer report) prints no FAILED line: count it once
		[ -n "$f" ] || failn=$((failn + 1))
	fi
done
[ -z "${VCLAB_COUNTS:-}" ] || echo "unit $pass $failn 0" >>"$VCLAB_COUNTS"
if [ -n "$failed" ]; then
	echo "unit: failing test binaries:$failed"
	exit 1
fi
echo "unit: all $# test binaries passed ($pass tests)"
