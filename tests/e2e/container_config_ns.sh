#!/usr/bin/env bash
# Issue 9's config fields, on real kernel objects: linux.cgroupsPath
# (absolute, relative, refused), linux.devices (mknod, a bind mount in a user
# namespace), linux.resources.devices (EPERM for what the rules deny, on
# cgroup v1 through devices.allow/deny, on v2 through a BPF program), a
# config without a mount namespace, namespaces joined by path (uts, net,
# ipc, mount, user next to new ones) and a hostname set in a joined uts
# namespace.
# Runs as root, here (hybrid cgroups) and in the test host (pure cgroup v2).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

# A bundle in $B (a temp dir) with id $ID; removed with any container and
# the extra paths in CLEAN (cgroup directories, rmdir'd deepest first) when
# the test ends.
cfg_bundle() {
	B=$(mktemp -d /tmp/i9ns-cfg.XXXXXX) ID=i9ns-$$-$RANDOM CLEAN=""
	trap cfg_cleanup EXIT
	new_bundle "$B"
}

cfg_cleanup() {
	local d
	"$CT" delete --force "$ID" >/dev/null 2>&1 || true
	for d in $CLEAN; do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$B"
}

# The directory of cgroup path P (as in /proc/PID/cgroup) in the hierarchy
# that holds the pids controller.
pids_dir() {
	if pure_v2; then echo "/sys/fs/cgroup$1"; else echo "/sys/fs/cgroup/pids$1"; fi
}

# Is a pids limit possible? (on v2 the root must offer the controller; a
# cgroup2 tree without it is how the v2 code paths can be tried on a hybrid
# host, in a mount namespace with cgroup2 mounted on /sys/fs/cgroup)
have_pids() {
	if pure_v2; then grep -qw pids /sys/fs/cgroup/cgroup.controllers; else [ -d /sys/fs/cgroup/pids ]; fi
}

# The pids-hierarchy path of process $1, as /proc/PID/cgroup shows it.
pids_cgroup_of() {
	if pure_v2; then
		sed -n 's/^0:://p' "/proc/$1/cgroup"
	else
		awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' "/proc/$1/cgroup"
	fi
}

# create ID from $B; CPID = the waiting container process
cfg_create() {
	local rc=0
	"$CT" create --bundle "$B" "$ID" >"$B/create.log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || fail "container create exited $rc: $(cat "$B/create.log")"
	CPID=$("$CT" state "$ID" | jq -r .pid)
	[ "$CPID" -gt 0 ] || fail "no pid in the state of $ID"
}

test_cgroups_path_absolute() {
	require_container
	cfg_bundle
	local top=/i9ns-abs-$$ dir
	dir=$(pids_dir "$top/$ID")
	CLEAN="$(pids_dir "$top") /sys/fs/cgroup/*$top"
	edit_bundle "$B" ".linux.cgroupsPath = \"$top/$ID\" | .process.args = [\"/probe\", \"spin\", \"30\"]"
	! have_pids || edit_bundle "$B" ".linux.resources.pids = {limit: 37}"
	cfg_create
	assert_eq "$(pids_cgroup_of "$CPID")" "$top/$ID" "the process's cgroup"
	! have_pids || assert_eq "$(cat "$dir/pids.max")" 37 "pids.max in $dir"
	assert_eq "$("$CT" state "$ID" | jq -r .status)" created "state"
	# nothing under the default vclab/ID
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$ID" 2>/dev/null)" ] ||
		fail "a vclab/$ID cgroup was made too"
	"$CT" start "$ID"
	"$CT" kill "$ID" KILL
	for _ in $(seq 50); do
		[ "$("$CT" state "$ID" | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	"$CT" delete "$ID" || fail "delete failed"
	[ ! -e "$dir" ] || fail "delete left $dir"
	[ ! -e "/run/vclab/$ID" ] || fail "delete left /run/vclab/$ID"
}

test_cgroups_path_relative_is_under_the_callers_cgroup() {
	require_container
	cfg_bundle
	local caller want
	ORIG=$(pids_cgroup_of "$BASHPID")
	# this shell moves into a cgroup of its own: the container's path is
	# relative to it (v1), or to its parent (v2, as runc: a cgroup holding
	# processes cannot enable controllers for children)
	if pure_v2; then
		caller=/i9ns-caller-$$
		mkdir -p "/sys/fs/cgroup$caller/sh"
		echo "$BASHPID" >"/sys/fs/cgroup$caller/sh/cgroup.procs"
		CLEAN="/sys/fs/cgroup$caller/i9ns-rel-$ID /sys/fs/cgroup$caller/sh /sys/fs/cgroup$caller"
	else
		caller=/i9ns-caller-$$
		mkdir -p "/sys/fs/cgroup/pids$caller"
		echo "$BASHPID" >"/sys/fs/cgroup/pids$caller/cgroup.procs"
		CLEAN="/sys/fs/cgroup/pids$caller"
	fi
	trap 'echo $BASHPID >"$(pids_dir "$ORIG")/cgroup.procs"; cfg_cleanup' EXIT
	want=$caller/i9ns-rel-$ID
	edit_bundle "$B" ".linux.cgroupsPath = \"i9ns-rel-$ID\""
	! have_pids || edit_bundle "$B" ".linux.resources.pids = {limit: 41}"
	cfg_create
	assert_eq "$(pids_cgroup_of "$CPID")" "$want" "the process's cgroup"
	! have_pids || assert_eq "$(cat "$(pids_dir "$want")/pids.max")" 41 "pids.max"
	"$CT" delete --force "$ID" || fail "delete --force failed"
	[ ! -e "$(pids_dir "$want")" ] || fail "delete left $(pids_dir "$want")"
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "i9ns-rel-$ID" 2>/dev/null)" ] ||
		fail "debris: $(find /sys/fs/cgroup -maxdepth 3 -name "i9ns-rel-$ID")"
}

test_cgroups_path_with_dotdot_is_refused() {
	require_container
	cfg_bundle
	local p
	for p in "/i9ns/../../$ID" "../$ID" "a/./b"; do
		edit_bundle "$B" ".linux.cgroupsPath = \"$p\""
		expect_clean_failure "$CT" run --bundle "$B" "$ID"
		assert_contains "$ERR" "linux.cgroupsPath" "error for $p"
		assert_contains "$ERR" "is not allowed" "error for $p"
		[ ! -e "/run/vclab/$ID" ] || fail "state directory left for $p"
	done
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "$ID" 2>/dev/null)" ] || fail "cgroup debris"
}

# A cgroup this runtime did not make is never taken over, nor removed.
test_cgroups_path_existing_cgroup_is_refused_and_kept() {
	require_container
	cfg_bundle
	local dir
	dir=$(pids_dir "/i9ns-taken-$ID")
	mkdir "$dir"
	CLEAN=$dir
	edit_bundle "$B" ".linux.cgroupsPath = \"/i9ns-taken-$ID\""
	assert_one_line_error "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" "already exists" "error"
	[ -d "$dir" ] || fail "the pre-existing cgroup $dir was removed"
	[ ! -e "/run/vclab/$ID" ] || fail "state directory left"
}

# A killed `container run` leaves its cgroup at cgroupsPath: the next
# `container` command removes it, found through the state directory's record.
test_cgroups_path_of_a_killed_run_is_removed() {
	require_container
	cfg_bundle
	local dir pid=""
	dir=$(pids_dir "/i9ns-killed-$ID")
	CLEAN=$dir
	edit_bundle "$B" ".linux.cgroupsPath = \"/i9ns-killed-$ID\"
		| .process.args = [\"/probe\", \"spin\", \"30.$$\"]"
	"$CT" run --bundle "$B" "$ID" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[ -n "$(cat "$dir/cgroup.procs" 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -n "$(cat "$dir/cgroup.procs" 2>/dev/null)" ] || fail "no process in $dir"
	[ -s "/run/vclab/$ID/cgroup" ] || fail "no cgroup record in /run/vclab/$ID"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	"$CT" state i9ns-no-such-$$ >/dev/null 2>&1 || true
	for _ in $(seq 50); do
		[ -e "$dir" ] || break
		sleep 0.1
	done
	[ ! -e "$dir" ] || fail "the killed run's cgroup $dir is still there"
	[ ! -e "/run/vclab/$ID" ] || fail "the killed run's state directory is still there"
}

test_devices_are_made_with_mode_and_owner() {
	require_container
	cfg_bundle
	edit_bundle "$B" '.linux.devices = [
			{path: "/dev/i9ns/zero", type: "c", major: 1, minor: 5, fileMode: 420, uid: 5, gid: 6},
			{path: "/dev/i9ns-fifo", type: "p", fileMode: 384}]
		| .process.args = ["/bin/sh", "-c",
			"stat -c \"%F %a %u %g %t %T\" /dev/i9ns/zero; stat -c \"%F %a\" /dev/i9ns-fifo; head -c 3 /dev/i9ns/zero | od -An -tx1"]'
	assert_status 0 "$CT" run --bundle "$B" "$ID"
	assert_contains "$OUT" "character special file 644 5 6 1 5" "the node"
	assert_contains "$OUT" "fifo 600" "the fifo"
	assert_contains "$OUT" "00 00 00" "reading the node"
}

test_devices_in_a_user_namespace_are_bind_mounts() {
	require_container
	[ -c /dev/kmsg ] || skip "no /dev/kmsg on this host"
	cfg_bundle
	ROOTFS_U=$(rootfs_for_userns) || fail "cannot prepare a rootfs reachable from a user namespace"
	trap 'release_rootfs_for_userns "$ROOTFS_U"; cfg_cleanup' EXIT
	edit_bundle "$B" ".root.path = \"$ROOTFS_U\"
		| .linux.namespaces += [{type: \"user\"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .linux.devices = [{path: \"/dev/kmsg\", type: \"c\", major: 1, minor: 11}]
		| .process.args = [\"/bin/sh\", \"-c\", \"grep -c ' /dev/kmsg ' /proc/self/mountinfo; stat -c '%t %T' /dev/kmsg\"]"
	assert_status 0 "$CT" run --bundle "$B" "$ID"
	assert_eq "$(echo "$OUT" | head -1)" 1 "mounts on /dev/kmsg"
	assert_eq "$(echo "$OUT" | tail -1)" "1 b" "major and minor (hex) of the bound node"
}

# linux.resources.devices: the last rule that matches decides; what is
# denied gives EPERM (open and mknod), on v1 and v2 alike. Major 240 is a
# "local/experimental" one without a driver: an access the cgroup lets
# through fails with ENXIO instead.
test_device_rules_deny_with_eperm() {
	require_container
	cfg_bundle
	# CAP_MKNOD so that mknod reaches the device cgroup; 240:0 is allowed,
	# then denied for writing; 240:1 is not listed
	edit_bundle "$B" '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]
		| .linux.resources.devices += [
			{allow: true, type: "c", major: 240, minor: 0, access: "rwm"},
			{allow: false, type: "c", major: 240, minor: 0, access: "w"}]
		| .process.args = ["/bin/sh", "-c",
			"mknod /dev/k c 240 0 && echo mknod-ok; true </dev/k; true >/dev/k; mknod /dev/m c 240 1 || echo mknod-refused; true </dev/null && echo null-ok"]'
	assert_status 0 "$CT" run --bundle "$B" "$ID"
	assert_contains "$OUT" "mknod-ok" "mknod of an allowed device"
	assert_contains "$OUT" "can't open /dev/k: No such device or address" "reading: past the cgroup"
	assert_contains "$OUT" "can't create /dev/k: Operation not permitted" "writing: EPERM"
	assert_contains "$OUT" "mknod-refused" "mknod of an unlisted device"
	assert_contains "$OUT" "/dev/m: Operation not permitted" "EPERM on mknod"
	assert_contains "$OUT" "null-ok" "the default list"
}

# A config without a mount namespace: the caller's mounts, a chroot, a
# warning for what cannot apply, and nothing mounted on the host.
test_no_mount_namespace() {
	require_container
	cfg_bundle
	local before
	before=$(debris_snapshot)
	edit_bundle "$B" '.linux.namespaces |= map(select(.type != "mount"))
		| .process.args = ["/probe", "spin", "30"]'
	cfg_create
	assert_contains "$(cat "$B/create.log")" 'warning: no "mount" namespace' "the warning"
	assert_eq "$(readlink "/proc/$CPID/ns/mnt")" "$(readlink /proc/self/ns/mnt)" "mount namespace"
	assert_eq "$(readlink "/proc/$CPID/root")" "$(readlink -f "$ROOTFS")" "the process's root"
	assert_ne "$(readlink "/proc/$CPID/ns/uts")" "$(readlink /proc/self/ns/uts)" "uts namespace"
	"$CT" delete --force "$ID"
	no_debris_after "$before"
}

# uts, net and ipc joined from a running container's /proc/PID/ns, the
# hostname set in the joined uts namespace.
test_join_uts_net_ipc_by_path_with_hostname() {
	require_container
	cfg_bundle
	A_ID=$ID A_B=$B
	edit_bundle "$B" '.hostname = "i9ns-first" | .process.args = ["/probe", "spin", "30"]'
	cfg_create
	local apid=$CPID
	B=$(mktemp -d /tmp/i9ns-cfg.XXXXXX) ID=$A_ID-b
	trap 'ID=$A_ID-b; cfg_cleanup; ID=$A_ID B=$A_B; cfg_cleanup' EXIT
	new_bundle "$B"
	edit_bundle "$B" ".hostname = \"i9ns-joined\"
		| .linux.namespaces |= map(if .type == \"uts\" or .type == \"network\" or .type == \"ipc\"
			then .path = \"/proc/$apid/ns/\" + (if .type == \"network\" then \"net\" else .type end)
			else . end)
		| .process.args = [\"/probe\", \"spin\", \"30\"]"
	cfg_create
	local ns
	for ns in uts net ipc; do
		assert_eq "$(readlink "/proc/$CPID/ns/$ns")" "$(readlink "/proc/$apid/ns/$ns")" "$ns namespace"
	done
	assert_ne "$(readlink "/proc/$CPID/ns/mnt")" "$(readlink "/proc/$apid/ns/mnt")" "mount namespace"
	# the first container sees the hostname the second one set
	assert_eq "$(nsenter --uts="/proc/$apid/ns/uts" hostname)" i9ns-joined "hostname in the joined namespace"
}

# A user namespace joined by path (a running container's), every other one
# new: those belong to the joined user namespace (as with runc and crun), so
# the container's root, with CAP_SYS_ADMIN there, may set its hostname.
# Made in the host's user namespace instead, sethostname would be EPERM.
test_join_user_namespace_by_path_with_new_others() {
	require_container
	cfg_bundle
	ROOTFS_U=$(rootfs_for_userns) || fail "cannot prepare a rootfs reachable from a user namespace"
	A_ID=$ID A_B=$B
	trap 'ID=$A_ID-b; cfg_cleanup; ID=$A_ID B=$A_B; cfg_cleanup; release_rootfs_for_userns "$ROOTFS_U"' EXIT
	edit_bundle "$B" ".root.path = \"$ROOTFS_U\"
		| .linux.namespaces += [{type: \"user\"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .process.args = [\"/probe\", \"spin\", \"30\"]"
	cfg_create
	local apid=$CPID
	B=$(mktemp -d /tmp/i9ns-cfg.XXXXXX) ID=$A_ID-b
	new_bundle "$B"
	edit_bundle "$B" ".root.path = \"$ROOTFS_U\"
		| .linux.namespaces += [{type: \"user\", path: \"/proc/$apid/ns/user\"}]
		| .process.capabilities.bounding += [\"CAP_SYS_ADMIN\"]
		| .process.capabilities.effective += [\"CAP_SYS_ADMIN\"]
		| .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]
		| .process.args = [\"/bin/sh\", \"-c\", \"hostname i9ns-owned && hostname && exec /probe spin 30\"]"
	cfg_create
	"$CT" start "$ID" >/dev/null 2>&1 || fail "start $ID"
	local ns i
	assert_eq "$(readlink "/proc/$CPID/ns/user")" "$(readlink "/proc/$apid/ns/user")" "user namespace"
	for ns in net uts ipc mnt pid; do
		assert_ne "$(readlink "/proc/$CPID/ns/$ns")" "$(readlink "/proc/$apid/ns/$ns")" "$ns namespace (new)"
		assert_ne "$(readlink "/proc/$CPID/ns/$ns")" "$(readlink "/proc/self/ns/$ns")" "$ns namespace (not the host's)"
	done
	for i in $(seq 50); do
		[ "$(nsenter --uts="/proc/$CPID/ns/uts" hostname)" = i9ns-owned ] && break
		sleep 0.1
	done
	assert_eq "$(nsenter --uts="/proc/$CPID/ns/uts" hostname)" i9ns-owned \
		"sethostname by the container's root: the uts namespace is the joined user namespace's"
	if lsns --help 2>&1 | grep -qw ONS; then
		assert_eq "$(lsns -n -o ONS -p "$CPID" -t net | tr -d ' ')" \
			"$(readlink "/proc/$apid/ns/user" | tr -dc 0-9)" "owner of the network namespace"
	fi
}

# A mount namespace joined by path (a bind-mounted ns file): the container's
# file system is built in it, and the host's mounts do not change.
test_join_mount_namespace_by_path() {
	require_container
	unshare --help 2>&1 | grep -q -- '--mount\[=' || skip "unshare cannot bind a mount namespace"
	cfg_bundle
	local x
	x=$(mktemp -d /tmp/i9ns-mntns.XXXXXX)
	NSDIR=$x
	mount --bind "$x" "$x"
	mount --make-private "$x"
	touch "$x/mnt"
	trap 'cfg_cleanup; umount "$NSDIR/mnt" 2>/dev/null; umount "$NSDIR"; rm -rf "$NSDIR"' EXIT
	unshare --mount="$x/mnt" --propagation private true || fail "unshare --mount=$x/mnt failed"
	edit_bundle "$B" ".linux.namespaces |= map(if .type == \"mount\" then .path = \"$x/mnt\" else . end)
		| .process.args = [\"/probe\", \"spin\", \"30\"]"
	cfg_create
	assert_eq "$(readlink "/proc/$CPID/ns/mnt")" "mnt:[$(stat -L -c %i "$x/mnt")]" "mount namespace"
	assert_eq "$(readlink "/proc/$CPID/root")" / "root inside the joined namespace"
	[ -e "/proc/$CPID/root/probe" ] || fail "the rootfs is not the process's root"
	# the container's mounts went into the joined namespace, none into the
	# host's (looked for by the bundle's path: other tests running beside
	# this one may mount and unmount elsewhere meanwhile)
	assert_eq "$(grep -cF -- " $B/" /proc/self/mountinfo || true)" 0 "host mounts under the bundle $B"
	assert_contains "$(cat "/proc/$CPID/mountinfo")" " /proc " "the container's /proc in the joined namespace"
}

run_tests "$@"
