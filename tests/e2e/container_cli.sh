#!/usr/bin/env bash
# runc's command line, as engines use it (container/runtime.h): the global
# options (--root, --log, --log-format, --debug), create's --pid-file and
# --console-socket (process.terminal), kill --all, pause/resume, ps, list,
# features, --version; and their errors: one line, non-zero exit, nothing
# left. Runs as root, here (hybrid cgroups: the v1 freezer) and in the test
# host (pure cgroup v2: cgroup.freeze).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

# cli_bundle [ARGS-JSON]: a bundle in $B (process: ARGS, default a loop that
# writes a counter into the host directory $V, bind-mounted at /v), a state
# root $R of its own, an id $ID; all removed when the test ends.
cli_bundle() {
	B=$(mktemp -d) V=$(mktemp -d) R=$(mktemp -d) ID=cli-$$-$RANDOM
	# shellcheck disable=SC2064
	trap "'$CT' --root '$R' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B' '$V' '$R'" EXIT
	new_bundle "$B"
	# shellcheck disable=SC2016 # for the container's shell
	jq --arg v "$V" --argjson args "${1:-[\"/bin/sh\", \"-c\", \"i=0; while :; do i=\$((i+1)); echo \$i >/v/n; sleep 0.05; done\"]}" \
		'.mounts += [{destination: "/v", type: "bind", source: $v, options: ["rbind", "rw"]}]
		| .process.args = $args' "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
}

# create with --root $R, output in a file (the process outlives create)
cli_create() {
	local rc=0
	"$CT" --root "$R" create "$@" >"$B/create.log" 2>&1 </dev/null || rc=$?
	[ "$rc" = 0 ] || fail "container create $* exited $rc: $(cat "$B/create.log")"
}

cli_state() { # FIELD
	"$CT" --root "$R" state "$ID" | jq -r ".$1"
}

wait_counter() { # the loop writes /v/n: wait until it does
	for _ in $(seq 50); do [ -s "$V/n" ] && return 0; sleep 0.1; done
	fail "the container's loop never wrote $V/n"
}

test_version_and_features() {
	require_container
	assert_status 0 "$CT" --version
	assert_contains "$(echo "$OUT" | head -1)" "container version " "first line"
	assert_eq "$(echo "$OUT" | sed -n 2p)" "spec: 1.0.2-dev" "second line, as runc prints it"
	assert_status 0 "$CT" features
	assert_eq "$(echo "$OUT" | jq -r .ociVersionMin)" 1.0.0 "ociVersionMin"
	assert_contains "$(echo "$OUT" | jq -r '.linux.namespaces | join(",")')" "mount,network,pid" "namespaces"
	assert_contains "$(echo "$OUT" | jq -r '.linux.capabilities | join(",")')" "CAP_SYS_ADMIN" "capabilities"
	assert_eq "$(echo "$OUT" | jq -r '.linux.cgroup.v2')" true "cgroup v2"
}

# features' mountOptions is mounts.c's option table (one source): every
# quoted word between its BEGIN and END lines is listed, and nothing else.
test_features_mount_options_are_the_table() {
	require_container
	local table listed
	# the table is read from the source, which the test host does not carry
	[ -r "$VCLAB_ROOT/container/mounts.c" ] || skip "no sources here (the test host has none)"
	table=$(sed -n '/BEGIN mount option tables/,/END mount option tables/p' \
		"$VCLAB_ROOT/container/mounts.c" | grep -o '"[a-z]*"' | tr -d '"' | sort)
	[ "$(echo "$table" | wc -l)" -ge 50 ] || fail "read only $(echo "$table" | wc -l) words of the table"
	assert_status 0 "$CT" features
	listed=$(echo "$OUT" | jq -r '.mountOptions[]' | sort)
	assert_eq "$listed" "$table" "features .mountOptions against container/mounts.c's table"
	assert_contains "$listed" "tmpcopyup" "tmpcopyup"
	assert_contains "$listed" "rro" "rro"
}

test_root_pid_file_and_state() {
	require_container
	local before pid
	before=$(debris_snapshot)
	cli_bundle
	cli_create -b "$B" --pid-file "$B/ct.pid" "$ID"
	[ -e "$R/$ID/state.json" ] || fail "no state under --root $R"
	[ ! -e "/run/vclab/$ID" ] || fail "--root ignored: /run/vclab/$ID exists"
	pid=$(cat "$B/ct.pid")
	assert_eq "$pid" "$(cli_state pid)" "--pid-file holds the container's pid"
	assert_eq "$(find "$B" -maxdepth 1 -name '.ct.pid*' | wc -l)" 0 "temporary pid files left"
	# the id lives only under that root
	assert_one_line_error "$CT" state "$ID"
	assert_status 0 "$CT" --root "$R" start "$ID"
	wait_counter
	assert_eq "$(cli_state status)" running "status"
	assert_status 0 "$CT" --root "$R" delete --force "$ID"
	[ ! -e "$R/$ID" ] || fail "state left under --root after delete"
	no_debris_after "$before"
}

test_log_json_and_text() {
	require_container
	local R L
	R=$(mktemp -d) L=$R/log.json
	# shellcheck disable=SC2064
	trap "rm -rf '$R'" EXIT
	assert_one_line_error "$CT" --root "$R" --log "$L" --log-format json state no-such-ct
	assert_contains "$ERR" "container no-such-ct does not exist" "stderr"
	# what containerd does: the last line, parsed, its msg
	assert_eq "$(tail -n 1 "$L" | jq -r .level)" error "level"
	assert_contains "$(tail -n 1 "$L" | jq -r .msg)" "container no-such-ct does not exist" "msg"
	tail -n 1 "$L" | jq -r .time | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' ||
		fail "time is not RFC 3339: $(tail -n 1 "$L")"
	assert_one_line_error "$CT" --root "$R" --log "$L" kill no-such-ct
	assert_eq "$(wc -l <"$L")" 2 "one line per error, appended"
	assert_one_line_error "$CT" --root "$R" --log "$R/log.txt" state no-such-ct
	assert_contains "$(cat "$R/log.txt")" 'level=error msg="container no-such-ct does not exist' "text"
}

test_global_option_errors() {
	require_container
	local R
	R=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$R'" EXIT
	assert_one_line_error "$CT" --log-format xml state x
	assert_contains "$ERR" "--log-format 'xml': expected text or json" "bad format"
	assert_one_line_error "$CT" --root
	assert_contains "$ERR" "--root: expected a value" "missing value"
	assert_one_line_error "$CT" --no-such-global state x
	assert_contains "$ERR" "unknown global option '--no-such-global'" "unknown option"
	# a log that cannot be written is refused first, as runc does
	assert_one_line_error "$CT" --root "$R" --log /proc/no-such-dir/log create -b "$R" x
	assert_contains "$ERR" "--log /proc/no-such-dir/log: No such file or directory" "bad log"
	[ -z "$(ls -A "$R")" ] || fail "something made under --root: $(ls -A "$R")"
}

test_pid_file_error_leaves_nothing() {
	require_container
	local before
	before=$(debris_snapshot)
	cli_bundle
	expect_clean_failure "$CT" --root "$R" create -b "$B" --pid-file /proc/no-such-dir/pid "$ID"
	assert_contains "$ERR" "--pid-file /proc/no-such-dir/pid" "error names the file"
	[ ! -e "$R/$ID" ] || fail "state left after a failed create"
	no_debris_after "$before"
}

test_pause_resume() {
	require_container
	local n1 n2
	cli_bundle
	cli_create -b "$B" "$ID"
	assert_one_line_error "$CT" --root "$R" pause "$ID"
	assert_contains "$ERR" "is created, not running" "pause of a created container"
	assert_status 0 "$CT" --root "$R" start "$ID"
	wait_counter
	assert_status 0 "$CT" --root "$R" pause "$ID"
	assert_eq "$(cli_state status)" paused "status after pause"
	n1=$(cat "$V/n")
	sleep 0.5
	n2=$(cat "$V/n")
	assert_eq "$n2" "$n1" "the loop's counter while paused"
	assert_one_line_error "$CT" --root "$R" pause "$ID"
	assert_contains "$ERR" "is paused, not running" "second pause"
	assert_one_line_error "$CT" --root "$R" delete "$ID"
	assert_contains "$ERR" "is paused" "delete of a paused container"
	assert_status 0 "$CT" --root "$R" resume "$ID"
	assert_eq "$(cli_state status)" running "status after resume"
	sleep 0.5
	[ "$(cat "$V/n")" != "$n1" ] || fail "the counter did not move after resume"
	assert_one_line_error "$CT" --root "$R" resume "$ID"
	assert_contains "$ERR" "is running, not paused" "resume of a running container"
	# paused again, delete --force thaws and removes it all
	assert_status 0 "$CT" --root "$R" pause "$ID"
	assert_status 0 "$CT" --root "$R" delete --force "$ID"
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$ID" 2>/dev/null)" ] ||
		fail "cgroups left: $(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$ID")"
}

test_ps_and_kill_all() {
	require_container
	local pid pids child
	# pid 1 of a pid namespace ignores TERM (no handler); its child does not
	cli_bundle '["/bin/sh", "-c", "sleep 300 & echo started >/v/n; wait"]'
	cli_create -b "$B" "$ID"
	assert_status 0 "$CT" --root "$R" start "$ID"
	wait_counter
	pid=$(cli_state pid)
	assert_status 0 "$CT" --root "$R" ps --format json "$ID"
	assert_eq "$(echo "$OUT" | jq -r 'length')" 2 "two processes: $OUT"
	pids=$(echo "$OUT" | jq -r '.[]')
	printf '%s\n' "$pids" | grep -qx "$pid" || fail "ps --format json lacks pid $pid: $OUT"
	child=$(printf '%s\n' "$pids" | grep -vx "$pid")
	assert_status 0 "$CT" --root "$R" ps "$ID"
	assert_contains "$OUT" "PID CMD" "table header"
	assert_contains "$OUT" "$child sleep" "table lists the sleep"
	# kill without --all: only pid 1, which ignores TERM
	assert_status 0 "$CT" --root "$R" kill "$ID" TERM
	sleep 0.3
	kill -0 "$child" || fail "kill (without --all) reached another process"
	assert_status 0 "$CT" --root "$R" kill --all "$ID" TERM
	for _ in $(seq 50); do
		[ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" = "" ] && break
		[ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	kill -0 "$child" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$child/stat")" != Z ] &&
		fail "kill --all did not reach pid $child"
	assert_one_line_error "$CT" --root "$R" ps --format yaml "$ID"
	assert_contains "$ERR" "ps: expected [--format table|json] ID" "bad ps format"
	assert_one_line_error "$CT" --root "$R" kill --every "$ID"
	assert_contains "$ERR" "kill: expected [--all] ID [SIGNAL]" "bad kill option"
}

# A receiver for --console-socket: accepts one connection, takes the pty
# master (SCM_RIGHTS) and copies what the container writes to $1.
console_receiver() { # SOCKET OUTFILE
	python3 - "$1" "$2" <<'EOF' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_SPACE(fds.itemsize))
for level, typ, data in anc:
    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
with open(sys.argv[2], "wb") as out:
    out.write(b"name=" + msg + b"\n"); out.flush()
    while True:
        try:
            b = os.read(fds[0], 4096)
        except OSError:
            break
        if not b:
            break
        out.write(b); out.flush()
EOF
	RECV=$!
	for _ in $(seq 50); do [ -e "$1.ready" ] && return 0; sleep 0.1; done
	fail "the console receiver did not start"
}

# list (runc's): every container of the state root with its status, a
# created one and a running `container run` alike; -q and --format json.
test_list() {
	require_container
	local rp end
	cli_bundle
	assert_status 0 "$CT" --root "$R" list
	assert_eq "$OUT" "$(printf '%-28s %-8s %-8s %s' ID PID STATUS BUNDLE)" "the list of an empty root"
	cli_create --bundle "$B" "$ID"
	"$CT" --root "$R" run --id "$ID-r" "$ROOTFS" -- /bin/sleep 3604 >"$B/run.log" 2>&1 &
	rp=$!
	end=$((SECONDS + 60))
	until [ -s "$R/$ID-r/state.json" ]; do
		[ "$SECONDS" -lt "$end" ] || fail "the run wrote no state.json within 60 s"
		sleep 0.05
	done
	assert_status 0 "$CT" --root "$R" list -q
	assert_eq "$OUT" "$(printf '%s\n%s' "$ID" "$ID-r")" "list -q: the ids, sorted"
	assert_status 0 "$CT" --root "$R" list
	assert_eq "$(echo "$OUT" | awk -v id="$ID" '$1 == id { print $2 == "'"$(cli_state pid)"'", $3, $4 }')" \
		"1 created $(cd "$B" && pwd -P)" "the created container's line"
	assert_eq "$(echo "$OUT" | awk -v id="$ID-r" '$1 == id { print $3, $4 }')" "running -" \
		"the run's line (no bundle)"
	assert_status 0 "$CT" --root "$R" list --format json
	assert_eq "$(echo "$OUT" | jq -r '[.[] | .id + ":" + .status] | join(",")')" \
		"$ID:created,$ID-r:running" "list --format json"
	assert_eq "$(echo "$OUT" | jq -r '.[1] | has("vclabRunPid")')" false "our own keys left out"
	"$CT" --root "$R" kill "$ID-r" KILL
	wait_exit "$rp" 60
	assert_status 0 "$CT" --root "$R" delete --force "$ID"
	assert_status 0 "$CT" --root "$R" list -q
	assert_eq "$OUT" "" "list -q once both are gone"
	expect_clean_failure "$CT" --root "$R" list "$ID"
	assert_contains "$ERR" "list: expected" "an id given to list"
	expect_clean_failure "$CT" --root "$R" list --format xml
}

test_terminal_console_socket() {
	require_container
	command -v python3 >/dev/null || skip "python3 (the console receiver) not installed"
	cli_bundle '["/bin/sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty; ls -l /proc/self/fd/1"]'
	edit_bundle "$B" '.process.terminal = true'
	console_receiver "$B/console.sock" "$B/console.out"
	cli_create -b "$B" --console-socket "$B/console.sock" "$ID"
	assert_status 0 "$CT" --root "$R" start "$ID"
	wait_exit "$RECV" 10
	assert_contains "$(cat "$B/console.out")" "name=/dev/pts/" "pty name sent with the fd"
	assert_contains "$(cat "$B/console.out")" "stdin-is-a-tty" "stdin is the pty"
	assert_eq "$(sed -n 2p "$B/console.out" | tr -d '\r')" /dev/pts/0 "tty inside"
}

test_terminal_errors_leave_nothing() {
	require_container
	local before
	before=$(debris_snapshot)
	cli_bundle
	edit_bundle "$B" '.process.terminal = true'
	assert_one_line_error "$CT" --root "$R" create -b "$B" "$ID"
	assert_contains "$ERR" "process.terminal is true: give --console-socket" "no socket"
	assert_one_line_error "$CT" --root "$R" create -b "$B" --console-socket "$B/no-such.sock" "$ID"
	assert_contains "$ERR" "--console-socket $B/no-such.sock: connect" "socket missing"
	[ ! -e "$R/$ID" ] || fail "state left after a failed create"
	assert_one_line_error "$CT" run --console-socket "$B/x.sock" "$ROOTFS" -- true
	assert_contains "$ERR" "--console-socket: only with a bundle" "quick form"
	no_debris_after "$before"
}

run_tests "$@"
