#!/usr/bin/env bash
# `make testhost`: the harness' own tests (tests/testhost/selftest.sh), then
# one boot of the test host that runs every KVM test (tests/kvm) and every
# end-to-end test (tests/e2e, containers on pure cgroup v2 included) inside
# it. Fails when any test fails, when no test passed, and when the test host
# cannot start.
#
#   VCLAB_TESTHOST_SUITE_TIMEOUT  seconds for the whole suite (default 2400)
#   VCLAB_TESTHOST_SUITE_MEM      memory of the test host (default 2G)
#   VCLAB_TESTHOST_SELFTEST=0     skip tests/testhost/selftest.sh (3 boots)
set -u
cd "$(dirname "$0")/../.." || exit 1
t0=$EPOCHREALTIME
log=$(mktemp /tmp/vclab-suite.XXXXXX) || exit 1
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The harness' own tests first, on this host (VCLAB_TESTHOST_SELFTEST=0 skips).
selftest=0
if [ "${VCLAB_TESTHOST_SELFTEST:-1}" != 0 ]; then
	echo "== tests/testhost/selftest.sh (on this host)"
	bash tests/testhost/selftest.sh || selftest=1
fi

# No KVM test silently passes: run-e2e.sh fails a file that crashes, and the
# check below fails an empty run. The $(...) is expanded inside the test host.
# shellcheck disable=SC2016
tests/testhost/run.sh --timeout "${VCLAB_TESTHOST_SUITE_TIMEOUT:-2400}" \
	--mem "${VCLAB_TESTHOST_SUITE_MEM:-2G}" -- \
	bash -c 'echo "testhost: $(ls -l /dev/kvm)"; exec bash tests/run-e2e.sh tests/kvm tests/e2e' |
	tee "$log"
rc=${PIPESTATUS[0]}
# the counts of the tests inside, for make test's closing line
[ -z "${VCLAB_COUNTS:-}" ] ||
	sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/testhost \1 \2 \3/p' "$log" |
	tail -n 1 >>"$VCLAB_COUNTS"

took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", b-a}')
[ $selftest = 0 ] || echo "testhost suite: the harness' own tests failed (see above)" >&2
case $rc in
0) [ $selftest = 0 ] || exit 1 ;;
124) echo "testhost suite: FAILED: the suite ran past its time limit (${took} s)" >&2; exit 1 ;;
125) echo "testhost suite: FAILED: the test host could not start (see the ERROR above)" >&2; exit 1 ;;
*) echo "testhost suite: FAILED (status $rc) in $took s" >&2; exit 1 ;;
esac
passed=$(sed -nE 's/^e2e: ([0-9]+) passed.*/\1/p' "$log" | tail -n 1)
if [ -z "$passed" ] || [ "$passed" = 0 ]; then
	echo "testhost suite: FAILED: no test passed inside the test host" >&2
	exit 1
fi
echo "testhost suite: passed in $took s"
