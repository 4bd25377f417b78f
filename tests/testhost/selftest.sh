#!/usr/bin/env bash
# Tests of the test host harness itself (tests/testhost/run.sh), on this
# host: bad input, status pass-through, output, the time limit, a test host
# without KVM, a freeze and a crash of the test host (found from outside,
# and the suite resumed once in a fresh test host), and no debris (qemu, temp
# dirs) on any path. Run by run-suite.sh before the suite; seven boots.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

RUN=$VCLAB_ROOT/tests/testhost/run.sh

# No debris: every qemu and temp dir this test started is gone.
debris_check() { # TMPDIR_USED
	local left
	left=$(find "$1" -maxdepth 1 -name 'vclab-testhost.*' 2>/dev/null)
	[ -z "$left" ] || fail "temp dirs left behind: $left"
	pgrep -f "$1/vclab-testhost" >/dev/null && fail "a qemu of this test is still running"
	return 0
}

# The harness' own temp files go under a private TMPDIR, so the debris check
# sees only this test's leftovers.
with_private_tmp() {
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	export TMPDIR=$T
}

test_bad_input_is_one_line_and_status_125() {
	local args
	for args in "--timeout x -- true" "--mem lots -- true" "--frob -- true" "--" "--timeout"; do
		# shellcheck disable=SC2086 # the words of each case
		assert_one_line_error "$RUN" $args
		# shellcheck disable=SC2086
		assert_status 125 "$RUN" $args
	done
}

test_help_names_the_exit_codes() {
	assert_status 0 "$RUN" --help
	assert_contains "$OUT" "123" "help"
	assert_contains "$OUT" "124" "help"
	assert_contains "$OUT" "125" "help"
	assert_contains "$OUT" "froze" "help"
}

test_status_output_and_environment_come_back() {
	[ "$VCLAB_TESTHOST" = 0 ] || skip "no test host inside the test host"
	with_private_tmp
	local st=0 out
	# shellcheck disable=SC2016 # expanded inside the test host
	out=$("$RUN" -- bash -c 'echo "kvm=$(test -c /dev/kvm && echo yes)"
		echo "th=$VCLAB_TESTHOST pwd=$PWD"
		grep " /sys/fs/cgroup " /proc/self/mounts
		echo to-stderr >&2
		exit 7' 2>"$T/err") || st=$?
	assert_eq "$st" 7 "exit status of the command"
	assert_contains "$out" "kvm=yes" "/dev/kvm inside"
	assert_contains "$out" "th=1 pwd=/vclab" "environment inside"
	assert_contains "$out" " /sys/fs/cgroup cgroup2 " "pure cgroup v2 inside"
	assert_contains "$out" "to-stderr" "the command's stderr"
	assert_contains "$(cat "$T/err")" "test host up in" "boot time line"
	debris_check "$T"
}

test_timeout_is_124_and_kills_qemu() {
	[ "$VCLAB_TESTHOST" = 0 ] || skip "no test host inside the test host"
	with_private_tmp
	local st=0
	"$RUN" --timeout 2 -- sleep 600 >/dev/null 2>"$T/err" || st=$?
	assert_eq "$st" 124 "status of a command past --timeout"
	assert_contains "$(cat "$T/err")" "ERROR: command timed out after 2 s" "timeout message"
	debris_check "$T"
}

test_no_kvm_in_the_test_host_is_a_loud_failure() {
	[ "$VCLAB_TESTHOST" = 0 ] || skip "no test host inside the test host"
	with_private_tmp
	local st=0
	# kvm64 lacks SVM: kvm_amd refuses to load, the harness must say so.
	VCLAB_TESTHOST_CPU=kvm64 "$RUN" -- true >/dev/null 2>"$T/err" || st=$?
	assert_eq "$st" 125 "status when kvm_amd does not load"
	assert_contains "$(cat "$T/err")" "ERROR: kvm_amd does not load" "message"
	debris_check "$T"
}

# suite FIXTURE: run-suite.sh on one fixture file (tests/testhost/fixtures),
# with a short heartbeat limit; sets ST, OUT (stdout) and ERR (stderr).
suite() {
	ST=0
	OUT=$(VCLAB_TESTHOST_SELFTEST=0 VCLAB_COUNTS="" VCLAB_TESTHOST_HEARTBEAT_TIMEOUT=20 \
		VCLAB_TESTHOST_SUITE_FILES="tests/testhost/fixtures/$1" \
		bash "$VCLAB_ROOT/tests/testhost/run-suite.sh" 2>"$T/err") || ST=$?
	ERR=$(cat "$T/err")
}

test_a_freeze_is_found_from_outside_and_the_rest_runs_in_a_fresh_host() {
	[ "$VCLAB_TESTHOST" = 0 ] || skip "no test host inside the test host"
	with_private_tmp
	suite freeze-once.sh
	assert_eq "$ST" 0 "suite status after one freeze (stderr: $(tail -c 800 "$T/err"))"
	assert_contains "$ERR" "testhost: ERROR: the test host froze during tests/testhost/fixtures/freeze-once.sh test_b_freezes_on_the_first_boot (no heartbeat for " "freeze line"
	assert_contains "$ERR" "booting a fresh test host for what had not finished: tests/testhost/fixtures/freeze-once.sh" "resume line"
	assert_contains "$OUT" "PASS freeze-once.sh test_b_freezes_on_the_first_boot" "the frozen test ran again"
	assert_contains "$OUT" "all boots together: 3 passed, 0 failed, 0 skipped" "counts of both boots"
	assert_contains "$OUT" "(after 1 freeze, recovered)" "summary"
	[ "$(printf '%s\n' "$OUT" | grep -c "PASS freeze-once.sh test_a_passes")" = 1 ] ||
		fail "a test that had passed ran again: $OUT"
	debris_check "$T"
}

test_two_stops_in_one_suite_fail_it_loudly() {
	[ "$VCLAB_TESTHOST" = 0 ] || skip "no test host inside the test host"
	with_private_tmp
	suite freeze-twice.sh
	assert_eq "$ST" 1 "suite status after a freeze and a crash"
	assert_contains "$ERR" "froze during tests/testhost/fixtures/freeze-twice.sh test_b_freezes_on_the_first_boot" "freeze line"
	assert_contains "$ERR" "testhost: ERROR: the test host crashed during tests/testhost/fixtures/freeze-twice.sh test_c_crashes_on_the_second_boot" "crash line"
	assert_contains "$ERR" "testhost suite: FAILED: the test host stopped twice in one run" "failure line"
	debris_check "$T"
}

run_tests "$@"
