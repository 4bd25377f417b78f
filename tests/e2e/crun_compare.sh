#!/usr/bin/env bash
# bench/crun-compare.sh and build/bin/ns-floor: the floor program really
# runs its program in the namespaces asked for and passes its status on;
# the comparison script prints one row per runtime with a number in every
# harness's column and the ratios; bad input is one line, non-zero, and
# leaves no temporary directory behind.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

FLOOR=$BIN/ns-floor
CMP=$VCLAB_ROOT/bench/crun-compare.sh

need_floor() {
	[ -x "$FLOOR" ] || fail "$FLOOR not built (make build/bin/ns-floor)"
	[ "$(id -u)" = 0 ] || skip "needs root (new namespaces)"
}

test_floor_runs_the_program_as_pid_1_of_a_new_pid_namespace() {
	need_floor
	assert_status 0 "$FLOOR" --ns pid,mount /bin/sh -c 'echo "pid=$$"'
	assert_eq "$OUT" "pid=1" "the program's pid in its new pid namespace"
}

test_floor_gives_new_namespaces_and_only_those() {
	need_floor
	local host_net host_uts
	host_net=$(readlink /proc/self/ns/net)
	host_uts=$(readlink /proc/self/ns/uts)
	assert_status 0 "$FLOOR" --ns network /bin/sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts'
	assert_ne "$(echo "$OUT" | sed -n 1p)" "$host_net" "network namespace"
	assert_eq "$(echo "$OUT" | sed -n 2p)" "$host_uts" "uts namespace (not asked for)"
}

test_floor_passes_the_exit_status_on() {
	need_floor
	assert_status 7 "$FLOOR" /bin/sh -c 'exit 7'
	# not pid 1 of a pid namespace, which SIGKILL from inside cannot end
	assert_status 137 "$FLOOR" --ns uts /bin/sh -c 'kill -KILL $$'
}

test_floor_bad_input_is_one_line() {
	need_floor
	assert_one_line_error "$FLOOR" --ns pid,nosuchns /bin/true
	assert_contains "$ERR" "--ns pid,nosuchns: unknown namespace 'nosuchns'" "unknown namespace"
	assert_one_line_error "$FLOOR"
	assert_contains "$ERR" "no PROGRAM" "no program"
	assert_one_line_error "$FLOOR" /nonexistent/program
	assert_contains "$ERR" "/nonexistent/program: No such file or directory" "missing program"
	assert_status 127 "$FLOOR" /nonexistent/program
}

# Every /tmp/vclab-crun-compare.* directory (the script's own work area).
work_dirs() { find /tmp -maxdepth 1 -name 'vclab-crun-compare.*' | sort; }

test_compare_prints_every_harness_and_ratio() {
	need_floor
	[ -x /bin/busybox ] || skip "needs busybox-static"
	command -v jq >/dev/null || skip "needs jq"
	[ "$VCLAB_TESTHOST" = 1 ] && skip "the bench's figures come from the development host"
	local before
	before=$(work_dirs)
	assert_status 0 env GAP=0.01 bash "$CMP" 3
	local row
	for row in "/bin/true" "ns-floor (" "container run --bundle"; do
		echo "$OUT" | grep -qE "^$(printf '%s' "$row" | sed 's/[(/]/\\&/g').* [0-9]+\.[0-9]{2} +([0-9]+\.[0-9]{2}|n/a) +([0-9]+\.[0-9]{2}|n/a) +0\$" ||
			fail "no row with figures for '$row' in: $OUT"
	done
	if command -v crun >/dev/null; then
		assert_contains "$OUT" "ratio ours/crun: loop 0." "ratio to crun"
		assert_contains "$OUT" "above the kernel's floor" "the floor line"
	fi
	assert_contains "$OUT" "spaced runs after a 0.01 s pause" "the pause is shown"
	assert_eq "$(work_dirs)" "$before" "work directory left behind"
}

test_compare_bad_input_is_one_line() {
	[ -f "$CMP" ] || skip "no $CMP here (the test host carries no bench scripts)"
	local before
	before=$(work_dirs)
	assert_one_line_error bash "$CMP" 3x
	assert_contains "$ERR" "RUNS 3x: not a number" "bad RUNS"
	assert_one_line_error env GAP=soon bash "$CMP" 3
	assert_contains "$ERR" "GAP soon: not a number of seconds" "bad GAP"
	assert_eq "$(work_dirs)" "$before" "work directory left behind"
}

run_tests "$@"
