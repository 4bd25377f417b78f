#!/usr/bin/env bash
# `make test`: lint (clang-format, cppcheck, shellcheck), unit tests
# (ASan/UBSan), each libFuzzer target briefly from its committed corpus,
# end-to-end tests on this host, then the test-host suite (real KVM and pure
# cgroup v2 inside QEMU). Every suite runs even when an earlier one failed;
# the last line sums them up.
set -u
cd "$(dirname "$0")/.." || exit 1
make=${MAKE:-make}
results=()
status=0
# each runner appends "SUITE PASSED FAILED SKIPPED" here
VCLAB_COUNTS=$(mktemp) || exit 1
export VCLAB_COUNTS
trap 'rm -f "$VCLAB_COUNTS"' EXIT

suite() { # name command...
	local name=$1 t0 rc=0 before
	shift
	echo
	echo "######## $name"
	t0=$(date +%s)
	before=$(awk '{f += $3} END {print f + 0}' "$VCLAB_COUNTS")
	"$@" || rc=$?
	# a suite that failed before counting anything counts as one failure
	if [ $rc != 0 ] && [ "$(awk '{f += $3} END {print f + 0}' "$VCLAB_COUNTS")" = "$before" ]; then
		echo "$name 0 1 0" >>"$VCLAB_COUNTS"
	fi
	results+=("$name: $([ $rc = 0 ] && echo passed || echo "FAILED ($rc)") in $(($(date +%s) - t0)) s")
	[ $rc = 0 ] || status=1
}

# shellcheck disable=SC2317 # called through suite()
lint() {
	if "$make" --no-print-directory lint; then
		echo "lint 1 0 0" >>"$VCLAB_COUNTS"
	else
		echo "lint 0 1 0" >>"$VCLAB_COUNTS"
		return 1
	fi
}

suite lint lint
suite unit "$make" --no-print-directory unit
suite fuzz "$make" --no-print-directory fuzz-short
suite e2e-host "$make" --no-print-directory e2e
suite testhost "$make" --no-print-directory testhost

echo
echo "######## summary"
printf '%s\n' "${results[@]}"
awk '{p += $2; f += $3; s += $4} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}' "$VCLAB_COUNTS"
exit $status
