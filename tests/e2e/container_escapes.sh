#!/usr/bin/env bash
# A default container (`container run ROOTFS -- CMD`, no options) tried the
# way an attacker would: the probe runs every escape we know from inside and
# each must be blocked. Also the keyring and the default seccomp profile.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
. "$VCLAB_ROOT/tests/container/lib.sh"

# the probe is static: it runs on the host too (the test host has only build/rootfs)
PROBE_HOST=${PROBE_HOST:-$ROOTFS/probe}

# Every check the probe's `escapes` command makes.
ESCAPES="host_pid_visible host_pid_kill ptrace_host_pid mount_tmpfs remount_root_rw
proc_sys_write proc_sysrq_write sys_write mknod_block mknod_char_mem host_abstract_socket
sethostname raise_rlimit cgroup_write chroot pivot_root proc1_root_host keyring_user
unshare_user unshare_mount open_by_handle_at bpf perf_event_open"

test_default_container_blocks_every_escape() {
	require_container
	local sleeper listener sock="vclab-escape-$$" out name
	sleep 300 &
	sleeper=$!
	"$PROBE_HOST" listen "$sock" >/dev/null &
	listener=$!
	# shellcheck disable=SC2064
	trap "kill $sleeper $listener 2>/dev/null" EXIT
	out=$("$CT" run "$ROOTFS" -- /probe escapes "$sleeper" "$sock") || fail "probe failed: $out"
	for name in $ESCAPES; do
		assert_contains "$out" "$name=blocked" "escape $name"
	done
	assert_not_contains "$out" "=OPEN" "every escape blocked"
	kill -0 "$sleeper" || fail "the host process was killed from inside"
	# the escape through the old root and /proc/1/root
	out=$("$CT" run "$ROOTFS" -- /probe escape /etc/vclab-no-such-host-file-$$)
	touch "/tmp/vclab-escape-marker-$$"
	out=$("$CT" run "$ROOTFS" -- /probe escape "/tmp/vclab-escape-marker-$$")
	rm -f "/tmp/vclab-escape-marker-$$"
	assert_contains "$out" "escape=blocked" "host file by path"
}

# Issue 14: a key host root added to its user keyring was read inside.
test_host_keyring_unreadable_inside() {
	require_container
	local key out
	key=$("$PROBE_HOST" addkey "vclab-test-$$") || fail "adding a key on the host: $key"
	# shellcheck disable=SC2064
	trap "'$PROBE_HOST' unlinkkey $key" EXIT
	out=$("$PROBE_HOST" key "vclab-test-$$")
	assert_eq "$out" "key=read:vclab-secret" "the host reads its own key (the test works)"
	out=$("$CT" run "$ROOTFS" -- /probe key "vclab-test-$$")
	assert_eq "$out" "key=Operation not permitted" "the key from inside a default container"
	# without the seccomp profile, the new session keyring still hides it
	out=$("$CT" run --seccomp=unconfined "$ROOTFS" -- /probe key "vclab-test-$$")
	assert_not_contains "$out" "vclab-secret" "the key with --seccomp=unconfined"
}

test_new_session_keyring_unless_opted_out() {
	require_container
	local host inside
	host=$("$PROBE_HOST" sessionkey)
	inside=$("$CT" run --seccomp=unconfined "$ROOTFS" -- /probe sessionkey)
	assert_contains "$inside" "session=" "session keyring inside"
	assert_ne "$inside" "$host" "a new session keyring"
	inside=$("$CT" run --seccomp=unconfined --no-new-keyring "$ROOTFS" -- /probe sessionkey)
	assert_eq "$inside" "$host" "--no-new-keyring keeps the caller's"
}

# Issue 14: the quick form had no filter (Seccomp: 0), so a default
# container could unshare(CLONE_NEWUSER) and then mount.
test_quick_form_default_seccomp_profile() {
	require_container
	local out
	out=$("$CT" run "$ROOTFS" -- /probe caps)
	assert_contains "$out" "Seccomp:	2" "a filter is loaded"
	out=$("$CT" run "$ROOTFS" -- /probe userns)
	assert_eq "$out" "unshare_user=Operation not permitted" "user namespace from inside"
	# ordinary programs do not notice it: fork, exec, pipes, files
	out=$("$CT" run "$ROOTFS" -- /bin/sh -c 'echo a | cat; (sleep 0 & wait); date >/tmp/x && echo ok')
	assert_contains "$out" "ok" "a shell runs"
	out=$("$CT" run --seccomp=unconfined "$ROOTFS" -- /probe caps)
	assert_contains "$out" "Seccomp:	0" "--seccomp=unconfined"
	expect_clean_failure "$CT" run --seccomp=strict "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--seccomp 'strict': expected unconfined or default" "error"
}

# Issue 14: the quick form had no device cgroup rules (devices.list said
# "a *:* rwm"): a device node that reached the container opened. Now runc's
# allowlist (without its "mknod anything") applies: /dev/null works, a host
# device bind-mounted in does not open. v1: devices.list; v2: a BPF filter.
test_default_device_allowlist() {
	require_container
	local out dev=""
	# a host device that root opens and that is not on the list
	for d in /dev/loop-control /dev/kvm /dev/rtc0 /dev/vcs; do
		if [ -c "$d" ] && (exec 3<"$d") 2>/dev/null; then
			dev=$d
			break
		fi
	done
	[ -n "$dev" ] || skip "no host device to try"
	out=$("$CT" run --volume "$dev:/dev/hostdev" "$ROOTFS" -- /bin/sh -c \
		'echo x >/dev/null && echo null=ok; head -c 4 /dev/urandom | wc -c;
		 if exec 3</dev/hostdev; then echo loop=opened; fi' 2>&1)
	assert_contains "$out" "null=ok" "/dev/null"
	assert_contains "$out" "4" "/dev/urandom"
	assert_not_contains "$out" "loop=opened" "a host device outside the allowlist"
	assert_contains "$out" "Operation not permitted" "refused by the device cgroup"
	if ! pure_v2; then
		out=$("$CT" run "$ROOTFS" -- /bin/cat /sys/fs/cgroup/devices/devices.list)
		assert_eq "$(printf '%s\n' "$out" | tr '\n' ' ')" \
			"c 1:3 rwm c 1:5 rwm c 1:7 rwm c 1:8 rwm c 1:9 rwm c 5:0 rwm c 5:2 rwm c 136:* rwm c 10:200 rwm " \
			"devices.list inside"
	fi
}

run_tests "$@"
