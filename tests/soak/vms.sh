#!/usr/bin/env bash
# Soak: SOAK_VMS (default 300) back-to-back bare-metal VMs (`vmm run
# --kernel build/guest/baremetal.elf --cmdline sha256=0`): zero failures,
# no vmm process or fd left, the median time of the last 100 within 25 % of
# the first 100's. Needs /dev/kvm (kvm-pvm will do: ~30 ms a VM).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
. "$VCLAB_ROOT/tests/soak/lib.sh"

test_back_to_back_vms() {
	[ -c /dev/kvm ] || skip "no /dev/kvm here"
	local n=${SOAK_VMS:-300} i t0 t1 fails=0 times out first last fds0
	local kernel=$BUILD/guest/baremetal.elf
	[ -f "$kernel" ] || fail "$kernel missing: make build"
	times=$(mktemp)
	fds0=$(fd_count)
	for ((i = 0; i < n; i++)); do
		t0=$(now_us)
		out=$("$BIN/vmm" run --kernel "$kernel" --cmdline sha256=0) || fails=$((fails + 1))
		t1=$(now_us)
		case $out in *"VCLAB-DONE status=0"*) ;; *) fails=$((fails + 1)) ;; esac
		echo $((t1 - t0)) >>"$times"
	done
	read -r first last <<<"$(first_last_medians "$times" 100)"
	echo "    VMs: $n runs, $fails failed; median of the first 100 $((first / 1000)).$(((first % 1000) / 100)) ms, of the last 100 $((last / 1000)).$(((last % 1000) / 100)) ms"
	rm -f "$times"
	assert_eq "$fails" 0 "failed VMs"
	assert_eq "$(leftovers "$kernel")" "" "vmm processes left"
	assert_eq "$(fd_count)" "$fds0" "open fds of this shell"
	within_pct "$first" "$last" 25 || fail "median drifted: first 100 $first us, last 100 $last us"
}

run_tests "$@"
