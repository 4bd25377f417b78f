#!/usr/bin/env bash
# Fault: SOAK_KILLS (default 50) `container run` and as many `container
# create` commands SIGKILLed at a random moment of their setup (0-15 ms
# after they start). Afterwards one `container` command, and nothing may be
# left (cgroups, /run/vclab, processes, mounts), and every id works again.
# (`container exec` does not exist yet: nothing to kill there.)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
. "$VCLAB_ROOT/tests/container/lib.sh"
. "$VCLAB_ROOT/tests/soak/lib.sh"

# kill_during CMD...: start CMD, SIGKILL it after a random 0-15 ms
kill_during() {
	local pid
	"$@" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$(printf '%02d' $((RANDOM % 16)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

check_recovered() { # TAG WHAT
	local i left
	"$CT" state "no-such-$$" >/dev/null 2>&1 || true
	# processes killed by the parent-death signal take a moment to go
	for ((i = 0; i < 50; i++)); do
		left=$(leftovers "$1")
		[ -n "$left" ] || break
		sleep 0.1
		"$CT" state "no-such-$$" >/dev/null 2>&1 || true
	done
	assert_eq "$left" "" "left after killed $2 commands"
}

test_killed_runs_leave_nothing() {
	require_container
	local n=${SOAK_KILLS:-50} i tag="kr-$$" mounts0
	mounts0=$(wc -l </proc/self/mountinfo)
	for ((i = 0; i < n; i++)); do
		kill_during "$CT" run --id "$tag-$i" "$ROOTFS" -- /bin/sleep 2
	done
	check_recovered "$tag" run
	assert_eq "$(wc -l </proc/self/mountinfo)" "$mounts0" "mount count"
	for ((i = 0; i < n; i++)); do
		"$CT" run --id "$tag-$i" "$ROOTFS" -- /bin/true || fail "id $tag-$i blocked"
	done
	assert_eq "$(leftovers "$tag")" "" "left after reusing the ids"
}

test_killed_creates_leave_nothing() {
	require_container
	local n=${SOAK_KILLS:-50} i tag="kc-$$" B
	B=$(mktemp -d)
	new_bundle "$B"
	edit_bundle "$B" '.process.args = ["/bin/true"]'
	for ((i = 0; i < n; i++)); do
		kill_during "$CT" create --bundle "$B" "$tag-$i"
	done
	"$CT" state "no-such-$$" >/dev/null 2>&1 || true
	# a create that finished before the kill made a created container
	for ((i = 0; i < n; i++)); do
		[ ! -e "/run/vclab/$tag-$i/state.json" ] || "$CT" delete "$tag-$i" ||
			fail "delete of created $tag-$i"
	done
	check_recovered "$tag" create
	for ((i = 0; i < n; i++)); do
		"$CT" create --bundle "$B" "$tag-$i" >/dev/null 2>&1 || fail "id $tag-$i blocked"
		"$CT" delete "$tag-$i" || fail "delete $tag-$i"
	done
	assert_eq "$(leftovers "$tag")" "" "left after reusing the ids"
	rm -rf "$B"
}

run_tests "$@"
