# Helpers for the container e2e tests (tests/e2e/container_*.sh source it
# after tests/lib.sh).
# shellcheck shell=bash

CT=${CT:-$BIN/container}
ROOTFS=${ROOTFS:-$BUILD/rootfs/test}

require_container() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$CT" ] || fail "$CT missing: make build/bin/container"
	[ -x "$ROOTFS/probe" ] || fail "$ROOTFS/probe missing: make $BUILD/rootfs/test/.stamp"
}

# cgroup v2 alone at /sys/fs/cgroup?
pure_v2() {
	[ "$(awk '$2 == "/sys/fs/cgroup" { t = $3 } END { print t }' /proc/self/mounts)" = cgroup2 ]
}

# What a container could leave behind on the host: its cgroup directories,
# mounts, network and pid namespaces held by processes.
debris_snapshot() {
	find /sys/fs/cgroup -maxdepth 4 -path '*/vclab/*' -type d 2>/dev/null | sort
	echo "mounts: $(wc -l </proc/self/mountinfo)"
	# one ls (GNU or busybox), not a readlink per process: hundreds of forks
	# take tens of seconds in the nested test host under load (busybox find
	# there has no -printf; the names are /proc's own, so ls is safe)
	# shellcheck disable=SC2012
	for ns in net pid mnt; do
		ls -l /proc/[0-9]*/ns/"$ns" 2>/dev/null | sed -n 's/.* -> //p' | sort -u
	done
}

# no_debris_after BEFORE: nothing may have appeared since the snapshot
# BEFORE (things that went away belong to others working on this host). The
# kernel ends namespaces a moment after the last process: allow 2 s.
no_debris_after() {
	local new before_file now_file
	{ before_file=$(mktemp) && now_file=$(mktemp); } || fail "mktemp failed"
	printf '%s\n' "$1" >"$before_file"
	for _ in $(seq 20); do
		debris_snapshot >"$now_file" || fail "debris_snapshot failed"
		# grep exits 1 when every line was there before, 2 on trouble
		new=$(grep -Fvx -f "$before_file" "$now_file") || [ $? = 1 ] || fail "grep failed"
		[ -z "$new" ] && break
		sleep 0.1
	done
	rm -f "$before_file" "$now_file"
	[ -z "$new" ] || fail "debris left on the host: $(echo "$new" | head -5 | tr '\n' ' ')"
}

# expect_clean_failure CMD...: one-line error, non-zero exit, nothing left.
expect_clean_failure() {
	local before
	before=$(debris_snapshot)
	assert_one_line_error "$@"
	no_debris_after "$before"
}

# new_bundle DIR: DIR/config.json from `container spec`, rootfs the test
# rootfs (bind-mounted read-only, so tests cannot change the shared tree).
new_bundle() {
	mkdir -p "$1"
	"$CT" spec --bundle "$1" || fail "container spec failed"
	jq --arg r "$ROOTFS" '.root.path = $r' "$1/config.json" >"$1/c.json" && mv "$1/c.json" "$1/config.json"
}

# edit_bundle DIR JQ-FILTER
edit_bundle() {
	jq "$2" "$1/config.json" >"$1/c.json" || fail "jq '$2' failed"
	mv "$1/c.json" "$1/config.json"
}

# find_proc PREFIX: pid of a process whose command line starts with PREFIX
# (pgrep is not in the test host's busybox).
find_proc() {
	# bash builtins only: a fork per process in /proc is slow under TCG
	local f p parts
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' -t parts 2>/dev/null <"$f" || continue
		case "${parts[*]}" in
		"$1"*)
			p=${f#/proc/}
			echo "${p%/cmdline}"
			return 0
			;;
		esac
	done
	return 1
}

# wait_proc PREFIX [SECONDS]: print the pid of the process whose command
# line starts with PREFIX once it exists, waiting up to SECONDS (default 60)
# by the clock; fail when it never appears.
wait_proc() {
	local end=$((SECONDS + ${2:-60}))
	while [ "$SECONDS" -lt "$end" ]; do
		find_proc "$1" && return 0
		sleep 0.1
	done
	fail "no process '$1' within ${2:-60} s"
}

# wait_exit PID SECONDS: wait for background job PID; set RC to its exit
# status. Fails (after killing it) if it is still running after SECONDS.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		fail "process $1 still running after $2 s"
	fi
	RC=0
	# shellcheck disable=SC2034 # RC is read by the caller
	wait "$1" || RC=$?
}

# rootfs_for_userns: a path to the test rootfs that an unprivileged host uid
# (root inside a user namespace) can reach. A checkout under /root (0700) is
# not: then the rootfs is bind-mounted read-only under a 0755 temp dir, which
# the caller removes with release_rootfs_for_userns.
rootfs_for_userns() {
	local d=$ROOTFS tmp
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		if [ $((0$(stat -c %a "$d") & 1)) = 0 ]; then
			tmp=$(mktemp -d /tmp/vclab-userns-rootfs.XXXXXX) || return 1
			chmod 755 "$tmp"
			mkdir "$tmp/rootfs"
			mount --bind -o ro "$ROOTFS" "$tmp/rootfs" || return 1
			echo "$tmp/rootfs"
			return 0
		fi
	done
	echo "$ROOTFS"
}

release_rootfs_for_userns() { # PATH from rootfs_for_userns
	case $1 in
	/tmp/vclab-userns-rootfs.*/rootfs)
		umount "$1" && rmdir "$1" "$(dirname "$1")"
		;;
	esac
}
