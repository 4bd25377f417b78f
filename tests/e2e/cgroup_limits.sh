#!/usr/bin/env bash
# End to end: the container runtime's cgroup code (container/cgroup*.c) on
# the real kernel, driven by build/tests/cg_probe. A memory limit OOM-kills,
# a pids limit stops forks, a cpu quota throttles, a value the kernel
# rejects gives one clear line; every case leaves no vclab/<id> directory in
# any hierarchy. Runs here (hybrid: v1 controllers) and in the test host
# (pure cgroup v2).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PROBE=$BUILD/tests/cg_probe
CG=/sys/fs/cgroup
PREFIX=cge2e-$$

setup() {
	[ "$(id -u)" = 0 ] || skip "cgroups need root"
	[ -x "$PROBE" ] || fail "$PROBE is not built (make build)"
}

# The layout as stat(1) sees it (filesystem type in hex, which busybox's
# stat also prints), to check the probe's own detection.
expected_mode() {
	case "$(stat -f -c %t "$CG")" in
	63677270) echo v2 ;;
	1021994)
		if [ "$(stat -f -c %t "$CG/unified" 2>/dev/null)" = 63677270 ]; then
			echo hybrid
		else
			echo v1
		fi
		;;
	*) echo "unknown: $(stat -f -c %t "$CG")" ;;
	esac
}

# No directory of this run's ids under vclab/ in any hierarchy
# (v2: $CG/vclab/ID, v1: $CG/CONTROLLER/vclab/ID).
assert_no_debris() {
	local left
	left=$(find "$CG" -maxdepth 3 -type d -path "*/vclab/$PREFIX-*" 2>/dev/null || true)
	[ -z "$left" ] || fail "cgroup directories left behind: $left"
}

# probe ID [OPTION...] CASE [ARG]: cg_probe must succeed; its output is in $OUT.
probe() {
	local id=$1
	shift
	assert_status 0 "$PROBE" --id "$PREFIX-$id" "$@"
}

# value KEY: the value of the last KEY=VALUE word in $OUT.
value() {
	printf '%s\n' "$OUT" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}

test_mode_detected() {
	setup
	assert_status 0 "$PROBE" mode
	assert_eq "$(value mode)" "$(expected_mode)" "detected cgroup layout"
	if [ "$VCLAB_TESTHOST" = 1 ]; then
		assert_eq "$(value mode)" v2 "the test host is pure cgroup v2"
	fi
}

test_memory_limit_oom_kills() {
	setup
	probe mem memory 16M
	assert_eq "$(value signal)" 9 "the hog's end (SIGKILL)"
	[ "$(value oom_kill)" -ge 1 ] || fail "oom_kill count is '$(value oom_kill)': $OUT"
	local peak
	peak=$(value peak)
	{ [ "$peak" -le $((16 << 20)) ] && [ "$peak" -ge $((8 << 20)) ]; } ||
		fail "peak memory $peak is not near the 16 MiB limit: $OUT"
	assert_no_debris
}

test_memory_within_limit_exits() {
	setup
	# Control: 32 MiB touched under a 128 MiB limit is not killed.
	probe memok --touch 32M memory 128M
	assert_eq "$(value exit)" 0 "exit status of a hog within its limit"
	assert_eq "$(value oom_kill)" 0 "oom kills within the limit"
	assert_no_debris
}

test_pids_limit_stops_forks() {
	setup
	# The parent moves the child here (cgroup_add_pid), the other cases
	# use clone3 into the cgroup (v2) or the child moving itself (v1).
	probe pids --join parent pids 5
	# The child itself is one of the five.
	assert_eq "$(value forks)" 4 "forks before the limit"
	assert_eq "$(value error)" EAGAIN "fork error at the limit"
	# The child and its forks were still running: destroy killed them
	# and removed the directories.
	assert_no_debris
}

test_cpu_quota_throttles() {
	setup
	probe cpu cpu 0.1
	[ "$(value nr_throttled)" -gt 0 ] || fail "not throttled: $OUT"
	[ "$(value cpu_ms)" -lt 250 ] || fail "spun $(value cpu_ms) ms of 500 under 0.1 cpu: $OUT"
	assert_no_debris
	# Control: a quota of 2 cpus never stops one spinning thread.
	probe cpu2 cpu 2
	assert_eq "$(value nr_throttled)" 0 "throttling under a 2-cpu quota"
	assert_no_debris
}

test_cgroup_namespace_rooted_at_container() {
	setup
	# The runtime's recipe: the child is in its cgroup before its cgroup
	# namespace is made, so inside it sees its own cgroup as "/".
	probe ns cgns
	assert_contains "$(value path)" "/vclab/$PREFIX-ns" "cgroup path on the host"
	assert_eq "$(value inside)" / "the child's cgroup as it sees it"
	assert_no_debris
}

test_child_joins_from_user_namespace() {
	setup
	# cgroup_enter_self writes "0" to files the parent opened: it works
	# after the child has entered a user namespace (no host privileges).
	probe uns --join self userns
	assert_eq "$(value inside)" "/vclab/$PREFIX-uns" "the child's cgroup"
	assert_no_debris
	# And when the parent moves the child instead (cgroup_add_pid).
	probe unsp --join parent userns
	assert_eq "$(value inside)" "/vclab/$PREFIX-unsp" "the child's cgroup"
	assert_no_debris
}

test_rejected_value_one_line_error() {
	setup
	assert_one_line_error "$PROBE" --id "$PREFIX-bad" bad-cpu
	assert_contains "$ERR" "cg_probe: cgroup: writing '100" "error names the value"
	case "$ERR" in
	*/vclab/"$PREFIX"-bad/cpu.max:* | */vclab/"$PREFIX"-bad/cpu.cfs_quota_us:*) ;;
	*) fail "error does not name the cgroup file: $ERR" ;;
	esac
	assert_contains "$ERR" "Invalid argument" "error gives the kernel's reason"
	assert_no_debris
}

test_existing_cgroup_refused() {
	setup
	local clash id=$PREFIX-dup
	# A directory of the same name made by someone else: the probe must
	# refuse, remove what it made itself and leave the other one alone.
	if [ "$(expected_mode)" = v2 ]; then
		clash=$CG/vclab/$id
	else
		clash=$CG/pids/vclab/$id # joined after memory and cpu
	fi
	mkdir -p "$clash"
	assert_one_line_error "$PROBE" --id "$id" memory 16M
	rmdir "$clash"
	assert_contains "$ERR" "$clash already exists" "error names the directory"
	assert_no_debris
}

test_bad_arguments() {
	setup
	assert_one_line_error "$PROBE" --id "$PREFIX-arg" memory abc
	assert_contains "$ERR" "memory SIZE" "error names the argument"
	assert_status 2 "$PROBE" --bogus
	assert_one_line_error "$PROBE" --id "../$PREFIX-x" pids 5
	assert_contains "$ERR" "not a valid cgroup name" "a path as id"
	assert_no_debris
}

test_trace_names_each_write() {
	setup
	local file=memory.limit_in_bytes
	[ "$(expected_mode)" = v2 ] && file=memory.max
	assert_status 0 "$PROBE" --trace --id "$PREFIX-trace" memory 16M
	assert_contains "$OUT" "$file = 16777216 in " "trace of the limit write"
	assert_contains "$OUT" "rmdir " "trace of the removal"
	assert_no_debris
}

run_tests "$@"
