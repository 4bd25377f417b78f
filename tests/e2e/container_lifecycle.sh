#!/usr/bin/env bash
# The OCI lifecycle of build/bin/container: create -> start -> state -> kill
# -> delete, with the real kernel objects checked at each step (the waiting
# process in /proc, its cgroup directories, the state directory under
# /run/vclab), and the error cases: one line, non-zero exit, nothing left.
# Runs as root, here (hybrid cgroups) and in the test host (pure cgroup v2).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

STATE_ROOT=/run/vclab

# lc_bundle: a bundle in $B whose process writes into the host directory $V
# (bind-mounted at /v): "started" at once, "term" when SIGTERM arrives.
# Both are removed when the test ends, with any container it left.
lc_bundle() {
	B=$(mktemp -d) V=$(mktemp -d) ID=lc-$$-$RANDOM
	# shellcheck disable=SC2064
	trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B' '$V'" EXIT
	new_bundle "$B"
	jq --arg v "$V" '.root.readonly = true
		| .annotations = {"org.vclab.test": "lifecycle"}
		| .mounts += [{destination: "/v", type: "bind", source: $v, options: ["rbind", "rw"]}]
		| .process.args = ["/bin/sh", "-c",
			"trap \"echo term >/v/out; exit 3\" TERM; echo started >/v/out; while :; do sleep 0.1; done"]' \
		"$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
}

# create runs with its output in a file: the container process inherits it
# and outlives create, so a $(...) capture would wait for it.
ct_create() {
	local rc=0
	"$CT" create "$@" >"$B/create.log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || fail "container create $* exited $rc: $(cat "$B/create.log")"
}

state_field() { # ID FIELD
	"$CT" state "$1" | jq -r ".$2"
}

# cgroup directories of ID in any hierarchy
cgroup_dirs() {
	find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$1" -type d 2>/dev/null
}

# The waits below end on their event, or after WAIT_LIMIT seconds of the
# clock (not a count of tries: each try forks, and a fork can take a second
# in the nested test host under load).
WAIT_LIMIT=60

# wait_status ID STATUS: the state reaches STATUS within WAIT_LIMIT s
wait_status() {
	local s end=$((SECONDS + WAIT_LIMIT))
	while [ "$SECONDS" -lt "$end" ]; do
		s=$(state_field "$1" status)
		[ "$s" = "$2" ] && return 0
		sleep 0.1
	done
	fail "container $1: status '$s', expected '$2'"
}

# wait_reading_exec_fifo PID: until PID sits in read(2) on its exec.fifo
# (/proc/PID/syscall: number 0, then the fd), or fail after WAIT_LIMIT s.
wait_reading_exec_fifo() {
	local nr fd link end=$((SECONDS + WAIT_LIMIT))
	while [ "$SECONDS" -lt "$end" ]; do
		read -r nr fd _ <"/proc/$1/syscall" 2>/dev/null || nr=""
		if [ "$nr" = 0 ]; then
			link=$(readlink "/proc/$1/fd/$((fd))" 2>/dev/null) || link=""
			case "$link" in */exec.fifo) return 0 ;; esac
		fi
		sleep 0.05
	done
	fail "process $1 never blocked on exec.fifo (syscall: $(cat "/proc/$1/syscall" 2>&1))"
}

# wait_file FILE TEXT: FILE holds TEXT within WAIT_LIMIT s
wait_file() {
	local end=$((SECONDS + WAIT_LIMIT))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1: expected '$2', got '$(cat "$1" 2>/dev/null)'"
}

# proc_id PID: "STATE STARTTIME" of PID (/proc/PID/stat fields 3 and 22,
# read after the command name, which may hold spaces), or nothing if gone.
proc_id() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	echo "$stat" | awk '{print $1, $20}'
}

# still_running PID ID0: PID is still the process whose proc_id was ID0
# (same start time: pid_max is 32768 here, and under load a freed pid is
# soon reused by another process) and not a zombie.
still_running() {
	local now
	now=$(proc_id "$1")
	[ -n "$now" ] && [ "${now#* }" = "${2#* }" ] && [ "${now%% *}" != Z ]
}

test_create_start_kill_delete() {
	require_container
	local before pid pid_id
	before=$(debris_snapshot)
	lc_bundle
	ct_create --bundle "$B" "$ID"
	# created: a live process, waiting (it has not written yet)
	assert_eq "$(state_field "$ID" status)" created "status after create"
	assert_eq "$(state_field "$ID" id)" "$ID" "id"
	assert_eq "$(state_field "$ID" bundle)" "$(cd "$B" && pwd -P)" "bundle"
	assert_eq "$(state_field "$ID" ociVersion)" 1.0.2 "ociVersion"
	assert_eq "$(state_field "$ID" 'annotations["org.vclab.test"]')" lifecycle "annotations"
	pid=$(state_field "$ID" pid)
	{ [ "$pid" -gt 0 ] && kill -0 "$pid"; } || fail "pid $pid of the created container is not alive"
	pid_id=$(proc_id "$pid")
	[ -p "$STATE_ROOT/$ID/exec.fifo" ] || fail "no $STATE_ROOT/$ID/exec.fifo"
	[ -n "$(cgroup_dirs "$ID")" ] || fail "no cgroup vclab/$ID after create"
	# it is in a pid namespace of its own, and in its cgroup
	assert_ne "$(readlink "/proc/$pid/ns/pid")" "$(readlink /proc/self/ns/pid)" "pid namespace"
	assert_contains "$(cat "/proc/$pid/cgroup")" "vclab/$ID" "/proc/$pid/cgroup"
	# the event: it blocks reading exec.fifo, its last step before the
	# user's process; it has not run that process by then.
	wait_reading_exec_fifo "$pid"
	[ ! -e "$V/out" ] || fail "the process ran before start: $(cat "$V/out")"

	assert_status 0 "$CT" start "$ID"
	wait_file "$V/out" started
	assert_eq "$(state_field "$ID" status)" running "status after start"
	assert_eq "$(state_field "$ID" pid)" "$pid" "pid after start (execve keeps it)"
	[ ! -e "$STATE_ROOT/$ID/exec.fifo" ] || fail "exec.fifo still there after start"

	# a running container is not deleted without --force
	expect_clean_failure "$CT" delete "$ID"
	assert_contains "$ERR" "is running" "delete of a running container"
	assert_eq "$(state_field "$ID" status)" running "status after the refused delete"

	assert_status 0 "$CT" kill "$ID" # default SIGTERM: the trap writes "term"
	wait_file "$V/out" term
	wait_status "$ID" stopped
	assert_eq "$(state_field "$ID" pid)" 0 "pid of a stopped container"
	expect_clean_failure "$CT" kill "$ID" KILL
	assert_contains "$ERR" "stopped" "kill of a stopped container"

	assert_status 0 "$CT" delete "$ID"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left after delete"
	assert_eq "$(cgroup_dirs "$ID")" "" "cgroup directories after delete"
	! still_running "$pid" "$pid_id" || fail "process $pid left after delete: $(proc_id "$pid")"
	no_debris_after "$before"
}

test_kill_by_name_and_number() {
	require_container
	local sig
	for sig in KILL SIGKILL 9 kill; do
		lc_bundle
		ct_create --bundle "$B" "$ID"
		assert_status 0 "$CT" start "$ID"
		wait_file "$V/out" started
		assert_status 0 "$CT" kill "$ID" "$sig"
		wait_status "$ID" stopped
		# SIGKILL leaves no chance to the trap
		assert_eq "$(cat "$V/out")" started "output after kill $sig"
		assert_status 0 "$CT" delete "$ID"
		rm -rf "$B" "$V"
	done
}

test_delete_created_and_force_running() {
	require_container
	local before pid pid_id
	before=$(debris_snapshot)
	lc_bundle
	# a created container never started goes without --force (like runc)
	ct_create --bundle "$B" "$ID"
	pid=$(state_field "$ID" pid)
	assert_status 0 "$CT" delete "$ID"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "state left"
	assert_eq "$(cgroup_dirs "$ID")" "" "cgroup after deleting a created container"
	[ ! -e "$V/out" ] || fail "the process ran although never started"
	# --force kills a running one
	ct_create --bundle "$B" "$ID"
	assert_status 0 "$CT" start "$ID"
	wait_file "$V/out" started
	pid=$(state_field "$ID" pid)
	pid_id=$(proc_id "$pid")
	assert_status 0 "$CT" delete --force "$ID"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "state left after delete --force"
	assert_eq "$(cgroup_dirs "$ID")" "" "cgroup after delete --force"
	! still_running "$pid" "$pid_id" || fail "process $pid left after delete --force: $(proc_id "$pid")"
	no_debris_after "$before"
}

test_process_exit_gives_stopped() {
	require_container
	lc_bundle
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo done >/v/out"]'
	ct_create --bundle "$B" "$ID"
	assert_status 0 "$CT" start "$ID"
	wait_file "$V/out" "done"
	wait_status "$ID" stopped
	assert_status 0 "$CT" delete "$ID"
}

test_reused_pid_is_not_the_container() {
	require_container
	lc_bundle
	ct_create --bundle "$B" "$ID"
	# point the state at a live process that is not the container's: the
	# start time (in clock ticks: wait a few) tells them apart, and kill
	# must not touch it
	sleep 0.2
	sleep 60 &
	local other=$!
	jq --argjson p "$other" '.pid = $p' "$STATE_ROOT/$ID/state.json" >"$B/s.json"
	local real
	real=$(state_field "$ID" pid)
	cp "$B/s.json" "$STATE_ROOT/$ID/state.json"
	assert_eq "$(state_field "$ID" status)" stopped "status with a foreign pid"
	expect_clean_failure "$CT" kill "$ID" KILL
	kill -0 "$other" || fail "kill reached a process that is not the container"
	kill "$other"
	# delete then removes the state and the cgroup (and kills the real one)
	assert_status 0 "$CT" delete "$ID"
	assert_eq "$(cgroup_dirs "$ID")" "" "cgroup after delete"
	for _ in $(seq 20); do kill -0 "$real" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$real" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$real/stat" 2>/dev/null)" != Z ] &&
		fail "the container's process $real survived delete"
	return 0
}

test_unknown_id() {
	require_container
	local verb
	for verb in start state kill delete; do
		expect_clean_failure "$CT" "$verb" no-such-ct-$$
		assert_contains "$ERR" "container no-such-ct-$$ does not exist" "$verb of an unknown id"
	done
	# as runc: --force of an unknown id has nothing to do (engines call it
	# after a failed create, and an error would bury the real one)
	assert_status 0 "$CT" delete --force no-such-ct-$$
	assert_eq "$OUT" "" "delete --force of an unknown id says nothing"
	expect_clean_failure "$CT" state "../etc"
	assert_contains "$ERR" "container id" "a path as id"
}

test_broken_state_needs_force() {
	require_container
	local id=lc-broken-$$
	# shellcheck disable=SC2064 # the id is fixed now
	trap "rm -rf '$STATE_ROOT/$id'" EXIT
	mkdir -p "$STATE_ROOT/$id"
	echo '{"ociVersion": "1.0.2", "id": ' >"$STATE_ROOT/$id/state.json"
	expect_clean_failure "$CT" state "$id"
	assert_contains "$ERR" "state.json" "state of a broken state.json"
	expect_clean_failure "$CT" delete "$id"
	[ -d "$STATE_ROOT/$id" ] || fail "delete without --force removed a broken state"
	assert_status 0 "$CT" delete --force "$id"
	[ ! -e "$STATE_ROOT/$id" ] || fail "delete --force left $STATE_ROOT/$id"
}

test_existing_id() {
	require_container
	local before
	lc_bundle
	ct_create --bundle "$B" "$ID"
	before=$(debris_snapshot)
	expect_clean_failure "$CT" create --bundle "$B" "$ID"
	assert_contains "$ERR" "container $ID already exists" "create with a taken id"
	no_debris_after "$before"
	# the first one is untouched and still starts
	assert_eq "$(state_field "$ID" status)" created "status of the first container"
	assert_status 0 "$CT" start "$ID"
	wait_file "$V/out" started
	expect_clean_failure "$CT" start "$ID"
	assert_contains "$ERR" "is running, not created" "start twice"
	assert_status 0 "$CT" delete --force "$ID"
}

test_bad_signal() {
	require_container
	lc_bundle
	ct_create --bundle "$B" "$ID"
	expect_clean_failure "$CT" kill "$ID" NOPE
	assert_contains "$ERR" "signal 'NOPE'" "bad signal name"
	expect_clean_failure "$CT" kill "$ID" 0
	expect_clean_failure "$CT" kill "$ID" 999
	assert_eq "$(state_field "$ID" status)" created "status after bad kills"
	assert_status 0 "$CT" delete "$ID"
}

test_create_failure_leaves_nothing() {
	require_container
	lc_bundle
	edit_bundle "$B" '.root.path = "/no/such/rootfs"'
	expect_clean_failure "$CT" create --bundle "$B" "$ID"
	assert_contains "$ERR" "root.path /no/such/rootfs" "error"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "state directory left after a failed create"
	# a failure inside the child (a mount that cannot be made)
	rm "$B/config.json"
	new_bundle "$B"
	edit_bundle "$B" '.mounts += [{destination: "/x", type: "bind", source: "/no/such/src", options: ["rbind"]}]'
	expect_clean_failure "$CT" create --bundle "$B" "$ID"
	assert_contains "$ERR" "/no/such/src" "error of the child's setup"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "state directory left after a failed create"
	assert_eq "$(cgroup_dirs "$ID")" "" "cgroup after a failed create"
	# usage errors
	expect_clean_failure "$CT" create --bundle "$B"
	expect_clean_failure "$CT" create "$ROOTFS" -- /bin/true
	expect_clean_failure "$CT" kill
	expect_clean_failure "$CT" delete --force
}

# A `container run` is a container the other commands see, as after `runc
# run`: state, ps, update, pause and resume, kill. Not delete (the run removes
# it when its process ends) and, in the quick form (no bundle), not exec.
test_run_is_seen_by_the_other_commands() {
	require_container
	local before rp pid
	before=$(debris_snapshot)
	lc_bundle
	"$CT" run --id "$ID" --volume "$V:/v" "$ROOTFS" -- /bin/sh -c \
		'trap "echo term >/v/out; exit 3" TERM; echo started >/v/out; while :; do sleep 0.1; done' \
		>"$B/run.log" 2>&1 &
	rp=$!
	wait_file "$V/out" started
	wait_status "$ID" running
	pid=$(state_field "$ID" pid)
	assert_contains "$(cat "/proc/$pid/cgroup")" "vclab/$ID" "the state's pid is the container's"
	assert_eq "$(state_field "$ID" bundle)" "" "bundle of the quick form"
	assert_eq "$(state_field "$ID" vclabRunPid)" null "our own key left out of state"
	assert_status 0 "$CT" ps "$ID"
	assert_contains "$OUT" "$pid" "ps lists the container's process"
	assert_status 0 "$CT" update --pids 9 "$ID"
	assert_eq "$(cat "$(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$ID/pids.max" | head -n 1)")" 9 \
		"pids.max after update"
	assert_status 0 "$CT" pause "$ID"
	wait_status "$ID" paused
	assert_status 0 "$CT" resume "$ID"
	wait_status "$ID" running
	expect_clean_failure "$CT" delete --force "$ID"
	assert_contains "$ERR" "is being set up or run by pid $rp" "delete of a run's container"
	expect_clean_failure "$CT" exec "$ID" /bin/true
	assert_contains "$ERR" "no bundle" "exec into the quick form"
	assert_eq "$(state_field "$ID" status)" running "status after the refusals"
	assert_status 0 "$CT" kill "$ID" # TERM: the trap exits 3
	wait_exit "$rp" 60
	assert_eq "$RC" 3 "run's status, the process's ($(cat "$B/run.log"))"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left after the run"
	assert_eq "$(cgroup_dirs "$ID")" "" "cgroup directories after the run (pause's and update's too)"
	no_debris_after "$before"
}

# `container run --bundle DIR ID` records its bundle: exec joins it.
test_run_from_a_bundle_takes_exec() {
	require_container
	local rp
	lc_bundle
	"$CT" run --bundle "$B" "$ID" >"$B/run.log" 2>&1 &
	rp=$!
	wait_file "$V/out" started
	wait_status "$ID" running
	assert_eq "$(state_field "$ID" bundle)" "$(cd "$B" && pwd -P)" "bundle"
	assert_eq "$(state_field "$ID" 'annotations["org.vclab.test"]')" lifecycle "annotations"
	# shellcheck disable=SC2016 # expanded by the container's shell
	assert_status 0 "$CT" exec "$ID" /bin/sh -c 'echo "exec: $(cat /v/out)"'
	assert_eq "$OUT" "exec: started" "exec into a run's container"
	assert_status 0 "$CT" kill "$ID"
	wait_exit "$rp" 60
	assert_eq "$RC" 3 "run's status ($(cat "$B/run.log"))"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left after the run"
}

run_tests "$@"
