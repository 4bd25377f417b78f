#!/usr/bin/env bash
# Run `make testhost` N times in a row and print one line per run: status,
# time, and how often the test host froze or crashed (each recovered by
# run-suite.sh, or not). The soak behind the freeze counts in README.md.
#
#   tests/testhost/soak.sh N [LOG_PREFIX]
#
# Run two of them side by side in two clones (each with its own build/) to
# soak under load. VCLAB_TESTHOST_SELFTEST=0 skips the self-tests.
set -u
n=${1:-}
case "$n" in '' | *[!0-9]*) echo "soak.sh: N '$n' is not a number of runs (usage: soak.sh N [LOG_PREFIX])" >&2; exit 2 ;; esac
prefix=${2:-/tmp/vclab-soak}
cd "$(dirname "$0")/../.." || exit 1
fails=0
for i in $(seq 1 "$n"); do
	t0=$(date +%s)
	rc=0
	make --no-print-directory testhost >"$prefix.run$i.log" 2>&1 || rc=$?
	stops=$(grep -c '^testhost: ERROR: the test host \(froze\|crashed\)' "$prefix.run$i.log")
	echo "run $i of $n: status $rc in $(($(date +%s) - t0)) s, $stops stop(s) of the test host; log $prefix.run$i.log"
	[ "$rc" = 0 ] || fails=$((fails + 1))
done
echo "soak: $((n - fails)) of $n runs passed"
[ "$fails" = 0 ]
