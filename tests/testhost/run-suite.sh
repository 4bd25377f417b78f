#!/usr/bin/env bash
# `make testhost`: the harness' own tests (tests/testhost/selftest.sh), then
# one boot of the test host that runs every KVM test (tests/kvm) and every
# end-to-end test (tests/e2e, containers on pure cgroup v2 included) inside
# it.
#
# When the test host freezes or crashes under a test (run.sh status 123), the
# suite says so in one line, boots a fresh test host and runs, once, the
# tests that had not finished (the one that was running included). A second
# freeze in one suite run fails it.
#
# Status: 0 every test passed; 1 a test failed, no test passed, the test host
# could not start, the suite ran past its time, or it froze twice (each with
# its own line "testhost suite: FAILED: ...").
#
#   VCLAB_TESTHOST_SUITE_TIMEOUT  seconds for each boot's tests (default 3600)
#   VCLAB_TESTHOST_SUITE_MEM      memory of the test host (default 2G)
#   VCLAB_TESTHOST_SUITE_FILES    test files or folders (default: tests/kvm tests/e2e tests/labs)
#   VCLAB_TESTHOST_SELFTEST=0     skip tests/testhost/selftest.sh (5 boots)
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

# The files, in the order this host lists them; every boot gets the same list.
files=()
for arg in ${VCLAB_TESTHOST_SUITE_FILES:-tests/kvm tests/e2e tests/labs}; do
	if [ -d "$arg" ]; then
		for f in "$arg"/*.sh; do [ -e "$f" ] && files+=("$f"); done
	else
		files+=("$arg")
	fi
done

# Counts of the boots that stopped half-way (from their PASS/FAIL/SKIP lines).
early_p=0 early_f=0 early_s=0
skip_list="" # FILE:TEST of every test that finished in a stopped boot
freezes=0
attempt=1
took() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", b-a}'; }

while :; do
	# No KVM test silently passes: run-e2e.sh fails a file that crashes, and
	# the check below fails an empty run. $(...) is expanded inside the host.
	# shellcheck disable=SC2016
	VCLAB_TESTHOST_ATTEMPT=$attempt tests/testhost/run.sh \
		--timeout "${VCLAB_TESTHOST_SUITE_TIMEOUT:-3600}" \
		--mem "${VCLAB_TESTHOST_SUITE_MEM:-2G}" -- \
		env VCLAB_E2E_SKIP="$skip_list" VCLAB_TESTHOST_ATTEMPT="$attempt" \
		bash -c 'echo "testhost: $(ls -l /dev/kvm)"; exec bash tests/run-e2e.sh "$@"' run-e2e "${files[@]}" \
		| tee "$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 123 ] || break

	# Stopped half-way: keep what finished, run the rest in a fresh test host.
	freezes=$((freezes + 1))
	echo "testhost suite: the test host stopped under a test (attempt $attempt; see the ERROR line above)" >&2
	early_p=$((early_p + $(grep -cE '^PASS [^ ]+ test_[^ ]+$' "$log")))
	early_s=$((early_s + $(grep -cE '^SKIP [^ ]+ test_[^ ]+$' "$log")))
	early_f=$((early_f + $(grep -cE '^FAIL [^ ]+ test_[^ ]+$|^FAIL [^ ]+: ' "$log")))
	# Files whose summary (or time-out) line came out are done; so is every
	# test with a result line. run-e2e.sh's "== FILE" line says whose it is.
	done_files=$(awk '/^== /{f=$2} /^[^ ]+: [0-9]+ passed, [0-9]+ failed/{print f} /^FAIL [^ ]+: /{print f}' "$log")
	skip_list="${skip_list:+$skip_list }$(awk '/^== /{f=$2} /^(PASS|FAIL|SKIP) [^ ]+ test_[^ ]+$/{print f ":" $3}' "$log" | tr '\n' ' ')"
	rest=()
	for f in "${files[@]}"; do
		printf '%s\n' "$done_files" | grep -qxF "$f" || rest+=("$f")
	done
	files=("${rest[@]+"${rest[@]}"}")
	if [ "$freezes" -ge 2 ]; then
		echo "testhost suite: FAILED: the test host stopped twice in one run (after $(took) s); not run: ${files[*]:-none}" >&2
		exit 1
	fi
	echo "testhost suite: booting a fresh test host for what had not finished: ${files[*]}" >&2
	attempt=$((attempt + 1))
done

# the counts: the final boot's summary plus what finished in a stopped boot
sum=$(sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/p' "$log" | tail -n 1)
[ -n "$sum" ] || sum="0 0 0"
read -r p fl sk <<<"$sum"
p=$((p + early_p)) fl=$((fl + early_f)) sk=$((sk + early_s))
[ -z "${VCLAB_COUNTS:-}" ] || echo "testhost $p $fl $sk" >>"$VCLAB_COUNTS"
[ "$freezes" = 0 ] || echo "testhost suite: all boots together: $p passed, $fl failed, $sk skipped"

[ $selftest = 0 ] || echo "testhost suite: the harness' own tests failed (see above)" >&2
case $rc in
0) [ $selftest = 0 ] || exit 1 ;;
124) echo "testhost suite: FAILED: the suite ran past its time limit ($(took) s)" >&2; exit 1 ;;
125) echo "testhost suite: FAILED: the test host could not start (see the ERROR above)" >&2; exit 1 ;;
*) echo "testhost suite: FAILED: $fl test(s) failed (status $rc) in $(took) s" >&2; exit 1 ;;
esac
if [ "$p" = 0 ]; then
	echo "testhost suite: FAILED: no test passed inside the test host" >&2
	exit 1
fi
echo "testhost suite: passed in $(took) s$([ "$freezes" = 0 ] || echo " (after $freezes freeze, recovered)")"
