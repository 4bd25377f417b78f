#!/usr/bin/env bash
# `make test`: lint (clang-format, cppcheck), unit tests (ASan/UBSan),
# end-to-end tests on this host, then the test-host suite (real KVM and pure
# cgroup v2 inside QEMU). Every suite runs even when an earlier one failed;
# the last line sums them up.
set -u
cd "$(dirname "$0")/.."
make=${MAKE:-make}
results=()
status=0

suite() { # name command...
	local name=$1 t0 rc=0
	shift
	echo
	echo "######## $name"
	t0=$(date +%s)
	"$@" || rc=$?
	results+=("$name: $([ $rc = 0 ] && echo passed || echo "FAILED ($rc)") in $(($(date +%s) - t0)) s")
	[ $rc = 0 ] || status=1
}

suite lint $make --no-print-directory lint
suite unit $make --no-print-directory unit
suite e2e-host $make --no-print-directory e2e
suite testhost $make --no-print-directory testhost

echo
echo "######## summary"
printf '%s\n' "${results[@]}"
p=$(printf '%s\n' "${results[@]}" | grep -c ': passed')
f=$(printf '%s\n' "${results[@]}" | grep -c ': FAILED')
echo "suites: $p passed, $f failed"
exit $status
