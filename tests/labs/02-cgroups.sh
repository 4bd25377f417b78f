#!/usr/bin/env bash
# Lab 2 (docs/labs/02-cgroups.md): runs the lab's commands as written,
# from the top of the repository, and checks every observation the lab
# states against its **Expect** lines. Step 1 has a v1 and a v2 form: the
# other layout's test is skipped (in the test host, pure v2, the v1 one).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
# shellcheck source=tests/container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
LAB=$VCLAB_ROOT/docs/labs/02-cgroups.md

lab_setup() {
	require_container
	cd "$VCLAB_ROOT" || fail "cd $VCLAB_ROOT"
	W=$(mktemp -d /tmp/lab2.XXXXXX)
	# shellcheck disable=SC2064 # W is fixed now
	trap "rm -rf '$W'" EXIT
}

# step 1's command: the container's /proc/self/cgroup in $W/out, the trace
# in $W/trace
where_the_limits_go() {
	build/bin/container run --trace --memory 64M --pids 32 build/rootfs/test -- cat /proc/self/cgroup >"$W/out" 2>"$W/trace" ||
		fail "container run failed: $(tail -n 3 "$W/trace")"
}

test_1_where_the_limits_go_v1() {
	pure_v2 && lab_skip "this host has cgroup v2 alone: the v2 form is checked"
	lab_setup
	where_the_limits_go
	lab_expect backend-v1 "$(cat "$W/trace")"
	lab_expect limit-v1 "$(cat "$W/trace")"
	lab_expect self-v1 "$(cat "$W/out")"
}

test_1_where_the_limits_go_v2() {
	pure_v2 || lab_skip "this host has v1 controllers: the v1 form is checked"
	lab_setup
	where_the_limits_go
	lab_expect backend-v2 "$(cat "$W/trace")"
	lab_expect limit-v2 "$(cat "$W/trace")"
	lab_expect self-v2 "$(cat "$W/out")"
}

test_1_limit_inside() {
	lab_setup
	lab_expect limit-inside "$(build/bin/container run --memory 64M build/rootfs/test -- /bin/sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes')"
}

test_2_oom_killer() {
	lab_setup
	local out
	# shellcheck disable=SC2016 # expanded by the container's shell
	out=$(build/bin/container run --memory 32M build/rootfs/test -- /bin/sh -c '/probe hog 64; echo "hog exit $?"; cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control' 2>"$W/err") ||
		fail "container run failed: $(cat "$W/err")"
	lab_expect hog-exit "$out"
	lab_expect oom-kill "$out"
	lab_expect oom-report "$(cat "$W/err")"
}

test_3_cpu_quota() {
	lab_setup
	local out
	out=$(build/bin/container run --cpus 0.5 build/rootfs/test -- /bin/sh -c 'time -p /probe spin 2 2>&1') ||
		fail "container run failed: $out"
	lab_expect periods "$(awk '$1 == "nr_periods" { print $2 }' <<<"$out")"
	lab_expect cpu-share "$(awk '$1 == "real" { r = $2 } $1 == "user" || $1 == "sys" { c += $2 }
		END { if (r > 0) printf "%.2f\n", c / r }' <<<"$out")"
	out=$(build/bin/container run build/rootfs/test -- /bin/sh -c 'time -p /probe spin 2 2>&1') ||
		fail "container run failed: $out"
	lab_expect periods-free "$(awk '$1 == "nr_periods" { print $2 }' <<<"$out")"
}

test_4_fork_bomb() {
	lab_setup
	local out
	out=$(build/bin/container run --pids 16 build/rootfs/test -- /probe forkbomb 100) || fail "container run failed: $out"
	lab_expect forked "$out"
	lab_expect fork-error "$out"
}

test_5_update_a_running_container() {
	lab_setup
	local rp end
	# its own mark, in the lab's directory: removed with the test
	# shellcheck disable=SC2064 # fixed now
	trap "build/bin/container kill lab2 KILL >/dev/null 2>&1 || true; rm -rf '$W' /tmp/lab2-update" EXIT
	mkdir -p /tmp/lab2-update
	# shellcheck disable=SC2016 # expanded by the container's shell
	build/bin/container run --id lab2 --pids 32 --volume /tmp/lab2-update:/x build/rootfs/test -- /bin/sh -c 'until [ -e /x/go ]; do sleep 0.1; done; cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max' >"$W/out" 2>"$W/err" &
	rp=$!
	# the list shows it once its process runs
	end=$((SECONDS + 60))
	until build/bin/container list | grep -q '^lab2 .* running '; do
		[ "$SECONDS" -lt "$end" ] || fail "lab2 never listed as running: $(cat "$W/err")"
		sleep 0.1
	done
	lab_expect listed "$(build/bin/container list | grep '^lab2 ')"
	build/bin/container update --pids 8 lab2 || fail "container update failed"
	touch /tmp/lab2-update/go
	wait "$rp" || fail "the container failed: $(cat "$W/err")"
	rm -r /tmp/lab2-update
	lab_expect new-limit "$(cat "$W/out")"
}

run_tests "$@"
