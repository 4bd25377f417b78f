#!/usr/bin/env bash
# Lab 1 (docs/labs/01-namespaces.md): runs the lab's commands as written,
# from the top of the repository, and checks every observation the lab
# states against its **Expect** lines.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
# shellcheck source=tests/container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
LAB=$VCLAB_ROOT/docs/labs/01-namespaces.md

# The lab's scratch directory W, removed on exit; the working directory is
# the repository's top, where the lab's commands run.
lab_setup() {
	require_container
	cd "$VCLAB_ROOT" || fail "cd $VCLAB_ROOT"
	W=$(mktemp -d /tmp/lab1.XXXXXX)
	# shellcheck disable=SC2064 # W is fixed now
	trap "rm -rf '$W'" EXIT
}

# The lab's step 2 (and its repetition with --user): the namespaces whose
# link differs from this shell's.
new_namespaces() { # [--user]
	# shellcheck disable=SC2016 # expanded by the container's shell
	build/bin/container run "$@" build/rootfs/test -- /bin/sh -c 'for n in cgroup ipc mnt net pid user uts; do echo "$n $(readlink /proc/self/ns/$n)"; done' >"$W/container-ns" ||
		fail "container run failed"
	for n in cgroup ipc mnt net pid user uts; do [ "$(readlink /proc/self/ns/$n)" = "$(grep "^$n " "$W/container-ns" | cut -d' ' -f2)" ] || printf '%s ' "$n"; done
	echo
}

test_1_same_commands_twice() {
	lab_setup
	local out
	echo "pid $$"; hostname; ls /sys/class/net; wc -l </proc/self/mounts
	# shellcheck disable=SC2016 # expanded by the container's shell
	out=$(build/bin/container run --trace build/rootfs/test -- /bin/sh -c 'echo "pid $$"; hostname; ls /sys/class/net; wc -l < /proc/self/mounts' 2>"$W/trace") ||
		fail "container run failed: $(cat "$W/trace")"
	lab_expect pid1 "$(sed -n 1p <<<"$out")"
	lab_expect hostname "$(sed -n 2p <<<"$out")"
	lab_expect ifaces "$(sed -n 3p <<<"$out")"
	lab_expect mounts "$(sed -n 4p <<<"$out")"
	lab_expect clone3 "$(cat "$W/trace")"
	lab_expect pivot "$(cat "$W/trace")"
}

test_2_which_namespaces_are_new() {
	lab_setup
	lab_expect new-ns "$(new_namespaces)"
}

test_3_ipc_objects() {
	lab_setup
	local made next
	made=$(build/bin/container run build/rootfs/test -- /bin/sh -c 'touch /dev/mqueue/lab1 && ls /dev/mqueue') || fail "the first container failed"
	next=$(build/bin/container run build/rootfs/test -- /bin/sh -c 'ls /dev/mqueue | wc -l') || fail "the second container failed"
	lab_expect mq-made "$made"
	lab_expect mq-next "$next"
}

test_4_user_namespace() {
	lab_setup
	local out rootfs outside
	# the lab's note: uid 100000 must reach the rootfs (a checkout under
	# /root is 0700); the test then runs the same commands on a read-only
	# bind mount of it under /tmp
	rootfs=$(rootfs_for_userns) || fail "cannot make the rootfs reachable for uid 100000"
	if [ "$rootfs" != "$ROOTFS" ]; then
		# shellcheck disable=SC2064
		trap "release_rootfs_for_userns '$rootfs'; rm -rf '$W'" EXIT
		mkdir -p "$W/top/build/rootfs" || fail "mkdir"
		ln -s "$VCLAB_ROOT/build/bin" "$W/top/build/bin" || fail "ln"
		ln -s "$rootfs" "$W/top/build/rootfs/test" || fail "ln"
		cd "$W/top" || fail "cd"
	fi
	out=$(build/bin/container run --user build/rootfs/test -- /bin/sh -c 'id -u; cat /proc/self/uid_map') || fail "container run --user failed: $out"
	lab_expect uid-inside "$(sed -n 1p <<<"$out")"
	lab_expect uid-map "$(sed -n 2p <<<"$out")"

	build/bin/container run --user --pid-file "$W/pid" build/rootfs/test -- sleep 30 &
	local end=$((SECONDS + 60))
	until [ -s "$W/pid" ] && [ "$(cat "/proc/$(cat "$W/pid")/comm")" = sleep ]; do
		[ "$SECONDS" -lt "$end" ] || { kill -9 %1; fail "no pid file in 60 s"; }
		sleep 0.1
	done
	outside=$(stat -c %u "/proc/$(cat "$W/pid")")
	kill -9 "$(cat "$W/pid")"; wait
	lab_expect uid-outside "$outside"

	lab_expect new-ns-user "$(new_namespaces --user)"
}

test_5_setup_as_a_picture() {
	lab_setup
	build/bin/container run --timings "$W/setup.json" --timings-format chrome build/rootfs/test -- true ||
		fail "container run --timings-format chrome failed"
	lab_expect chrome-phases "$(jq -r '.traceEvents[] | select(.ph == "X") | .name' "$W/setup.json" | sort -u | tr '\n' ' ')"
	lab_expect chrome-mounts "$(jq '[.traceEvents[] | select(.name == "mount")] | length' "$W/setup.json")"
}

run_tests "$@"
