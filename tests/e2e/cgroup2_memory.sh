#!/usr/bin/env bash
# cgroup v2 on a pure v2 host: memory.max is enforced by the OOM killer and
# memory.events counts the kill. Needs /sys/fs/cgroup to be cgroup2 alone: it
# skips elsewhere (a hybrid host such as a default Debian 12 machine), but in
# the test host (VCLAB_TESTHOST=1) a missing v2 hierarchy is a failure.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

CG_ROOT=/sys/fs/cgroup
MIB=1048576

require_pure_cgroup2() {
	local fstype
	fstype=$(awk '$2 == "/sys/fs/cgroup" { t = $3 } END { print t }' /proc/self/mounts)
	[ "$fstype" = cgroup2 ] && return 0
	if [ "$VCLAB_TESTHOST" = 1 ]; then
		fail "/sys/fs/cgroup is '${fstype:-not mounted}', not cgroup2, inside the test host"
	fi
	skip "not a pure cgroup v2 host (/sys/fs/cgroup is ${fstype:-not mounted}); runs in the test host"
}

# new_cgroup NAME: a child of the root with the memory controller; removed
# when the test's subshell exits, whatever happens.
new_cgroup() {
	CG=$CG_ROOT/vclab-e2e-$1.$$
	mkdir "$CG" || fail "cannot create $CG"
	trap 'remove_cgroup "$CG"' EXIT
}

remove_cgroup() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$1" 2>/dev/null && return 0
		[ -d "$1" ] || return 0
		sleep 0.2
	done
	echo "    cannot remove $1: $(wc -l <"$1/cgroup.procs" 2>/dev/null) processes left" >&2
	return 1
}

events_count() { # FILE KEY
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# run_hog_in CGROUP CAP_MIB: grow a bash string by doubling until it is
# CAP_MIB MiB long (so a broken limit cannot eat the machine), inside
# CGROUP. Sets HOG_STATUS (137 = SIGKILL).
run_hog_in() {
	HOG_STATUS=0
	# The braces' 2>/dev/null hides bash's own "Killed" job report.
	{
		(
			echo "$BASHPID" >"$1/cgroup.procs"
			exec bash -c 'a=x; while [ ${#a} -lt $(('"$2"' * 1048576)) ]; do a=$a$a; done'
		) || HOG_STATUS=$?
	} 2>/dev/null
}

test_root_has_cpu_memory_pids_io_for_children() {
	require_pure_cgroup2
	local ctl
	ctl=$(cat "$CG_ROOT/cgroup.subtree_control")
	for c in cpu memory pids io; do
		assert_contains " $ctl " " $c " "root cgroup.subtree_control"
	done
}

test_process_over_memory_max_is_oom_killed_and_counted() {
	require_pure_cgroup2
	new_cgroup oom
	echo $((16 * MIB)) >"$CG/memory.max"
	[ ! -e "$CG/memory.swap.max" ] || echo 0 >"$CG/memory.swap.max"
	assert_eq "$(cat "$CG/memory.max")" $((16 * MIB)) "memory.max"
	local before after
	before=$(events_count "$CG/memory.events" oom_kill)
	assert_eq "$before" 0 "oom_kill of a new cgroup"
	run_hog_in "$CG" 128
	assert_eq "$HOG_STATUS" 137 "exit status of a process that outgrew memory.max (SIGKILL)"
	after=$(events_count "$CG/memory.events" oom_kill)
	[ "$after" -ge 1 ] || fail "memory.events oom_kill is $after after the kill, expected >= 1"
	[ "$(events_count "$CG/memory.events" max)" -ge 1 ] || fail "memory.events max did not grow"
	[ -z "$(cat "$CG/cgroup.procs")" ] || fail "processes left in $CG"
	remove_cgroup "$CG" || fail "cannot remove $CG"
	[ ! -d "$CG" ] || fail "$CG still exists"
}

test_process_under_memory_max_runs_to_the_end() {
	require_pure_cgroup2
	new_cgroup fits
	echo $((64 * MIB)) >"$CG/memory.max"
	[ ! -e "$CG/memory.swap.max" ] || echo 0 >"$CG/memory.swap.max"
	run_hog_in "$CG" 4
	assert_eq "$HOG_STATUS" 0 "exit status of a process within memory.max"
	assert_eq "$(events_count "$CG/memory.events" oom_kill)" 0 "oom_kill without pressure"
}

test_pids_max_stops_forks() {
	require_pure_cgroup2
	new_cgroup pids
	echo 4 >"$CG/pids.max"
	local out
	out=$(
		echo "$BASHPID" >"$CG/cgroup.procs"
		for _ in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1
		echo "started $(jobs -p | wc -l)"
		# shellcheck disable=SC2046 # one word per job
		kill $(jobs -p) 2>/dev/null
		wait 2>/dev/null
	) || true
	assert_contains "$out" "fork" "error from a refused fork"
	[ "$(events_count "$CG/pids.events" max)" -ge 1 ] || fail "pids.events max did not grow"
}

run_tests "$@"
