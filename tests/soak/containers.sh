#!/usr/bin/env bash
# Soak: SOAK_CONTAINERS (default 1,000) back-to-back default containers
# (`container run ROOTFS -- /bin/true`): zero failures, nothing left behind
# (cgroups, /run/vclab, mounts, processes, fds), and the median time of the
# last 100 within 25 % of the first 100's.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
. "$VCLAB_ROOT/tests/container/lib.sh"
. "$VCLAB_ROOT/tests/soak/lib.sh"

test_back_to_back_containers() {
	require_container
	local n=${SOAK_CONTAINERS:-1000} i t0 t1 fails=0 times meds first last fds0 id
	local tag="soak-$$"
	times=$(mktemp)
	fds0=$(fd_count)
	local mounts0
	mounts0=$(wc -l </proc/self/mountinfo)
	for ((i = 0; i < n; i++)); do
		id=$tag-$((i % 7))
		t0=$(now_us)
		"$CT" run --id "$id" "$ROOTFS" -- /bin/true || fails=$((fails + 1))
		t1=$(now_us)
		echo $((t1 - t0)) >>"$times"
	done
	meds=$(first_last_medians "$times" 100)
	read -r first last <<<"$meds"
	echo "    containers: $n runs, $fails failed; median of the first 100 $((first / 1000)).$(((first % 1000) / 100)) ms, of the last 100 $((last / 1000)).$(((last % 1000) / 100)) ms"
	rm -f "$times"
	assert_eq "$fails" 0 "failed runs"
	assert_eq "$(leftovers "$tag")" "" "leftovers"
	assert_eq "$(wc -l </proc/self/mountinfo)" "$mounts0" "mount count"
	assert_eq "$(fd_count)" "$fds0" "open fds of this shell"
	within_pct "$first" "$last" 25 || fail "median drifted: first 100 $first us, last 100 $last us"
}

run_tests "$@"
