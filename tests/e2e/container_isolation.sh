#!/usr/bin/env bash
# build/bin/container isolates for real: each test runs the probe
# (tests/container/probe.c, /probe in build/rootfs/test) inside a container
# and checks its answer against the kernel feature. Runs as root, here
# (hybrid cgroups) and in the test host (pure cgroup v2).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

ct_run() { "$CT" run "$@"; }
# in the background: "$CT" itself, so that $! is the runtime

test_pid_1_inside() {
	require_container
	assert_status 0 ct_run "$ROOTFS" -- /probe pid
	assert_eq "$OUT" "pid=1" "the container process's pid"
	assert_status 0 ct_run "$ROOTFS" -- /probe ppid
	assert_eq "$OUT" "ppid=0" "its parent is outside the pid namespace"
}

test_hostname_isolated() {
	require_container
	local host
	host=$(hostname)
	assert_status 0 ct_run --hostname box-$$ "$ROOTFS" -- /probe hostname
	assert_eq "$OUT" "hostname=box-$$" "hostname inside"
	assert_eq "$(hostname)" "$host" "host's hostname unchanged"
}

test_only_lo_in_netns() {
	require_container
	assert_status 0 ct_run "$ROOTFS" -- /probe ifaces
	assert_eq "$OUT" "iface=lo" "interfaces in the new network namespace"
	# lo is up by default (IFF_UP 0x1 | IFF_LOOPBACK 0x8), down with --net none
	assert_status 0 ct_run "$ROOTFS" -- cat /sys/class/net/lo/flags
	assert_eq "$OUT" "0x9" "lo flags (default: loopback up)"
	assert_status 0 ct_run --net none "$ROOTFS" -- cat /sys/class/net/lo/flags
	assert_eq "$OUT" "0x8" "lo flags with --net none"
}

test_host_mounts_invisible_old_root_gone() {
	require_container
	local marker=/tmp/vclab-host-marker.$$ mp
	echo secret >"$marker"
	assert_status 0 ct_run "$ROOTFS" -- /probe mounts
	rm -f "$marker"
	# every host mount point other than the ones a container gets anew
	# must be missing inside
	while IFS= read -r mp; do
		case $mp in / | /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) continue ;; esac
		assert_not_contains "$OUT" " $mp " "host mount point $mp inside the container"
	done < <(awk '{print $5}' /proc/self/mountinfo | sort -u)
	assert_not_contains "$(printf '%s\n' "$OUT" | awk '{print $5}')" "$VCLAB_ROOT" \
		"a mount point under the host path of the rootfs"
	# exactly one root, and it is the rootfs (the old root is detached)
	assert_eq "$(printf '%s\n' "$OUT" | awk '$5 == "/"' | wc -l)" 1 "mounts on / inside"
	assert_status 0 ct_run "$ROOTFS" -- ls /
	assert_contains "$OUT" "probe" "ls / shows the rootfs"
}

test_escape_through_proc_and_chroot_fails() {
	require_container
	local marker=/tmp/vclab-escape-marker.$$
	echo secret >"$marker"
	# the default capabilities lack CAP_SYS_CHROOT: the chroot trick is refused
	assert_status 0 ct_run "$ROOTFS" -- /probe escape "$marker"
	assert_contains "$OUT" "escape=blocked" "reaching $marker from inside"
	assert_contains "$OUT" "chroot=Operation not permitted" "chroot without CAP_SYS_CHROOT"
	rm -f "$marker"
}

test_mounting_host_disk_fails() {
	require_container
	local dev maj min
	dev=$(mountpoint -d / 2>/dev/null || stat -c '%Hd:%Ld' /)
	maj=${dev%%:*} min=${dev##*:}
	assert_status 0 ct_run "$ROOTFS" -- /probe mountdisk "$maj" "$min"
	assert_contains "$OUT" "mknod=Operation not permitted" "mknod of the host disk $dev"
	assert_contains "$OUT" "mount=" "mount attempt"
	assert_not_contains "$OUT" "mount=ok" "mounting the host disk $dev"
}

test_default_capabilities() {
	require_container
	# runc's default: CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29)
	assert_status 0 ct_run "$ROOTFS" -- /probe caps
	assert_contains "$OUT" "CapBnd:	0000000020000420" "bounding set"
	assert_contains "$OUT" "CapEff:	0000000020000420" "effective set"
	assert_contains "$OUT" "NoNewPrivs:	1" "no_new_privs"
	assert_status 0 ct_run "$ROOTFS" -- /probe sethostname x
	assert_eq "$OUT" "sethostname=Operation not permitted" "sethostname without CAP_SYS_ADMIN"
}

test_bundle_capabilities_as_configured() {
	require_container
	local b
	b=$(mktemp -d)
	new_bundle "$b"
	edit_bundle "$b" '.process.args = ["/probe", "caps"]
		| .process.capabilities = {bounding: ["CAP_SYS_ADMIN", "CAP_KILL"],
			effective: ["CAP_SYS_ADMIN"], permitted: ["CAP_SYS_ADMIN", "CAP_KILL"],
			inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}
		| .process.user = {uid: 1000, gid: 1000}'
	assert_status 0 "$CT" run --bundle "$b" caps-$$
	# uid 1000: after execve only the ambient set survives (CAP_KILL = bit 5)
	assert_contains "$OUT" "CapBnd:	0000000000200020" "bounding set"
	assert_contains "$OUT" "CapInh:	0000000000000020" "inheritable set"
	assert_contains "$OUT" "CapAmb:	0000000000000020" "ambient set"
	assert_contains "$OUT" "CapEff:	0000000000000020" "effective set of uid 1000"
	edit_bundle "$b" '.process.args = ["/probe", "sethostname", "granted"] | .process.user = {uid: 0, gid: 0}'
	assert_status 0 "$CT" run --bundle "$b" caps-$$
	assert_eq "$OUT" "sethostname=ok" "sethostname with CAP_SYS_ADMIN"
	rm -rf "$b"
}

test_read_only_root_refuses_writes() {
	require_container
	assert_status 0 ct_run --read-only "$ROOTFS" -- /probe write /newfile
	assert_eq "$OUT" "write=Read-only file system" "write to / with --read-only"
	assert_status 0 ct_run --read-only "$ROOTFS" -- /probe write /dev/shm/ok
	assert_eq "$OUT" "write=ok" "write to the /dev/shm tmpfs"
	[ ! -e "$ROOTFS/newfile" ] || fail "$ROOTFS/newfile was created"
}

test_memory_hog_is_oom_killed() {
	require_container
	local before
	before=$(debris_snapshot)
	assert_status 137 ct_run --memory 32M "$ROOTFS" -- /probe hog 512
	assert_contains "$OUT" "killed by the OOM killer" "the runtime says why"
	assert_not_contains "$OUT" "hog=survived" "the hog"
	no_debris_after "$before"
	assert_status 0 ct_run --memory 64M "$ROOTFS" -- /probe hog 16
	assert_contains "$OUT" "hog=survived 16 MiB" "16 MiB under a 64M limit"
}

test_fork_bomb_stops_at_pids_limit() {
	require_container
	assert_status 0 ct_run --pids 10 "$ROOTFS" -- /probe forkbomb 100
	assert_contains "$OUT" "fork_error=Resource temporarily unavailable" "fork past pids.max"
	local n
	n=$(printf '%s\n' "$OUT" | sed -n 's/^forked=//p')
	if [ "$n" -lt 5 ] || [ "$n" -gt 9 ]; then
		fail "forked $n children under --pids 10 (expected 5..9)"
	fi
}

test_cpu_quota_throttles() {
	require_container
	assert_status 0 ct_run --cpus 0.1 "$ROOTFS" -- /probe spin 0.6
	local n
	n=$(printf '%s\n' "$OUT" | awk '$1 == "nr_throttled" {print $2}')
	[ -n "$n" ] || fail "no nr_throttled in cpu.stat: $OUT"
	[ "$n" -gt 0 ] || fail "nr_throttled is $n after 0.6 s of spinning under --cpus 0.1"
}

test_user_namespace_maps_root() {
	require_container
	local rootfs pid="" uid
	rootfs=$(rootfs_for_userns) || fail "cannot prepare a rootfs reachable from a user namespace"
	# shellcheck disable=SC2064 # expand now: the local is gone when the trap runs
	trap "release_rootfs_for_userns '$rootfs'" EXIT
	assert_status 0 ct_run --user "$rootfs" -- /probe uidmap
	assert_eq "$(echo "$OUT" | tr -s ' ' | sed 's/^ //')" "0 100000 65536" "uid_map inside"
	assert_status 0 ct_run --user=200000 "$rootfs" -- /probe whoami
	assert_eq "$OUT" "uid=0 gid=0" "root inside"
	# seen from the host, the container's root is uid 200000
	"$CT" run --user=200000 "$rootfs" -- /probe spin 30.141 >/dev/null &
	pid=$(wait_proc '/probe spin 30.141')
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
	kill -KILL "$pid"
	wait || true
	assert_eq "$uid" 200000 "host uid of root inside"
}

test_seccomp_rule_returns_eperm() {
	require_container
	local b
	b=$(mktemp -d)
	new_bundle "$b"
	edit_bundle "$b" '.process.args = ["/probe", "mkdir", "/dev/shm/d"]'
	assert_status 0 "$CT" run --bundle "$b" sc-$$
	assert_eq "$OUT" "mkdir=ok" "mkdir without a filter"
	edit_bundle "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
	assert_status 0 "$CT" run --bundle "$b" sc-$$
	assert_eq "$OUT" "mkdir=Operation not permitted" "mkdir under the seccomp rule"
	rm -rf "$b"
}

# run_spec_bundle NAME CONFIG: CONFIG (a runc/crun spec config.json) with the
# test rootfs copied beside it; only "terminal" is set to false.
run_spec_bundle() {
	local b
	b=$(mktemp -d)
	cp "$2" "$b/config.json"
	mkdir "$b/rootfs"
	cp -a "$ROOTFS/." "$b/rootfs/"
	edit_bundle "$b" '.process.terminal = false'
	# shellcheck disable=SC2016 # $(hostname) is for the container's sh
	OUT=$(echo 'echo hello from $(hostname)' | "$CT" run --bundle "$b" "$1-$$" 2>&1) ||
		fail "$1 spec bundle: $OUT"
	rm -rf "$b"
}

test_runc_spec_runs_unchanged() {
	require_container
	local tool d
	# the copy written by runc 1.1.5, so that this also runs where runc is absent
	run_spec_bundle runc "$VCLAB_ROOT/tests/container/runc-spec.json"
	assert_eq "$OUT" "hello from runc" "stored runc spec bundle's sh"
	for tool in runc crun; do
		command -v $tool >/dev/null || continue
		d=$(mktemp -d)
		(cd "$d" && $tool spec) || fail "$tool spec"
		run_spec_bundle $tool "$d/config.json"
		rm -rf "$d"
		assert_eq "$OUT" "hello from $tool" "$tool spec bundle's sh"
	done
}

test_exit_status_is_the_process_status() {
	require_container
	assert_status 7 ct_run "$ROOTFS" -- sh -c 'exit 7'
	assert_status 0 ct_run "$ROOTFS" -- true
	# pid 1 may not kill itself from inside; a child killed by SIGKILL
	# shows as 128+9 through sh
	assert_status 137 ct_run "$ROOTFS" -- sh -c 'sleep 5 & kill -9 $!; wait $!'
}

test_signal_state_is_clean() {
	require_container
	# the runtime blocks and ignores signals for itself; none of that leaks
	assert_status 0 ct_run "$ROOTFS" -- grep -E '^Sig(Blk|Ign)' /proc/self/status
	assert_contains "$OUT" "SigBlk:	0000000000000000" "blocked signals"
	assert_contains "$OUT" "SigIgn:	0000000000000000" "ignored signals"
}

test_signals_are_forwarded() {
	require_container
	local pid out
	out=$(mktemp)
	# shellcheck disable=SC2064
	trap "rm -f '$out'" EXIT
	# A signal sent before the container's handler is set would be ignored
	# by its pid 1 (no handler): each case waits for the container to say
	# it is ready, not for a fixed time (setup can take seconds in the
	# nested test host under load).
	# a container process with a SIGTERM handler gets the signal
	"$CT" run "$ROOTFS" -- sh -c 'trap "exit 3" TERM; echo ready; while :; do sleep 0.1; done' >"$out" &
	pid=$!
	wait_ready "$out"
	kill -TERM $pid
	wait_exit $pid 30
	assert_eq "$RC" 3 "exit status after SIGTERM to container run"
	# SIGINT too, though bash starts background jobs with SIGINT ignored
	"$CT" run "$ROOTFS" -- sh -c 'trap "exit 4" INT; echo ready; while :; do sleep 0.1; done' >"$out" &
	pid=$!
	wait_ready "$out"
	kill -INT $pid
	wait_exit $pid 30
	assert_eq "$RC" 4 "exit status after SIGINT to container run"
	# pid 1 without a handler ignores SIGTERM; the second one kills it
	"$CT" run "$ROOTFS" -- /probe spin 30.25 >/dev/null &
	pid=$!
	wait_proc '/probe spin 30.25' >/dev/null
	# (two signals sent at once may arrive as one: repeat TERM until the
	# run ends; only the runtime's SIGKILL can end a pid 1 that ignores TERM)
	local end=$((SECONDS + 30))
	while kill -TERM $pid 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 0.5; done
	wait_exit $pid 5
	assert_eq "$RC" 137 "exit status after repeated SIGTERMs"
}

# wait_ready FILE: FILE holds the line "ready" within 60 s
wait_ready() {
	for _ in $(seq 600); do
		[ "$(cat "$1")" = ready ] && return 0
		sleep 0.1
	done
	fail "the container never printed 'ready' (output: $(cat "$1"))"
}

test_container_never_outlives_runtime() {
	require_container
	local pid
	"$CT" run --id outlive-$$ "$ROOTFS" -- /probe spin 31.5 >/dev/null &
	pid=$!
	wait_proc '/probe spin 31.5' >/dev/null
	kill -KILL $pid
	wait $pid 2>/dev/null || true
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ] && find_proc '/probe spin 31.5' >/dev/null; do sleep 0.1; done
	! find_proc '/probe spin 31.5' >/dev/null || fail "the container process outlived a SIGKILLed container run"
	# a killed runtime cannot remove its cgroup: it must at least be empty
	for d in /sys/fs/cgroup/*/vclab/"outlive-$$" /sys/fs/cgroup/vclab/"outlive-$$"; do
		[ -d "$d" ] || continue
		[ -z "$(cat "$d/cgroup.procs")" ] || fail "processes left in $d"
		rmdir "$d"
	done
}

test_volume_env_workdir() {
	require_container
	local d
	d=$(mktemp -d)
	echo data-$$ >"$d/file"
	# shellcheck disable=SC2016 # $FOO is expanded inside the container
	assert_status 0 ct_run --volume "$d:/data:ro" --env FOO=bar-$$ --workdir /data "$ROOTFS" -- \
		sh -c 'cat file; echo $FOO; pwd; if echo x >/data/new; then echo wrote; fi'
	assert_contains "$OUT" "data-$$" "bind-mounted file"
	assert_contains "$OUT" "bar-$$" "environment"
	assert_contains "$OUT" "/data" "working directory"
	assert_not_contains "$OUT" "wrote" "write to a :ro volume"
	[ ! -e "$d/new" ] || fail "wrote through a read-only volume"
	rm -rf "$d"
}

test_trace_and_timings() {
	require_container
	local t
	t=$(mktemp)
	assert_status 0 ct_run --trace --timings "$t" "$ROOTFS" -- true
	assert_contains "$OUT" "clone3" "trace names the clone"
	assert_contains "$OUT" "pivot_root" "trace names pivot_root"
	assert_contains "$OUT" "cgroup" "trace names the cgroup"
	assert_eq "$(jq -r .tool "$t")" container "timings tool"
	jq -e '[.steps[].name] | index("clone3") and index("pivot_root") and index("exited")' "$t" >/dev/null ||
		fail "timings lack steps: $(jq -c '[.steps[].name]' "$t")"
	rm -f "$t"
}

# --timings-format chrome: valid trace-event JSON whose complete events nest
# (no two on one thread overlap without one holding the other), each mount
# inside "mounts" inside "child setup", the cgroups inside "runtime setup".
test_timings_chrome_nests_phases() {
	require_container
	local t
	t=$(mktemp)
	assert_status 0 ct_run --timings "$t" --timings-format chrome "$ROOTFS" -- true
	jq -e '.traceEvents | length > 0' "$t" >/dev/null || fail "not trace-event JSON: $(head -c 300 "$t")"
	jq -e 'all(.traceEvents[] | select(.ph == "X"); [.ts, .dur, .pid, .tid] | map(type) == ["number", "number", "number", "number"])' "$t" >/dev/null ||
		fail "an X event without numeric ts/dur/pid/tid"
	assert_eq "$(jq '[.traceEvents[] | select(.ph == "X")] as $e | [$e[] as $a | $e[] as $b | select($a.tid == $b.tid and $a.ts < $b.ts and $b.ts + 0.001 < $a.ts + $a.dur and $b.ts + $b.dur > $a.ts + $a.dur + 0.001) | [$a.name, $b.name]] | length' "$t")" 0 "events that overlap without nesting"
	inside() { # CHILD PARENT: how many CHILD events lie inside a PARENT event
		jq --arg c "$1" --arg p "$2" '[.traceEvents[] | select(.ph == "X")] as $e | [$e[] | select(.name == $p)] as $ps | [$e[] | select(.name == $c) as $x | select(any($ps[]; .tid == $x.tid and .ts <= $x.ts and $x.ts + $x.dur <= .ts + .dur + 0.001))] | length' "$t"
	}
	[ "$(inside mount mounts)" -ge 3 ] || fail "fewer than 3 mounts inside \"mounts\""
	assert_eq "$(inside mounts "child setup")" 1 "mounts inside child setup"
	[ "$(inside cgroup "runtime setup")" -ge 1 ] || fail "no cgroup step inside \"runtime setup\""
	# the default stays vclab's own format
	assert_status 0 ct_run --timings "$t" "$ROOTFS" -- true
	jq -e '.steps[] | select(.name == "child setup" and .phase == true)' "$t" >/dev/null ||
		fail "the json format lacks the phases"
	rm -f "$t"
}

test_cgroup_is_the_containers_own() {
	require_container
	local limit
	assert_status 0 ct_run --memory 48M --id cgtest-$$ "$ROOTFS" -- /probe cgroup
	# the cgroup namespace shows the container's cgroup as /
	assert_not_contains "$OUT" "vclab" "/proc/self/cgroup inside a cgroup namespace"
	if pure_v2; then
		assert_status 0 ct_run --memory 48M "$ROOTFS" -- cat /sys/fs/cgroup/memory.max
		limit=$OUT
	else
		assert_status 0 ct_run --memory 48M "$ROOTFS" -- cat /sys/fs/cgroup/memory/memory.limit_in_bytes
		limit=$OUT
	fi
	assert_eq "$limit" $((48 << 20)) "memory limit seen inside"
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "cgtest-$$")" ] || fail "cgroup cgtest-$$ left behind"
}

test_join_namespace_by_path() {
	require_container
	local b bg pid=""
	b=$(mktemp -d)
	new_bundle "$b"
	# a first container owns a uts namespace with its hostname ...
	"$CT" run --hostname joined-$$ "$ROOTFS" -- /probe spin 60.5 >/dev/null &
	bg=$!
	pid=$(wait_proc '/probe spin 60.5')
	# ... which a second one joins through linux.namespaces[].path
	edit_bundle "$b" "del(.hostname) | .process.args = [\"/probe\", \"hostname\"]
		| .linux.namespaces |= map(if .type == \"uts\" then .path = \"/proc/$pid/ns/uts\" else . end)"
	assert_status 0 "$CT" run --bundle "$b" join-$$
	assert_eq "$OUT" "hostname=joined-$$" "hostname in the joined uts namespace"
	# stop the first one: SIGTERM until the second one makes it SIGKILL
	while kill -TERM $bg 2>/dev/null; do sleep 0.3; done
	wait $bg || true
	edit_bundle "$b" '.linux.namespaces |= map(if .type == "uts" then .path = "/no/such/ns" else . end)'
	expect_clean_failure "$CT" run --bundle "$b" join-$$
	assert_contains "$ERR" "uts namespace path /no/such/ns" "error names the path"
	rm -rf "$b"
}

test_sysctl_domainname_umask() {
	require_container
	local b host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	b=$(mktemp -d)
	new_bundle "$b"
	edit_bundle "$b" ".linux.sysctl = {\"net.ipv4.ip_forward\": \"$((1 - host))\"}
		| .domainname = \"dom-$$\" | .process.user.umask = 63
		| .process.args = [\"sh\", \"-c\", \"cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/domainname; umask\"]"
	assert_status 0 "$CT" run --bundle "$b" sysctl-$$
	assert_eq "$(echo "$OUT" | tr '\n' ' ')" "$((1 - host)) dom-$$ 0077 " "ip_forward, domainname, umask inside"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host" "the host's ip_forward"
	rm -rf "$b"
}

test_time_namespace() {
	require_container
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	local b
	b=$(mktemp -d)
	new_bundle "$b"
	edit_bundle "$b" '.linux.namespaces += [{type: "time"}]
		| .process.args = ["/bin/cat", "/proc/self/timens_offsets"]'
	assert_status 0 "$CT" run --bundle "$b" time-$$
	assert_contains "$OUT" "monotonic" "timens_offsets inside a time namespace"
	# it is a namespace of its own
	edit_bundle "$b" '.process.args = ["/bin/readlink", "/proc/self/ns/time"]'
	assert_status 0 "$CT" run --bundle "$b" time-$$
	assert_ne "$OUT" "$(readlink /proc/self/ns/time)" "time namespace"
	rm -rf "$b"
}

run_tests "$@"
