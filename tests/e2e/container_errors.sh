#!/usr/bin/env bash
# build/bin/container on bad input: one line on stderr, a non-zero exit, and
# nothing left behind (cgroup directories, mounts, network or pid
# namespaces, processes), checked before and after each case.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

# A bundle in a temporary directory, removed when the test ends.
bundle() {
	B=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$B'" EXIT
	new_bundle "$B"
	edit_bundle "$B" '.process.args = ["/bin/true"]'
}

test_missing_rootfs() {
	require_container
	expect_clean_failure "$CT" run /no/such/rootfs -- /bin/true
	assert_contains "$ERR" "rootfs /no/such/rootfs: No such file or directory" "error"
	bundle
	edit_bundle "$B" '.root.path = "/no/such/rootfs"'
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "root.path /no/such/rootfs: No such file or directory" "error"
}

test_rootfs_is_a_file() {
	require_container
	local f
	f=$(mktemp)
	expect_clean_failure "$CT" run "$f" -- /bin/true
	assert_contains "$ERR" "not a directory" "error"
	rm -f "$f"
}

test_malformed_json() {
	require_container
	bundle
	printf '{"ociVersion": "1.0.2", "process": {"args": ["a",]}}' >"$B/config.json"
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "config.json: line 1 column" "error names the place"
}

test_truncated_json() {
	require_container
	bundle
	head -c 300 "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "premature end of input" "error"
}

test_wrong_type_names_json_path() {
	require_container
	bundle
	edit_bundle "$B" '.process.args = ["/bin/echo", "a", 3]'
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "process.args[2]: expected string" "error"
}

test_huge_config() {
	require_container
	bundle
	truncate -s 100M "$B/config.json"
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "104857600 bytes, more than the 4 MiB" "error"
}

# A FIFO as config.json: refused at once, not waited on for a writer.
test_config_fifo_is_refused_at_once() {
	require_container
	local rc=0
	bundle
	rm "$B/config.json" && mkfifo "$B/config.json"
	ERR=$(timeout -k 2 10 "$CT" run --bundle "$B" 2>&1) || rc=$?
	case $rc in 124 | 137) fail "container run hung on a FIFO config.json" ;; esac
	assert_eq "$rc" 125 "exit status"
	assert_contains "$ERR" "$B/config.json: not a regular file" "error"
	assert_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "error lines"
}

test_unknown_namespace_type() {
	require_container
	bundle
	edit_bundle "$B" '.linux.namespaces += [{"type": "wormhole"}]'
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "unknown namespace type \"wormhole\"" "error"
}

test_bad_quick_options() {
	require_container
	expect_clean_failure "$CT" run --memory abc "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--memory 'abc': not a size" "error"
	expect_clean_failure "$CT" run --cpus -1 "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--cpus '-1'" "error"
	expect_clean_failure "$CT" run --bogus "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "unknown or incomplete option '--bogus'" "error"
	expect_clean_failure "$CT" run "$ROOTFS"
	assert_contains "$ERR" "no command given" "error"
}

test_cgroup_write_rejected_by_kernel() {
	require_container
	# the kernel refuses a cfs quota under 1 ms (cpu.cfs_quota_us / cpu.max)
	bundle
	edit_bundle "$B" '.linux.resources.cpu = {quota: 500, period: 100000}'
	expect_clean_failure "$CT" run --bundle "$B" rejected-$$
	assert_contains "$ERR" "500" "error names the value"
	assert_contains "$ERR" "Invalid argument" "error gives the kernel's reason"
}

test_failure_inside_the_child_cleans_up() {
	require_container
	# the child fails after clone, mounting: its namespaces and cgroup must go
	bundle
	edit_bundle "$B" '.mounts += [{destination: "/mnt", type: "nosuchfs", source: "x"}]'
	expect_clean_failure "$CT" run --bundle "$B" childfail-$$
	assert_contains "$ERR" "nosuchfs" "error names the mount"
	assert_contains "$ERR" "No such device" "error gives the kernel's reason"
}

test_sysctl_rejected_by_kernel() {
	require_container
	# accepted by the parser, refused by the kernel inside the child
	bundle
	edit_bundle "$B" '.linux.sysctl = {"net.ipv4.ip_forward": "banana"}'
	expect_clean_failure "$CT" run --bundle "$B" sysctl-$$
	assert_contains "$ERR" "linux.sysctl.net.ipv4.ip_forward: writing \"banana\": Invalid argument" "error"
	edit_bundle "$B" '.linux.sysctl = {"vm.swappiness": "0"}'
	expect_clean_failure "$CT" run --bundle "$B" sysctl-$$
	assert_contains "$ERR" "not a namespaced sysctl" "error"
}

test_command_not_found() {
	require_container
	local before rc=0
	before=$(debris_snapshot)
	ERR=$("$CT" run "$ROOTFS" -- /no/such/cmd 2>&1) || rc=$?
	assert_eq "$rc" 127 "exit status"
	assert_contains "$ERR" "cannot execute /no/such/cmd: No such file or directory" "error"
	assert_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "error lines"
	no_debris_after "$before"
	rc=0
	ERR=$("$CT" run "$ROOTFS" -- nosuchcmd 2>&1) || rc=$?
	assert_eq "$rc" 127 "exit status of a name not in PATH"
	assert_contains "$ERR" "nosuchcmd not found in the container's PATH" "error"
}

test_unknown_fields_one_warning() {
	require_container
	bundle
	edit_bundle "$B" '.foo = 1 | .linux.bar = {} | .process.baz = true'
	assert_status 0 "$CT" run --bundle "$B"
	assert_eq "$(printf '%s\n' "$OUT" | grep -c warning)" 1 "warning lines"
	assert_contains "$OUT" "ignoring 3 unknown or unsupported fields of config.json: " "warning"
	assert_contains "$OUT" "foo" "warning names foo"
	assert_contains "$OUT" "linux.bar" "warning names linux.bar"
	assert_contains "$OUT" "process.baz" "warning names process.baz"
}

# Issue 14, each a wrong status or an unclear message:

# Found by fuzz_oci_config: jansson quotes the text near a JSON error, and
# that text may hold a newline: the error was two lines.
test_json_error_quoting_a_newline_is_one_line() {
	require_container
	bundle
	printf '{"ociVersion": "1.0.2", "hostname": "a\\\n' >"$B/config.json"
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" 'config.json: line' "error names the place"
}

test_bad_timings_format_fails() {
	require_container
	local d
	d=$(mktemp -d)
	expect_clean_failure "$CT" run --timings "$d/t.json" --timings-format svg "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--timings-format 'svg': expected json or chrome" "error"
	expect_clean_failure "$CT" run --timings-format chrome "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--timings-format: only with --timings FILE" "error"
	[ -z "$(ls -A "$d")" ] || fail "a timings file was left: $(ls "$d")"
	rm -rf "$d"
}

test_timings_in_missing_directory_fails() {
	require_container
	expect_clean_failure "$CT" run --timings /nonexistent/d/t.json "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--timings /nonexistent/d/t.json: directory /nonexistent/d/: No such file or directory" "error"
	[ ! -e /nonexistent ] || fail "/nonexistent created"
}

test_volume_onto_the_root_is_refused() {
	require_container
	expect_clean_failure "$CT" run --volume /:/ "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--volume '/:/': DST is the container's root" "error"
	expect_clean_failure "$CT" run --volume /tmp://:ro "$ROOTFS" -- /bin/true
}

test_missing_workdir_is_a_setup_error() {
	require_container
	local before rc=0
	before=$(debris_snapshot)
	ERR=$("$CT" run --workdir /nonexistent "$ROOTFS" -- /bin/true 2>&1) || rc=$?
	assert_eq "$rc" 125 "exit status (127 means CMD not found)"
	assert_eq "$ERR" "container: process.cwd (--workdir) /nonexistent: No such file or directory" "error"
	no_debris_after "$before"
}

test_empty_command_is_refused() {
	require_container
	local rc=0
	ERR=$("$CT" run "$ROOTFS" -- "" 2>&1) || rc=$?
	assert_eq "$rc" 125 "exit status"
	assert_eq "$ERR" "container: process.args[0]: empty: no program to run" "error"
	bundle
	edit_bundle "$B" '.process.args = [""]'
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "process.args[0]: empty" "error of a bundle"
}

test_path_longer_than_path_max_keeps_the_reason() {
	require_container
	local long
	long=$(head -c 6000 /dev/zero | tr '\0' a)
	expect_clean_failure "$CT" run --volume "/$long:rel" "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "DST must be an absolute path" "the reason after a long path"
	assert_contains "$ERR" "[...]" "the path is cut"
	bundle
	edit_bundle "$B" ".root.path = \"/tmp/$long\""
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "File name too long" "the reason after a long root.path"
}

test_hostname_with_control_characters_is_refused() {
	require_container
	expect_clean_failure "$CT" run --hostname $'x\ny' "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "--hostname: control character 0x0a at byte 1" "error"
	expect_clean_failure "$CT" run --hostname "$(head -c 65 /dev/zero | tr '\0' h)" "$ROOTFS" -- /bin/true
	assert_contains "$ERR" "65 bytes; a hostname has 1 to 64" "error"
	bundle
	edit_bundle "$B" '.hostname = "a\tb"'
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "hostname: control character 0x09 at byte 1" "error of a bundle"
}

test_rootfs_resolving_to_the_host_root_is_named() {
	require_container
	local d
	d=$(mktemp -d)
	ln -s / "$d/root"
	expect_clean_failure "$CT" run "$d/root" -- /bin/true
	assert_contains "$ERR" "rootfs $d/root resolves to the host's root directory /" "error"
	bundle
	edit_bundle "$B" ".root.path = \"$d/root\""
	expect_clean_failure "$CT" run --bundle "$B"
	assert_contains "$ERR" "resolves to the host's root directory /" "error of a bundle"
	rm -rf "$d"
}

run_tests "$@"
