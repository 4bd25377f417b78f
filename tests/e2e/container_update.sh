#!/usr/bin/env bash
# `container update`: new limits for a running container, read back from
# its cgroup files (v1 here, v2 in the test host): the options, an OCI
# linux.resources object from a file and from stdin (what containerd's
# shim sends for `docker update`), the options over the object, v1's
# memory/memsw order both ways; each refusal one line, non-zero, the
# limits left as they were. (Docker and podman drive it in engines.sh.)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

# up_bundle: a running container ID (bundle B) whose process sleeps, with
# a memory limit of 256 MiB and 50 pids.
up_bundle() {
	require_container
	command -v jq >/dev/null || skip "needs jq"
	B=$(mktemp -d /tmp/vclab-update.XXXXXX) ID=upd-$$-$RANDOM
	# shellcheck disable=SC2064
	trap "'$CT' delete --force '$ID' >/dev/null 2>&1 || true; rm -rf '$B'" EXIT
	new_bundle "$B"
	edit_bundle "$B" '.process.args = ["/bin/sh", "-c", "while :; do sleep 1; done"]
		| .linux.resources = {memory: {limit: 268435456}, pids: {limit: 50}}'
	"$CT" create --bundle "$B" "$ID" >"$B/create.log" 2>&1 </dev/null ||
		fail "create failed: $(cat "$B/create.log")"
	"$CT" start "$ID" || fail "start failed"
}

# (from /proc/self/mounts: busybox stat in the test host has no -f %T)
cg_v2() { grep -q ' /sys/fs/cgroup cgroup2 ' /proc/self/mounts; }

# limit NAME: the container's current value of memory, memsw, pids,
# quota or shares, read from its cgroup files
limit() {
	local v1=/sys/fs/cgroup v2=/sys/fs/cgroup/vclab/$ID
	if cg_v2; then
		case $1 in
		memory) cat "$v2/memory.max" ;;
		swap) cat "$v2/memory.swap.max" ;;
		pids) cat "$v2/pids.max" ;;
		quota) cut -d' ' -f1 "$v2/cpu.max" ;;
		shares) cat "$v2/cpu.weight" ;;
		esac
	else
		case $1 in
		memory) cat "$v1/memory/vclab/$ID/memory.limit_in_bytes" ;;
		swap) cat "$v1/memory/vclab/$ID/memory.memsw.limit_in_bytes" ;;
		pids) cat "$v1/pids/vclab/$ID/pids.max" ;;
		quota) cat "$v1/cpu/vclab/$ID/cpu.cfs_quota_us" ;;
		shares) cat "$v1/cpu/vclab/$ID/cpu.shares" ;;
		esac
	fi
}

test_update_options_reach_the_cgroup() {
	up_bundle
	assert_eq "$(limit memory)" 268435456 "memory before"
	assert_status 0 "$CT" update --memory 64M --pids-limit 20 --cpu-quota 50000 --cpu-period 100000 "$ID"
	assert_eq "$OUT" "" "update prints nothing"
	assert_eq "$(limit memory)" 67108864 "memory after --memory 64M"
	assert_eq "$(limit pids)" 20 "pids after --pids-limit 20"
	assert_eq "$(limit quota)" 50000 "cpu quota after --cpu-quota"
	assert_eq "$("$CT" state "$ID" | jq -r .status)" running "status after update"
}

test_update_resources_from_a_file_and_stdin() {
	up_bundle
	echo '{"memory": {"limit": 134217728}, "pids": {"limit": 33}}' >"$B/res.json"
	assert_status 0 "$CT" update --resources "$B/res.json" "$ID"
	assert_eq "$(limit memory)" 134217728 "memory from the file"
	assert_eq "$(limit pids)" 33 "pids from the file"
	# the shim's form: the object on stdin; an option wins over its field
	echo '{"memory": {"limit": 100663296}, "pids": {"limit": 40}, "cpu": {"shares": 512}}' |
		"$CT" update --resources - --pids-limit 44 "$ID" || fail "update --resources - failed"
	assert_eq "$(limit memory)" 100663296 "memory from stdin"
	assert_eq "$(limit pids)" 44 "--pids-limit over the object's"
	if cg_v2; then
		assert_ne "$(limit shares)" 100 "cpu.weight from shares 512"
	else
		assert_eq "$(limit shares)" 512 "cpu.shares from stdin"
	fi
}

test_update_v1_memory_above_and_below_memsw() {
	cg_v2 && skip "memory+swap is one v1 file (v2 limits swap alone)"
	up_bundle
	assert_status 0 "$CT" update --memory 256M --memory-swap 512M "$ID"
	assert_eq "$(limit swap)" 536870912 "memsw set"
	# raising the limit above today's memsw needs memsw raised first
	assert_status 0 "$CT" update --memory 768M --memory-swap 1G "$ID"
	assert_eq "$(limit memory)" 805306368 "memory raised above the old memsw"
	assert_eq "$(limit swap)" 1073741824 "memsw raised"
	# and lowering memsw below today's limit needs the limit lowered first
	assert_status 0 "$CT" update --memory 32M --memory-swap 48M "$ID"
	assert_eq "$(limit memory)" 33554432 "memory lowered"
	assert_eq "$(limit swap)" 50331648 "memsw lowered below the old limit"
}

# A cpuset limit for a container created without one: on v1 its cpuset
# directory is made then and its processes move in; on v2 the controller
# is enabled in the parents. The process is pinned, delete removes it all.
test_update_cpuset_of_a_container_created_without_one() {
	up_bundle
	local pid dir before
	before=$(debris_snapshot)
	pid=$("$CT" state "$ID" | jq -r .pid)
	if cg_v2; then dir=/sys/fs/cgroup/vclab/$ID; else dir=/sys/fs/cgroup/cpuset/vclab/$ID; fi
	[ ! -e "$dir/cpuset.cpus" ] || fail "$dir/cpuset.cpus exists before the update"
	assert_status 0 "$CT" update --cpuset-cpus 0 "$ID"
	assert_eq "$(cat "$dir/cpuset.cpus")" 0 "the container's cpuset.cpus"
	assert_eq "$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$pid/status")" 0 "the process's CPUs"
	# again, now that it exists: nothing is made twice
	assert_status 0 "$CT" update --cpuset-cpus 0 "$ID"
	assert_status 0 "$CT" delete --force "$ID"
	[ ! -e "$dir/cpuset.cpus" ] || fail "$dir left after delete"
	no_debris_after "$before"
}

test_update_warns_about_fields_it_does_not_apply() {
	up_bundle
	echo '{"memory": {"limit": 134217728}, "hugepageLimits": [], "rdma": {}}' >"$B/res.json"
	assert_status 0 "$CT" update -r "$B/res.json" "$ID"
	assert_contains "$OUT" "warning: ignoring 2 unknown or unsupported fields of --resources $B/res.json: " "warning"
	assert_eq "$(limit memory)" 134217728 "the known field applied"
}

test_update_bad_input_is_one_line_and_changes_nothing() {
	up_bundle
	local mem pids
	mem=$(limit memory) pids=$(limit pids)
	{ [ -n "$mem" ] && [ -n "$pids" ]; } || fail "no limits to compare: memory '$mem', pids '$pids'"
	echo '{"memory": {"limit": "lots"}}' >"$B/bad.json"
	echo '{"memory": ' >"$B/cut.json"
	expect_clean_failure "$CT" update --memory lots "$ID"
	assert_contains "$ERR" "--memory 'lots': not a size" "bad size"
	expect_clean_failure "$CT" update --pids-limit many "$ID"
	assert_contains "$ERR" "--pids-limit many: not a number" "bad count"
	expect_clean_failure "$CT" update --cpuset-cpus 'a;b' "$ID"
	assert_contains "$ERR" "--cpuset-cpus a;b: not a list" "bad cpu list"
	expect_clean_failure "$CT" update --resources "$B/bad.json" "$ID"
	assert_contains "$ERR" "--resources $B/bad.json: linux.resources.memory.limit" "bad field"
	expect_clean_failure "$CT" update --resources "$B/cut.json" "$ID"
	assert_contains "$ERR" "--resources $B/cut.json: line" "cut JSON"
	expect_clean_failure "$CT" update --resources "$B/none.json" "$ID"
	assert_contains "$ERR" "No such file" "missing file"
	expect_clean_failure "$CT" update --frobnicate 1 "$ID"
	assert_contains "$ERR" "unknown or incomplete option '--frobnicate'" "unknown option"
	expect_clean_failure "$CT" update --memory 64M
	assert_contains "$ERR" "expected one container ID" "no ID"
	expect_clean_failure "$CT" update --memory 64M "no-such-$ID"
	assert_contains "$ERR" "does not exist" "unknown container"
	assert_eq "$(limit memory)" "$mem" "memory after the refusals"
	assert_eq "$(limit pids)" "$pids" "pids after the refusals"
	# a stopped container has no limits to change
	"$CT" kill "$ID" KILL || fail "kill failed"
	for _ in $(seq 100); do
		[ "$("$CT" state "$ID" | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	expect_clean_failure "$CT" update --memory 64M "$ID"
	assert_contains "$ERR" "is stopped: update needs a created, running or paused container" "stopped"
}

test_update_help() {
	require_container
	assert_status 0 "$CT" update --help
	assert_contains "$OUT" "--resources FILE" "help names --resources"
	assert_contains "$OUT" "--pids-limit" "help names --pids-limit"
	assert_status 0 "$CT" --help
	assert_contains "$OUT" "update" "the runtime's help lists update"
}

run_tests "$@"
