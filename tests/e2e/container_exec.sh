#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted $... is for the shell inside the container
# `container exec`: a new process in a running container, in its
# namespaces, cgroups and root, with its capabilities, seccomp filter,
# no_new_privs and rlimits; --env/--cwd/--user, --detach/--pid-file,
# --process FILE; exit statuses and signals; the security properties of the
# joining process (not reachable from inside before it execs, no host
# descriptor left: the CVE-2019-5736 and CVE-2024-21626 classes); bad input
# with one line, exit 1 and nothing left. Runs as root, here (hybrid
# cgroups) and in the test host (pure cgroup v2).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

# seccomp of the test container: mkdir fails with EOPNOTSUPP (95), which
# no file system gives, so the message shows the filter is loaded.
SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"],
	"action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'

# ex_start [JQ-FILTER]: a started container $ID (bundle $B) whose process
# sleeps, with hostname exec-host and the seccomp filter above; $PID is its
# pid. Everything goes when the test ends.
ex_start() {
	B=$(mktemp -d /tmp/vclab-exec.XXXXXX) ID=ex-$$-$RANDOM
	# shellcheck disable=SC2064
	trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B'" EXIT
	new_bundle "$B"
	edit_bundle "$B" ".hostname = \"exec-host\" | .process.args = [\"sleep\", \"1000\"]
		| .linux.seccomp = $SECCOMP | ${1:-.}"
	"$CT" create --bundle "$B" "$ID" >"$B/create.log" 2>&1 || fail "create: $(cat "$B/create.log")"
	"$CT" start "$ID" || fail "start $ID failed"
	PID=$("$CT" state "$ID" | jq -r .pid)
	[ "$PID" -gt 0 ] || fail "no pid for $ID"
}

# status_field PID FIELD: the value of FIELD in /proc/PID/status
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}

test_exec_joins_namespaces_and_root() {
	require_container
	ex_start
	local out ns
	# the same pid namespace: its process is pid 1, we are another pid
	out=$("$CT" exec "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$; hostname; true')
	assert_eq "$(echo "$out" | sed -n 1p)" "sleep 1000 " "pid 1 seen from exec"
	assert_ne "$(echo "$out" | sed -n 2p)" 1 "exec's own pid"
	assert_eq "$(echo "$out" | sed -n 3p)" exec-host "hostname"
	# every namespace is the container's process's, as the host sees them
	for ns in pid net mnt ipc uts cgroup; do
		out=$("$CT" exec "$ID" readlink "/proc/self/ns/$ns")
		assert_eq "$out" "$(readlink "/proc/$PID/ns/$ns")" "$ns namespace"
	done
	# its root: the test rootfs's files, not the host's
	out=$("$CT" exec "$ID" sh -c 'ls /; pwd')
	assert_contains "$out" probe "the container's / holds /probe"
	assert_eq "$(echo "$out" | tail -n 1)" / "cwd"
}

test_exec_joins_cgroups() {
	require_container
	local ucg="" before out pid
	before=$(debris_snapshot)
	# On hybrid the container has no v2 cgroup of its own: create it from
	# a v2 cgroup other than ours, so exec must also join that one (with
	# CLONE_INTO_CGROUP, as on pure v2).
	if ! pure_v2 && [ -d /sys/fs/cgroup/unified ]; then
		ucg=/sys/fs/cgroup/unified/vclab-exec-$$
		mkdir "$ucg"
		(
			echo $BASHPID >"$ucg/cgroup.procs"
			ex_start
			trap - EXIT
			echo "$ID $B" >"/tmp/vclab-exec-$$.ids"
		) || { rmdir "$ucg"; fail "could not start the container in $ucg"; }
		read -r ID B <"/tmp/vclab-exec-$$.ids"
		rm -f "/tmp/vclab-exec-$$.ids"
		# shellcheck disable=SC2064
		trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B'
			for _ in \$(seq 50); do rmdir '$ucg' 2>/dev/null && break; sleep 0.1; done" EXIT
		PID=$("$CT" state "$ID" | jq -r .pid)
	else
		ex_start
	fi
	# the detached process holds exec's stdout: a file, not $(...)
	"$CT" exec --trace -d --pid-file "$B/pid" "$ID" sleep 30 >"$B/out" 2>&1 ||
		fail "exec -d failed: $(cat "$B/out")"
	out=$(cat "$B/out")
	pid=$(cat "$B/pid")
	assert_eq "$(cat "/proc/$pid/cgroup")" "$(cat "/proc/$PID/cgroup")" "/proc/PID/cgroup of exec and of the container"
	assert_contains "$out" "CLONE_INTO_CGROUP" "--trace: born in the v2 cgroup"
	kill -KILL "$pid"
	"$CT" delete --force "$ID"
	no_debris_after "$before"
}

# A created container (its process waits before execve) takes exec too.
test_exec_created_container() {
	require_container
	B=$(mktemp -d /tmp/vclab-exec.XXXXXX) ID=ex-$$-$RANDOM
	# shellcheck disable=SC2064
	trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B'" EXIT
	new_bundle "$B"
	edit_bundle "$B" '.hostname = "created-host"'
	"$CT" create --bundle "$B" "$ID" >"$B/create.log" 2>&1 || fail "create: $(cat "$B/create.log")"
	assert_eq "$("$CT" exec "$ID" hostname)" created-host "hostname in a created container"
	assert_eq "$("$CT" state "$ID" | jq -r .status)" created "still created after exec"
}

test_exec_caps_seccomp_rlimits() {
	require_container
	ex_start '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456}]'
	local out f
	out=$("$CT" exec "$ID" cat /proc/self/status)
	for f in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do
		assert_eq "$(echo "$out" | awk -v f="$f:" '$1 == f { print $2 }')" \
			"$(status_field "$PID" "$f")" "$f of exec and of the container's process"
	done
	assert_eq "$(echo "$out" | awk '$1 == "CapEff:" { print $2 }')" 0000000020000420 \
		"CapEff: KILL, NET_BIND_SERVICE, AUDIT_WRITE of config.json"
	assert_eq "$(echo "$out" | awk '$1 == "Seccomp:" { print $2 }')" 2 "a seccomp filter"
	assert_contains "$("$CT" exec "$ID" /probe mkdir /tmp/x)" "mkdir=Operation not supported" \
		"config.json's seccomp rule (errno 95) applies to exec"
	assert_eq "$("$CT" exec "$ID" sh -c 'ulimit -n; ulimit -Hn')" "$(printf '123\n456')" "RLIMIT_NOFILE"
	# the capability set is the container's, whatever ours
	assert_contains "$("$CT" exec "$ID" /probe sethostname x 2>&1)" "Operation not permitted" \
		"sethostname without CAP_SYS_ADMIN"
}

test_exec_env_cwd_user() {
	require_container
	ex_start
	local out
	out=$("$CT" exec --env FOO=bar -e TERM=vt100 --cwd /tmp -u 1000:1001 "$ID" \
		sh -c 'echo "$FOO $TERM $PATH"; pwd; id -u; id -g')
	assert_eq "$(echo "$out" | sed -n 1p)" "bar vt100 /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		"env: ours added to config.json's"
	assert_eq "$(echo "$out" | sed -n 2p)" /tmp "--cwd"
	assert_eq "$(echo "$out" | sed -n 3,4p | tr '\n' ' ')" "1000 1001 " "--user UID:GID"
	# --user UID keeps config.json's gid; config.json's env when none given
	out=$("$CT" exec --user 7 "$ID" sh -c 'id -u; id -g; echo "$TERM"')
	assert_eq "$(echo "$out" | tr '\n' ' ')" "7 0 xterm " "--user UID"
}

test_exec_exit_status_and_signals() {
	require_container
	ex_start
	local before pid
	assert_status 7 "$CT" exec "$ID" sh -c 'exit 7'
	assert_status 0 "$CT" exec "$ID" true
	assert_status 143 "$CT" exec "$ID" sh -c 'kill -TERM $$'
	before=$(debris_snapshot)
	expect_clean_failure "$CT" exec "$ID" /no/such/program
	assert_contains "$ERR" "/no/such/program" "error names the program"
	assert_status 127 "$CT" exec "$ID" /no/such/program
	assert_status 127 "$CT" exec "$ID" no-such-program
	assert_status 126 "$CT" exec "$ID" /etc/passwd
	# signals to exec reach the process (a trap turns TERM into exit 9)
	"$CT" exec "$ID" sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$B/out" &
	pid=$!
	for _ in $(seq 50); do [ -s "$B/out" ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait_exit "$pid" 10
	assert_eq "$RC" 9 "exit status after SIGTERM to exec"
	no_debris_after "$before"
}

test_exec_detach_pid_file() {
	require_container
	ex_start
	local pid start
	start=$SECONDS
	"$CT" exec --detach --pid-file "$B/pid" "$ID" sleep 30 >"$B/out" 2>&1 ||
		fail "exec --detach failed: $(cat "$B/out")"
	[ $((SECONDS - start)) -lt 10 ] || fail "exec --detach waited for its process"
	pid=$(cat "$B/pid")
	kill -0 "$pid" || fail "pid $pid of --pid-file is not alive"
	assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 30 " "the detached process"
	assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$PID/ns/pid")" "its pid namespace"
	assert_eq "$(readlink "/proc/$pid/root")" / "its root, as the host sees it"
	[ -e "/proc/$pid/root/probe" ] || fail "its root is not the container's"
	kill -KILL "$pid"
}

test_exec_process_file() {
	require_container
	ex_start
	local out
	jq -n '{terminal: false, user: {uid: 2, gid: 3}, cwd: "/tmp",
		args: ["sh", "-c", "echo \"$FOO ${TERM-unset}\"; pwd; id -u; id -g; grep CapBnd /proc/$$/status"],
		env: ["PATH=/bin", "FOO=fromfile"],
		capabilities: {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]},
		noNewPrivileges: true}' >"$B/process.json"
	out=$("$CT" exec --process "$B/process.json" "$ID")
	assert_eq "$(echo "$out" | sed -n 1p)" "fromfile unset" "env of the file, not config.json's"
	assert_eq "$(echo "$out" | sed -n 2,4p | tr '\n' ' ')" "/tmp 2 3 " "cwd and user of the file"
	assert_eq "$(echo "$out" | sed -n 5p | awk '{ print $2 }')" 0000000000000020 "bounding set: CAP_KILL only"
	# the options still apply over the file
	out=$("$CT" exec --process "$B/process.json" --env FOO=opt "$ID")
	assert_eq "$(echo "$out" | sed -n 1p)" "opt unset" "--env over --process"
}

test_exec_no_host_fds() {
	require_container
	ex_start
	local out
	# fds 5 and 7 are open in the caller (not close-on-exec)
	out=$("$CT" exec "$ID" sh -c 'ls /proc/$$/fd; true' 5</dev/null 7</)
	assert_eq "$(echo "$out" | tr '\n' ' ')" "0 1 2 " "descriptors of the exec'd process"
}

# CVE-2024-21626: a cwd through a descriptor of ours leads nowhere.
test_exec_cwd_through_host_fd() {
	require_container
	ex_start
	local before n
	before=$(debris_snapshot)
	for n in 3 4 5 6 7 8 9 10 11 12; do
		assert_one_line_error "$CT" exec --cwd "/proc/self/fd/$n" "$ID" pwd 7</
		assert_contains "$ERR" "/proc/self/fd/$n" "error names the cwd"
	done
	assert_status 1 "$CT" exec --cwd /proc/self/fd/7 "$ID" pwd 7</
	no_debris_after "$before"
}

# CVE-2019-5736: just before its execve (stopped there by the test
# variable), the joining process has the user and capabilities of the
# container's processes, yet nothing inside can open its /proc/PID/exe (our
# binary), its descriptors, root or cwd: it is non-dumpable. The container's
# own pid 1 can be opened (the control).
# child_of PID: a child process of PID (/proc/PID/task/PID/children needs
# CONFIG_PROC_CHILDREN: look at every PPid instead).
child_of() {
	local f k v
	for f in /proc/[0-9]*/status; do
		# bash builtins only: a fork per process is slow under TCG
		while read -r k v; do
			[ "$k" = PPid: ] || continue
			if [ "$v" = "$1" ]; then
				f=${f#/proc/}
				echo "${f%/status}"
				return 0
			fi
			break
		done 2>/dev/null <"$f" || true
	done
}

# not_reachable: the check below on the container $ID.
not_reachable() {
	local p c nspid out
	VCLAB_TEST_EXEC_STOP=1 "$CT" exec --detach --pid-file "$B/pid" "$ID" true &
	p=$!
	for _ in $(seq 100); do
		c=$(child_of "$p")
		[ -n "$c" ] && [ "$(status_field "$c" State | cut -c1)" = T ] && break
		sleep 0.05
	done
	[ -n "$c" ] || fail "no joining process under exec (pid $p)"
	assert_eq "$(readlink "/proc/$c/exe")" "$(readlink -f "$CT")" "the joining process is our binary"
	assert_eq "$(status_field "$c" State | cut -c1)" T "the joining process stopped itself"
	nspid=$(status_field "$c" NSpid | awk '{ print $2 }')
	[ -n "$nspid" ] || fail "the joining process is not in the container's pid namespace"
	# reach F: open it (never read: a pipe would wait), list it, read the link
	out=$("$CT" exec "$ID" sh -c "
		reach() { timeout 2 sh -c \": <\$1\" 2>/dev/null || ls \$1/ >/dev/null 2>&1 ||
			readlink \$1 >/dev/null 2>&1; }
		for f in exe cwd root fd/0 fd/1 fd/2 fd/3 fd/4 fd/5 /proc/$nspid/fd/*; do
			reach /proc/$nspid/\${f#/proc/$nspid/} && echo \"reached \$f\"
		done
		{ echo x >>/proc/$nspid/exe; } 2>/dev/null && echo 'wrote exe'
		reach /proc/1/exe && echo control; true")
	kill -CONT "$c"
	wait_exit "$p" 10
	assert_eq "$RC" 0 "exec after SIGCONT"
	assert_eq "$out" control "what a process inside reached of the joining process"
}

test_exec_not_reachable_while_joining() {
	require_container
	ex_start
	not_reachable
}

# The same in a user namespace, where the container's root holds
# CAP_SYS_PTRACE (of that namespace): only non-dumpable stops it there.
test_exec_not_reachable_in_user_namespace() {
	require_container
	local rootfs
	rootfs=$(rootfs_for_userns) || fail "no rootfs for a user namespace"
	ex_start ".root.path = \"$rootfs\" | .linux.namespaces += [{type: \"user\"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .process.capabilities |= with_entries(if .key == \"inheritable\" then . else .value += [\"CAP_SYS_PTRACE\"] end)"
	# shellcheck disable=SC2064
	trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B'; release_rootfs_for_userns '$rootfs'" EXIT
	assert_eq "$("$CT" exec "$ID" readlink /proc/self/ns/user)" "$(readlink "/proc/$PID/ns/user")" "user namespace"
	assert_eq "$("$CT" exec "$ID" id -u)" 0 "uid inside"
	"$CT" exec -d --pid-file "$B/pid" -u 1000 "$ID" sleep 30 >"$B/out" 2>&1 || fail "exec -d: $(cat "$B/out")"
	assert_eq "$(status_field "$(cat "$B/pid")" Uid | awk '{ print $1 }')" 101000 "uid 1000 inside, seen from the host"
	kill -KILL "$(cat "$B/pid")"
	assert_contains "$("$CT" exec "$ID" grep CapEff /proc/self/status)" 0000000020080420 "CAP_SYS_PTRACE inside"
	not_reachable
}

test_exec_trace() {
	require_container
	ex_start
	local out step
	out=$("$CT" exec --trace "$ID" true 2>&1)
	for step in exec_state exec_spec exec_ns exec_cgroups exec_clone exec_join exec_close_fds \
		caps_bounding user_caps " exec " started exited; do
		assert_contains "$out" "$step" "--trace step"
	done
}

# Each case: one line, exit 1; nothing left after all of them (one debris
# snapshot around them all: a snapshot of this host takes seconds).
test_exec_bad_input() {
	require_container
	ex_start
	local before
	before=$(debris_snapshot)
	assert_one_line_error "$CT" exec ex-none-$$ true
	assert_contains "$ERR" "ex-none-$$ does not exist" "unknown container"
	assert_one_line_error "$CT" exec "$ID"
	assert_contains "$ERR" "no command given" "no command"
	assert_one_line_error "$CT" exec
	assert_contains "$ERR" "no container id" "no id"
	assert_one_line_error "$CT" exec --bogus "$ID" true
	assert_contains "$ERR" "--bogus" "unknown option"
	assert_one_line_error "$CT" exec --user nobody "$ID" true
	assert_contains "$ERR" "--user \"nobody\"" "bad --user"
	assert_one_line_error "$CT" exec --cwd tmp "$ID" true
	assert_contains "$ERR" "not an absolute path" "relative --cwd"
	assert_one_line_error "$CT" exec --cwd /no/such/dir "$ID" true
	assert_contains "$ERR" "/no/such/dir" "missing --cwd"
	assert_one_line_error "$CT" exec --env NOEQUALS "$ID" true
	assert_contains "$ERR" "NOEQUALS" "bad --env"
	assert_one_line_error "$CT" exec --tty --console-socket "$B/sock" "$ID" true
	# (a terminal is "not supported yet" here; with console.c, no such socket)
	assert_contains "$ERR" "console-socket" "--tty with a socket that is not there"
	assert_one_line_error "$CT" exec --process "$B/none.json" "$ID"
	assert_contains "$ERR" "none.json" "missing --process file"
	echo '{"args": ["true"' >"$B/bad.json"
	assert_one_line_error "$CT" exec --process "$B/bad.json" "$ID"
	assert_contains "$ERR" "bad.json: line" "--process file not JSON"
	echo '{"cwd": "/"}' >"$B/noargs.json"
	assert_one_line_error "$CT" exec --process "$B/noargs.json" "$ID"
	assert_contains "$ERR" "process.args" "--process without args"
	echo '{"cwd": "/", "args": ["true"], "user": {"uid": -1}}' >"$B/baduid.json"
	assert_one_line_error "$CT" exec --process "$B/baduid.json" "$ID"
	assert_contains "$ERR" "process.user.uid" "--process with a bad uid"
	assert_one_line_error "$CT" exec --process "$B" "$ID"
	assert_contains "$ERR" "not a regular file" "--process DIR"
	assert_one_line_error "$CT" exec --process "$B/noargs.json" "$ID" true
	assert_contains "$ERR" "not both" "--process and a command"
	assert_one_line_error "$CT" exec --pid-file /no/such/dir/pid "$ID" true
	assert_contains "$ERR" "/no/such/dir/pid" "unwritable --pid-file"
	# every failure above: exit 1, and no pid file
	assert_status 1 "$CT" exec --pid-file "$B/pid" "$ID"
	[ ! -e "$B/pid" ] || fail "a failed exec wrote its --pid-file"
	# a stopped container
	"$CT" kill "$ID" KILL
	for _ in $(seq 50); do
		[ "$("$CT" state "$ID" | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	assert_one_line_error "$CT" exec "$ID" true
	assert_contains "$ERR" "is stopped" "stopped container"
	assert_status 1 "$CT" exec "$ID" true
	no_debris_after "$before"
}

run_tests "$@"
