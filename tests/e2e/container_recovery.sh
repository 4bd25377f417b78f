#!/usr/bin/env bash
# What a killed `container run` or `container create` leaves is removed by
# the next `container` command (or `delete --force`), a stale cgroup never
# blocks a new container, and a pid from state.json is signalled only when
# it is the container's process (issue 14).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
. "$VCLAB_ROOT/tests/container/lib.sh"

STATE_ROOT=/run/vclab

cgroup_dirs() { # ID: its cgroup directories in any hierarchy
	find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$1" -type d 2>/dev/null
}

# wait_for_cgroup ID: until the container's cgroup exists (5 s at most)
# (by the clock, not a count of tries: under load in the nested test host
# each try's fork can take a second)
wait_for_cgroup() {
	local end=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$end" ]; do
		[ -z "$(cgroup_dirs "$1")" ] || return 0
		sleep 0.05
	done
	fail "cgroup of $1 never appeared"
}

# killed_run ID: a `container run --id ID` SIGKILLed while its container
# runs; its cgroup and state directory are left, its process dies.
killed_run() {
	local pid
	"$CT" run --id "$1" "$ROOTFS" -- /bin/sleep 3600 &
	pid=$!
	wait_for_cgroup "$1"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	[ -n "$(cgroup_dirs "$1")" ] || fail "the killed run left no cgroup: the test proves nothing"
}

no_trace_of() { # ID
	# the container process may take a moment to die (parent-death signal)
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		[ -n "$(cgroup_dirs "$1")" ] || [ -e "$STATE_ROOT/$1" ] || break
		sleep 0.1
	done
	assert_eq "$(cgroup_dirs "$1")" "" "cgroup of $1"
	[ ! -e "$STATE_ROOT/$1" ] || fail "$STATE_ROOT/$1 left"
}

test_killed_run_is_removed_by_the_next_command() {
	require_container
	local id=rec-$$-a
	killed_run "$id"
	# any command will do, even one about another container
	"$CT" state "no-such-$$" >/dev/null 2>&1 || true
	no_trace_of "$id"
}

# Killed after it wrote state.json: that state names the run, so what is
# left is debris as before, not a container to keep.
test_killed_run_with_state_is_removed_by_the_next_command() {
	require_container
	local id=rec-$$-f pid end=$((SECONDS + 60))
	"$CT" run --id "$id" "$ROOTFS" -- /bin/sleep 3602 &
	pid=$!
	until [ -s "$STATE_ROOT/$id/state.json" ]; do
		[ "$SECONDS" -lt "$end" ] || fail "no $STATE_ROOT/$id/state.json within 60 s"
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	"$CT" state "no-such-$$" >/dev/null 2>&1 || true
	no_trace_of "$id"
	end=$((SECONDS + 30))
	while find_proc '/bin/sleep 3602' >/dev/null; do
		[ "$SECONDS" -lt "$end" ] || fail "the container's process outlived its cgroup"
		sleep 0.1
	done
}

test_delete_force_removes_a_killed_run() {
	require_container
	local id=rec-$$-b
	killed_run "$id"
	assert_status 0 "$CT" delete --force "$id"
	no_trace_of "$id"
}

test_killed_run_never_blocks_its_id() {
	require_container
	local id=rec-$$-c
	killed_run "$id"
	assert_status 0 "$CT" run --id "$id" "$ROOTFS" -- /bin/true
	no_trace_of "$id"
}

# A cgroup vclab/ID with no state directory (left by an older runtime):
# a new container of that id removes it and runs.
test_stale_cgroup_never_blocks_a_new_container() {
	require_container
	local id=rec-$$-d d
	for d in /sys/fs/cgroup/memory /sys/fs/cgroup/cpu /sys/fs/cgroup/pids /sys/fs/cgroup; do
		if [ -d "$d/vclab" ] || [ "$d" = /sys/fs/cgroup ]; then
			mkdir -p "$d/vclab/$id" 2>/dev/null && break
		fi
	done
	[ -n "$(cgroup_dirs "$id")" ] || fail "could not make a stale cgroup"
	assert_status 0 "$CT" run --id "$id" "$ROOTFS" -- /bin/true
	no_trace_of "$id"
	# and delete --force of such an id removes the cgroup
	mkdir -p "$d/vclab/$id"
	assert_status 0 "$CT" delete --force "$id"
	no_trace_of "$id"
}

# A live run's id is neither taken by another run nor deleted under it.
test_live_run_keeps_its_id() {
	require_container
	local id=rec-$$-e pid
	# long enough to outlast the checks below however slow the host is
	"$CT" run --id "$id" "$ROOTFS" -- /bin/sleep 3601 &
	pid=$!
	wait_for_cgroup "$id"
	expect_clean_failure "$CT" run --id "$id" "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "container $id already exists (pid $pid is setting it up or running it)" "error"
	assert_one_line_error "$CT" delete --force "$id"
	assert_contains "$ERR" "is being set up or run by pid $pid" "error"
	[ -n "$(cgroup_dirs "$id")" ] || fail "the live container lost its cgroup"
	# end it from outside: SIGKILL to its process (two SIGTERMs to the run
	# may reach it as one, and pid 1 ignores TERM)
	kill -KILL "$(wait_proc '/bin/sleep 3601')"
	wait "$pid" || true
	no_trace_of "$id"
}

# A create SIGKILLed at once, before it wrote state.json: the next command
# removes its cgroup and its waiting process.
test_killed_create_is_removed_by_the_next_command() {
	require_container
	local id=rec-$$-f B pid i
	B=$(mktemp -d)
	new_bundle "$B"
	edit_bundle "$B" '.process.args = ["/bin/true"]'
	"$CT" create --bundle "$B" "$id" >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -z "$(cgroup_dirs "$id")" ] || break
		sleep 0.005
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	"$CT" state "no-such-$$" >/dev/null 2>&1 || true
	# a create that finished is a created container: delete it
	if [ -e "$STATE_ROOT/$id/state.json" ]; then
		"$CT" delete --force "$id"
	fi
	no_trace_of "$id"
	rm -rf "$B"
}

# Issue 14: a forged state.json made delete --force SIGKILL host pid 1.
# Here the victim is a host `sleep` with its true start time in state.json.
test_forged_state_pid_is_never_signalled() {
	require_container
	local id=rec-$$-g victim start
	sleep 300 &
	victim=$!
	# shellcheck disable=SC2064
	trap "kill $victim 2>/dev/null; rm -rf '$STATE_ROOT/$id'" EXIT
	start=$(sed 's/.*) //' "/proc/$victim/stat" | awk '{print $20}')
	mkdir -p "$STATE_ROOT/$id"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"running","pid":%d,"bundle":"/","annotations":{},"vclabStartTime":%s}\n' \
		"$id" "$victim" "$start" >"$STATE_ROOT/$id/state.json"
	assert_status 0 "$CT" state "$id"
	assert_contains "$OUT" '"status": "stopped"' "a process outside the container's cgroup is not it"
	assert_one_line_error "$CT" kill "$id" KILL
	kill -0 "$victim" || fail "container kill signalled a host process"
	assert_status 0 "$CT" delete --force "$id"
	kill -0 "$victim" || fail "container delete --force killed a host process"
	[ ! -e "$STATE_ROOT/$id" ] || fail "state directory left"
}

run_tests "$@"
