#!/usr/bin/env bash
# What runc and crun accept in config.json and engines send (issue 9, "the
# config"): the six kinds of hooks, each with the OCI state on its stdin,
# in the namespaces the runtime-spec names, failing cleanly, killed past
# its timeout; seccomp profiles written for every architecture (podman's
# own profile runs); blockIO weight 0; the mount options tmpcopyup, rro,
# idmap and unknown ones. Real containers, as root, here (hybrid cgroups)
# and in the test host (pure cgroup v2).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

STATE_ROOT=/run/vclab

# cfg_bundle: a bundle in $B (default config, test rootfs, no terminal)
# with a host directory $H bind-mounted at /mnt (the rootfs has /mnt, and
# is shared: tests never create mount points in it). Both go when the
# test ends, with container $ID.
cfg_bundle() {
	require_container
	command -v jq >/dev/null || skip "needs jq"
	B=$(mktemp -d /tmp/i9cfg-bundle.XXXXXX) H=$(mktemp -d /tmp/i9cfg-host.XXXXXX)
	ID=i9cfg-$$-$RANDOM
	# shellcheck disable=SC2064
	trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B' '$H'" EXIT
	chmod 755 "$H"
	new_bundle "$B"
	edit_bundle "$B" '.process.terminal = false | .hostname = "cfgbox"
		| .annotations = {"org.vclab.test": "config"}
		| .mounts += [{destination: "/mnt", type: "bind", source: "'"$H"'", options: ["rbind", "rw"]}]'
}

# A hook script usable on the host and inside the container (busybox):
# hook.sh OUT KIND appends what it sees to OUT.
write_hook() {
	cat >"$H/hook.sh" <<'EOF'
#!/bin/sh
out=$1 kind=$2
state=$(cat)
{
	echo "kind=$kind"
	echo "state=$state"
	echo "host=$(cat /proc/sys/kernel/hostname)"
	echo "mnt=$(readlink /proc/self/ns/mnt)"
	echo "env=${HOOKVAR:-unset} rt=${I9CFG_RUNTIME_VAR:-unset}"
} >>"$out"
EOF
	chmod 755 "$H/hook.sh"
}

# set_all_hooks: every kind calls hook.sh; the startContainer hook
# (resolved inside the container) by its /mnt path.
set_all_hooks() {
	edit_bundle "$B" '.hooks = ((["prestart", "createRuntime", "createContainer", "poststart", "poststop"]
			| map({(.): [{path: "'"$H"'/hook.sh", args: ["hook.sh", "'"$H"'/out", .], env: ["HOOKVAR=v-" + .]}]})
			| add)
		+ {startContainer: [{path: "/mnt/hook.sh", args: ["hook.sh", "/mnt/out", "startContainer"],
			env: ["HOOKVAR=v-startContainer"], timeout: 5}]})'
}

# field KIND NAME: the NAME= line the hook of KIND wrote
field() {
	awk -v k="kind=$1" -v f="$2=" '$0 == k { on = 1; next } /^kind=/ { on = 0 }
		on && index($0, f) == 1 { print substr($0, length(f) + 1); exit }' "$H/out"
}

check_hook_namespaces() {
	local host_mnt kind ctr_mnt
	host_mnt=$(readlink /proc/self/ns/mnt)
	for kind in prestart createRuntime poststart poststop; do
		assert_eq "$(field "$kind" mnt)" "$host_mnt" "$kind runs in the runtime's mount namespace"
		assert_eq "$(field "$kind" host)" "$(cat /proc/sys/kernel/hostname)" "$kind hostname"
		assert_eq "$(field "$kind" env)" "v-$kind rt=unset" "$kind gets exactly its env"
	done
	ctr_mnt=$(field createContainer mnt)
	assert_ne "$ctr_mnt" "$host_mnt" "createContainer runs in the container's mount namespace"
	assert_eq "$(field startContainer mnt)" "$ctr_mnt" "startContainer: the container's mount namespace"
	assert_eq "$(field createContainer host)" cfgbox "createContainer sees the container's hostname"
	assert_eq "$(field startContainer host)" cfgbox "startContainer sees the container's hostname"
}

# state_of KIND FIELD: a field of the state the hook of KIND read
state_of() {
	field "$1" state | jq -r ".$2"
}

test_hooks_run_all_kinds_in_order() {
	local kinds k
	cfg_bundle
	write_hook
	set_all_hooks
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo ran >/mnt/ran"]'
	I9CFG_RUNTIME_VAR=leak "$CT" run --bundle "$B" "$ID" >"$B/log" 2>&1 || fail "run: $(cat "$B/log")"
	kinds=$(grep '^kind=' "$H/out" | cut -d= -f2 | tr '\n' ' ')
	assert_eq "$kinds" "prestart createRuntime createContainer startContainer poststart poststop " \
		"every kind once, in the lifecycle's order"
	assert_eq "$(cat "$H/ran")" ran "the container ran"
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		assert_eq "$(state_of "$k" id)" "$ID" "$k: state.id"
		assert_eq "$(state_of "$k" bundle)" "$(realpath "$B")" "$k: state.bundle"
		assert_eq "$(state_of "$k" ociVersion)" 1.0.2 "$k: state.ociVersion"
		assert_eq "$(field "$k" state | jq -r '.annotations["org.vclab.test"]')" config "$k: annotations"
	done
	assert_eq "$(state_of prestart status)" creating "prestart: status"
	assert_eq "$(state_of createContainer status)" creating "createContainer: status"
	assert_eq "$(state_of startContainer status)" created "startContainer: status"
	assert_eq "$(state_of poststart status)" running "poststart: status"
	assert_eq "$(state_of poststop status)" stopped "poststop: status"
	# one pid, the container process's as the host sees it
	[ "$(state_of prestart pid)" -gt 1 ] || fail "prestart: pid $(state_of prestart pid)"
	assert_eq "$(state_of createContainer pid)" "$(state_of prestart pid)" "createContainer: same pid"
	assert_eq "$(state_of startContainer pid)" "$(state_of prestart pid)" "startContainer: same pid"
	check_hook_namespaces
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left behind"
}

# create / start / delete: each hook at its step, the state's pid the
# process `container state` reports, in the namespaces of that process.
test_hooks_lifecycle() {
	local pid kinds
	cfg_bundle
	write_hook
	set_all_hooks
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo ran >/mnt/ran; exec sleep 60"]'
	I9CFG_RUNTIME_VAR=leak "$CT" create --bundle "$B" "$ID" >"$B/log" 2>&1 || fail "create: $(cat "$B/log")"
	kinds=$(grep '^kind=' "$H/out" | cut -d= -f2 | tr '\n' ' ')
	assert_eq "$kinds" "prestart createRuntime createContainer " "create runs the create hooks"
	pid=$("$CT" state "$ID" | jq -r .pid)
	assert_eq "$(state_of prestart pid)" "$pid" "prestart: state.pid is the container process"
	[ -e "$STATE_ROOT/$ID/hooks.json" ] || fail "create kept no hooks.json for start and delete"
	I9CFG_RUNTIME_VAR=leak "$CT" start "$ID" || fail "start failed"
	kinds=$(grep '^kind=' "$H/out" | cut -d= -f2 | tr '\n' ' ')
	assert_eq "$kinds" "prestart createRuntime createContainer startContainer poststart " \
		"start runs startContainer, then poststart"
	assert_eq "$(state_of poststart pid)" "$pid" "poststart: state.pid"
	assert_eq "$(field createContainer mnt)" "$(readlink "/proc/$pid/ns/mnt")" \
		"createContainer: the container process's mount namespace"
	I9CFG_RUNTIME_VAR=leak "$CT" delete --force "$ID" || fail "delete failed"
	assert_eq "$(grep -c '^kind=poststop' "$H/out")" 1 "delete runs poststop once"
	check_hook_namespaces
	assert_eq "$(state_of poststop status)" stopped "poststop: status"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left behind"
}

# A hook that fails: create and run fail with one line naming the hook
# (kind, index, path) and its status; nothing is left: no cgroup, no state
# directory, no process.
test_failing_hook_leaves_nothing() {
	local kind verb kind_verb
	cfg_bundle
	edit_bundle "$B" '.process.args = ["/bin/true"]'
	# each kind with create; run with the parent's and the child's kinds
	for kind_verb in prestart:create createRuntime:create createContainer:create \
		createRuntime:run createContainer:run; do
		kind=${kind_verb%:*} verb=${kind_verb#*:}
		edit_bundle "$B" '.hooks = {"'"$kind"'": [{path: "/bin/true"}, {path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
		expect_clean_failure "$CT" "$verb" --bundle "$B" "$ID"
		assert_contains "$ERR" "hooks.${kind}[1] /bin/sh: exited with status 3" "$verb: error"
		[ ! -e "$STATE_ROOT/$ID" ] || fail "$verb: $STATE_ROOT/$ID left after a failing $kind hook"
	done
	# a hook that cannot run at all
	edit_bundle "$B" '.hooks = {"prestart": [{path: "/nonexistent/hook"}]}'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" "hooks.prestart[0] /nonexistent/hook: cannot run it: No such file" "error"
}

# timeout: the hook (and what it started) is killed; create fails at once.
test_hook_timeout_kills_it() {
	local t0 t1 n before
	cfg_bundle
	n=$((30000 + RANDOM % 9999))
	# the hook and a child of its own: the timeout kills both
	printf '#!/bin/sh\nsleep %d &\nexec sleep %d\n' "$n" "$((n + 1))" >"$H/slow.sh"
	chmod 755 "$H/slow.sh"
	edit_bundle "$B" '.process.args = ["/bin/true"]
		| .hooks = {createRuntime: [{path: "'"$H"'/slow.sh", timeout: 1}]}'
	before=$(debris_snapshot)
	# bash's clock in microseconds (the test host's busybox date has no %N)
	t0=${EPOCHREALTIME/./}
	assert_one_line_error "$CT" create --bundle "$B" "$ID"
	t1=${EPOCHREALTIME/./}
	no_debris_after "$before"
	assert_contains "$ERR" "hooks.createRuntime[0] $H/slow.sh: still running after its timeout of 1 s: killed" "error"
	[ $(((t1 - t0) / 1000)) -lt 5000 ] || fail "create took $(((t1 - t0) / 1000)) ms with a 1 s timeout"
	! find_proc "sleep $((n + 1))" >/dev/null || fail "the hook still runs after its timeout"
	! find_proc "sleep $n" >/dev/null || fail "the hook's child still runs after its timeout"
}

# startContainer fails: start fails naming it, the process never runs the
# program, delete removes everything.
test_failing_start_hook_fails_start() {
	cfg_bundle
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo ran >/mnt/ran"]
		| .hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "exit 4"]}]}'
	"$CT" create --bundle "$B" "$ID" >"$B/log" 2>&1 || fail "create: $(cat "$B/log")"
	assert_one_line_error "$CT" start "$ID"
	assert_contains "$ERR" "hooks.startContainer[0] /bin/sh: exited with status 4" "start error"
	[ ! -e "$H/ran" ] || fail "the container program ran although its startContainer hook failed"
	"$CT" delete "$ID" || fail "delete after a failed start"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left behind"
}

# start waits for the process's execve: one that fails is start's error
# (before, start said nothing and the process was gone).
test_start_reports_a_failed_execve() {
	cfg_bundle
	edit_bundle "$B" '.process.args = ["/no/such/program"]'
	"$CT" create --bundle "$B" "$ID" >"$B/log" 2>&1 || fail "create: $(cat "$B/log")"
	assert_one_line_error "$CT" start "$ID"
	assert_contains "$ERR" "start: process.args[0]: cannot execute /no/such/program: No such file" "start error"
	assert_eq "$("$CT" state "$ID" | jq -r .status)" stopped "status after a failed start"
	"$CT" delete "$ID" || fail "delete after a failed start"
	[ ! -e "$STATE_ROOT/$ID" ] || fail "$STATE_ROOT/$ID left behind"
}

# poststart and poststop failures are warnings: the container runs, its
# status is what run returns.
test_failing_poststop_only_warns() {
	local out rc=0
	cfg_bundle
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "exit 7"]
		| .hooks = {poststart: [{path: "/bin/false"}], poststop: [{path: "/bin/sh", args: ["sh", "-c", "exit 5"]}]}'
	out=$("$CT" run --bundle "$B" "$ID" 2>&1) || rc=$?
	assert_eq "$rc" 7 "the container's exit status"
	assert_contains "$out" "container: warning: hooks.poststop[0] /bin/sh: exited with status 5" "poststop warning"
	assert_contains "$out" "container: warning: hooks.poststart[0] /bin/false: exited with status 1" "poststart warning"
	assert_eq "$(printf '%s\n' "$out" | wc -l)" 2 "one line per failed hook"
}

test_bad_hook_config() {
	cfg_bundle
	edit_bundle "$B" '.hooks = {prestart: [{path: "bin/true"}]}'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" 'hooks.prestart[0].path: "bin/true" is not an absolute path' "relative path"
	edit_bundle "$B" '.hooks = {poststop: [{path: "/bin/true", timeout: 0}]}'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" "hooks.poststop[0].timeout: 0; a timeout is 1 or more seconds" "timeout 0"
}

# The seccomp profile podman ships (Docker's is nearly the same), turned
# into config.json's form the way the engines do it for x86-64 and the
# bundle's capabilities, plus a rule naming calls newer than this
# libseccomp (as newer engines' profiles do): those are skipped, the names
# of other architectures (chown32, socketcall) kept for the three x86
# architectures added; the container runs and the profile holds (unshare
# is refused).
test_engine_seccomp_profile_runs() {
	local profile=/usr/share/containers/seccomp.json out
	cfg_bundle
	[ -r "$profile" ] || skip "no $profile (podman's containers-common)"
	jq --argjson caps "$(jq -c .process.capabilities.bounding "$B/config.json")" '
		def has_all($set): all(.[]; . as $c | $set | index($c) != null);
		def wanted($caps):
			((.includes.arches // []) | length == 0 or index("amd64") != null)
			and ((.excludes.arches // []) | index("amd64") == null)
			and ((.includes.caps // []) | has_all($caps))
			and ((.excludes.caps // []) | any(.[]; . as $c | $caps | index($c) != null) | not);
		{defaultAction, defaultErrnoRet,
		 architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64")
			| .architecture, .subArchitectures[]],
		 syscalls: [.syscalls[] | select(wanted($caps))
			| {names, action, errnoRet, args} | with_entries(select(.value != null))]}' \
		"$profile" >"$B/seccomp.json" || fail "converting $profile"
	[ "$(uname -m)" = x86_64 ] || skip "the conversion above is for x86-64"
	jq -e '.syscalls | map(.names[]) | index("chown32")' "$B/seccomp.json" >/dev/null ||
		fail "the profile no longer names chown32: the test proves less"
	jq --slurpfile sc "$B/seccomp.json" '.linux.seccomp = $sc[0]
		| .linux.seccomp.syscalls += [{names: ["listmount", "statmount", "mseal"], action: "SCMP_ACT_ALLOW"}]
		| .process.args = ["/bin/sh", "-c", "echo in; unshare -m true 2>/dev/null || echo refused"]' \
		"$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
	out=$(VCLAB_DEBUG=1 "$CT" run --bundle "$B" "$ID" 2>&1) || fail "run with podman's profile: $out"
	assert_contains "$out" "in" "the container ran"
	assert_contains "$out" "refused" "the profile is in force (unshare refused)"
	assert_contains "$out" 'system call "listmount" unknown to libseccomp here: skipped' "debug names a skipped call"
	assert_not_contains "$out" '"chown32"' "chown32 is kept (libseccomp knows it)"
	assert_not_contains "$out" "warning" "no warning"
}

test_seccomp_architectures_and_errors() {
	local out
	cfg_bundle
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo ok"]
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
			syscalls: [{names: ["chown32", "no_such_call", "keyctl"], action: "SCMP_ACT_ERRNO"}]}'
	out=$("$CT" run --bundle "$B" "$ID" 2>&1) || fail "run: $out"
	assert_eq "$out" ok "names unknown here are skipped silently without --debug"
	edit_bundle "$B" '.linux.seccomp.architectures = ["SCMP_ARCH_PDP11"]'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" 'linux.seccomp.architectures[0]: unknown architecture "SCMP_ARCH_PDP11"' "unknown arch"
	edit_bundle "$B" '.linux.seccomp.architectures = [] | .linux.seccomp.syscalls = [{names: [1], action: "SCMP_ACT_ERRNO"}]'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" "linux.seccomp.syscalls[0].names[0]: expected string" "malformed entry"
	edit_bundle "$B" '.linux.seccomp.syscalls = [{names: ["getpid"], action: "SCMP_ACT_SOMETIMES"}]'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" 'unknown action "SCMP_ACT_SOMETIMES"' "unknown action"
}

# What Docker writes when nothing is set: zeros.
test_blockio_weight_zero_is_unset() {
	local out
	cfg_bundle
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo ok"]
		| .linux.resources += {blockIO: {weight: 0, leafWeight: 0}, cpu: {shares: 0, quota: 0},
			memory: {limit: 0, swap: 0, disableOOMKiller: false, swappiness: 0}, pids: {limit: 0}}'
	out=$("$CT" run --bundle "$B" "$ID" 2>&1) || fail "run: $out"
	assert_eq "$out" ok "zeros are accepted silently"
	edit_bundle "$B" '.linux.resources.blockIO.weight = 5'
	expect_clean_failure "$CT" run --bundle "$B" "$ID"
	assert_contains "$ERR" "linux.resources.blockIO.weight: 5 is out of range [10, 1000] (0: not set)" "weight 5"
}

# tmpcopyup (podman --read-only): the tmpfs starts with what was there,
# owners, modes and links included, and it is writable.
test_tmpcopyup_keeps_files() {
	local out
	cfg_bundle
	mkdir -p "$H/d/sub"
	echo hello >"$H/d/sub/f"
	chown 1234:5678 "$H/d/sub/f"
	chmod 604 "$H/d/sub/f"
	chmod 711 "$H/d/sub"
	chmod 750 "$H/d"
	ln -s sub/f "$H/d/link"
	edit_bundle "$B" '.mounts += [{destination: "/mnt/d", type: "tmpfs", source: "tmpfs",
			options: ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]}]
		| .process.args = ["/bin/sh", "-c",
			"cat /mnt/d/link; stat -c \"%a %u:%g %n\" /mnt/d /mnt/d/sub /mnt/d/sub/f; echo new >/mnt/d/new && echo written; grep \" /mnt/d \" /proc/self/mountinfo | cut -d\" \" -f9"]'
	out=$("$CT" run --bundle "$B" "$ID" 2>&1) || fail "run: $out"
	assert_contains "$out" hello "the file's content, through the copied link"
	assert_contains "$out" "750 0:0 /mnt/d" "the tmpfs root gets the directory's mode"
	assert_contains "$out" "711 0:0 /mnt/d/sub" "a directory's mode"
	assert_contains "$out" "604 1234:5678 /mnt/d/sub/f" "a file's mode and owner"
	assert_contains "$out" written "the copy is writable"
	assert_contains "$out" tmpfs "it is a tmpfs"
	[ ! -e "$H/d/new" ] || fail "the write reached the directory under the tmpfs"
}

# rro: read-only down the whole tree (mount_setattr AT_RECURSIVE); plain ro
# only makes the top mount read-only.
test_rro_is_recursive() {
	local out
	cfg_bundle
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	mkdir -p "$H/top/sub"
	edit_bundle "$B" '.mounts += [{destination: "/mnt/rro", type: "bind", source: "'"$H"'/top", options: ["rbind", "rro"]},
			{destination: "/mnt/ro", type: "bind", source: "'"$H"'/top", options: ["rbind", "ro"]}]
		| .process.args = ["/bin/sh", "-c",
			"touch /mnt/rro/sub/x 2>/dev/null && echo rro-sub-writable; touch /mnt/ro/sub/y 2>/dev/null && echo ro-sub-writable; touch /mnt/rro/z 2>/dev/null || echo rro-top-readonly"]'
	# a submount under the source, in a mount namespace of this test only
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
	out=$(unshare -m --propagation private sh -c '
		mount -t tmpfs i9cfg-sub "$1/top/sub" && shift && "$@"' sh "$H" "$CT" run --bundle "$B" "$ID" 2>&1) ||
		fail "run: $out"
	assert_contains "$out" rro-top-readonly "rro: the top mount is read-only"
	assert_not_contains "$out" rro-sub-writable "rro: the submount is read-only too"
	assert_contains "$out" ro-sub-writable "ro: the submount stays writable (the test can fail)"
}

# Options the kernel refuses or we cannot apply: one warning, the container
# runs.
test_unknown_mount_options_warn_once() {
	local out
	cfg_bundle
	edit_bundle "$B" '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "frobnicate", "size=1m"]}]
		| .process.args = ["/bin/sh", "-c", "echo ran; grep \" /tmp \" /proc/self/mountinfo"]'
	out=$("$CT" run --bundle "$B" "$ID" 2>&1) || fail "run: $out"
	assert_contains "$out" ran "the container ran"
	assert_contains "$out" 'warning: mounts: /tmp (type tmpfs): options "frobnicate" refused by the kernel: ignored' "warning"
	assert_contains "$out" "size=1024k" "the other options applied"
	assert_eq "$(printf '%s\n' "$out" | grep -c warning)" 1 "one warning"
	edit_bundle "$B" '.mounts[-1] = {destination: "/mnt", type: "bind", source: "'"$H"'", options: ["rbind", "idmap"]}
		| .process.args = ["/bin/sh", "-c", "echo ran"]'
	out=$("$CT" run --bundle "$B" "$ID" 2>&1) || fail "run: $out"
	assert_contains "$out" ran "the container ran with idmap"
	assert_contains "$out" 'mounts[8].options[1] "idmap"' "idmap is named in the warning"
	assert_eq "$(printf '%s\n' "$out" | grep -c warning)" 1 "one warning"
}

run_tests "$@"
