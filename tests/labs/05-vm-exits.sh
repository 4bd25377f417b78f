#!/usr/bin/env bash
# Lab 5 (docs/labs/05-vm-exits.md): VM exits of the bare-metal guest, and
# what the in-kernel irqchip keeps from vmm (Linux: test host only).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
LAB=$VCLAB_ROOT/docs/labs/05-vm-exits.md

VMM=$BIN/vmm
GUEST=$BUILD/guest

need_vmm() {
	[ -c /dev/kvm ] || lab_skip "no /dev/kvm here"
	[ -x "$VMM" ] || fail "$VMM not built (make build/bin/vmm)"
	[ -f "$GUEST/baremetal.elf" ] || fail "$GUEST/baremetal.elf not built (make guest)"
}

# exits TRACE: N of "VM exits: N in all"
exits() { sed -nE 's/.*VM exits: ([0-9]+) in all.*/\1/p' "$1"; }

test_baremetal_exits() {
	need_vmm
	local d rc=0
	d=$(mktemp -d)
	# shellcheck disable=SC2064 # d is fixed now; removed however the test ends
	trap "rm -rf '$d'" EXIT
	# step 1, as written
	"$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline exit=3 --trace >"$d/out.txt" 2>"$d/trace.txt" || rc=$?
	lab_expect status "$rc"
	lab_expect marker "$(grep -m1 'exit #' "$d/trace.txt")"
	lab_expect exit_port "$(grep guest_exit "$d/trace.txt")"
	lab_expect exits_minus_bytes "$(($(exits "$d/trace.txt") - $(wc -c <"$d/out.txt")))"
	lab_expect port_reads "$(sed -nE 's/.*port I\/O: +[0-9]+ writes \(out\), ([0-9]+) reads.*/\1/p' "$d/trace.txt")"
	lab_expect no_irqchip "$(grep vm_created "$d/trace.txt")"
	rm -rf "$d"
}

test_computing_costs_no_exits() {
	need_vmm
	local work none
	work=$("$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "sha256=8 touch=8" --trace 2>&1 >/dev/null | grep 'VM exits')
	none=$("$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "sha256=0" --trace 2>&1 >/dev/null | grep 'VM exits')
	lab_expect exits_work_minus_none "$(($(exits <(echo "$work")) - $(exits <(echo "$none"))))"
}

test_linux_irqchip_hides_pic_and_pit() {
	need_vmm
	[ ! -d /sys/module/kvm_pvm ] || lab_skip "kvm-pvm boots no Linux: run in the test host (tests/testhost/run.sh -- bash tests/labs/05-vm-exits.sh)"
	local d rc=0 bm
	d=$(mktemp -d)
	# shellcheck disable=SC2064 # d is fixed now; removed however the test ends
	trap "rm -rf '$d'" EXIT
	"$VMM" run --kernel "$GUEST/bzImage" --initrd "$GUEST/initramfs.cpio.gz" \
		--cmdline "console=ttyS0 quiet reboot=k sha256=1 exit=3" --trace --timeout 300 >"$d/out.txt" 2>"$d/trace.txt" || rc=$?
	assert_eq "$rc" 3 "vmm exit status (trace: $(tail -c 600 "$d/trace.txt"))"
	lab_expect linux_irqchip "$(grep vm_created "$d/trace.txt")"
	lab_expect linux_no_pic_exits "$(cat "$d/trace.txt")"
	lab_expect linux_no_pit_exits "$(cat "$d/trace.txt")"
	bm=$("$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "sha256=1 exit=3" --trace 2>&1 >/dev/null | grep 'VM exits')
	lab_expect linux_exits_vs_baremetal "$(awk -v l="$(exits "$d/trace.txt")" -v b="$(exits <(echo "$bm"))" 'BEGIN { printf "%.2f", l / b }')"
	rm -rf "$d"
}

run_tests "$@"
