#!/usr/bin/env bash
# Lab 6 (docs/labs/06-booting-linux.md): the minimal kernel against
# Debian's: phases (--timings-format chrome), exits by device, quiet or
# not, size against config. The boots need a KVM that runs Linux: in the
# test host (tests/testhost/run.sh -- bash tests/labs/06-booting-linux.sh,
# minutes: Debian's kernel boots nested under TCG); skipped on kvm-pvm.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
LAB=$VCLAB_ROOT/docs/labs/06-booting-linux.md

VMM=$BIN/vmm
GUEST=$BUILD/guest
MINIMAL=(--kernel "$GUEST/bzImage" --initrd "$GUEST/initramfs.cpio.gz")

# Debian's kernel: the test host's, or this host's newest.
debian_kernel() {
	local k=${VCLAB_STOCK_KERNEL:-}
	[ -n "$k" ] || k=$(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort | tail -n 1)
	{ [ -n "$k" ] && [ -f "$k" ]; } || lab_skip "no Debian kernel (/boot/vmlinuz-*) here"
	echo "$k"
}

need_linux_kvm() {
	[ -c /dev/kvm ] || lab_skip "no /dev/kvm here"
	[ ! -d /sys/module/kvm_pvm ] || lab_skip "kvm-pvm boots no Linux: run in the test host (tests/testhost/run.sh -- bash tests/labs/06-booting-linux.sh)"
	[ -x "$VMM" ] || fail "$VMM not built (make build/bin/vmm)"
	[ -f "$GUEST/bzImage" ] || fail "$GUEST/bzImage not built (make guest)"
}

exits() { sed -nE 's/.*VM exits: ([0-9]+) in all.*/\1/p' "$1"; }
touched() { sed -nE 's/.*guest RAM touched ([0-9]+) KiB.*/\1/p' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# first_byte TRACE: "before" or "after": the first serial byte against the boot marker
first_byte() {
	local s m
	s=$(grep -n first_serial_byte "$1" | cut -d: -f1)
	m=$(grep -n guest_boot_marker "$1" | cut -d: -f1)
	{ [ -n "$s" ] && [ -n "$m" ]; } || fail "no first_serial_byte or guest_boot_marker in $1"
	if [ "$s" -lt "$m" ]; then echo before; else echo after; fi
}

test_size_against_config() {
	local k
	k=$(debian_kernel) || exit $?
	[ -f "$GUEST/bzImage.config" ] || fail "$GUEST/bzImage.config missing (make guest)"
	lab_expect minimal_options "$(grep -c '=y' "$GUEST/bzImage.config")"
	lab_expect size_ratio "$(ratio "$(wc -c <"$k")" "$(wc -c <"$GUEST/bzImage")")"
}

# One test for the boots: the minimal kernel's quiet boot is the base of
# the ratios of the others.
test_boots() {
	need_linux_kvm
	local d k rc
	k=$(debian_kernel) || exit $?
	d=$(mktemp -d)
	# shellcheck disable=SC2064 # d is fixed now; removed however the test ends
	trap "rm -rf '$d'" EXIT
	# step 2
	rc=0
	"$VMM" run "${MINIMAL[@]}" --cmdline "console=ttyS0 quiet reboot=k sha256=1 exit=3" \
		--trace --timings "$d/boot.json" --timings-format chrome --timeout 300 >"$d/out.txt" 2>"$d/trace.txt" || rc=$?
	assert_eq "$rc" 3 "minimal kernel, quiet (trace: $(tail -c 600 "$d/trace.txt"))"
	lab_expect boot_phases "$(jq -c '[.traceEvents[] | select(.cat == "phase") | .name]' "$d/boot.json")"
	lab_expect longest_phase "$(jq -r '[.traceEvents[] | select(.cat == "phase")] | max_by(.dur) | .name' "$d/boot.json")"
	# an overlapping pair, if any, is shown before the check (for a report)
	jq -c '[.traceEvents[] | select(.ph == "X")] as $e | $e[] as $a | $e[] as $b | select($a.tid == $b.tid and $a.ts < $b.ts and $b.ts + 0.001 < $a.ts + $a.dur and $b.ts + $b.dur > $a.ts + $a.dur + 0.001) | [$a.name, $a.ts, $a.dur, $b.name, $b.ts, $b.dur]' "$d/boot.json" >&2
	lab_expect chrome_nested "$(jq '[.traceEvents[] | select(.ph == "X")] as $e | [$e[] as $a | $e[] as $b | select($a.tid == $b.tid and $a.ts < $b.ts and $b.ts + 0.001 < $a.ts + $a.dur and $b.ts + $b.dur > $a.ts + $a.dur + 0.001)] | length' "$d/boot.json")"
	# step 3
	lab_expect minimal_com_probes "$(cat "$d/trace.txt")"
	lab_expect minimal_no_pci "$(cat "$d/trace.txt")"
	lab_expect quiet_first_byte "$(first_byte "$d/trace.txt")"
	# step 4
	rc=0
	"$VMM" run "${MINIMAL[@]}" --cmdline "console=ttyS0 reboot=k sha256=1 exit=3" \
		--trace --timeout 300 >"$d/console.txt" 2>"$d/trace-verbose.txt" || rc=$?
	assert_eq "$rc" 3 "minimal kernel, not quiet (trace: $(tail -c 600 "$d/trace-verbose.txt"))"
	lab_expect verbose_first_byte "$(first_byte "$d/trace-verbose.txt")"
	lab_expect verbose_vs_quiet_exits "$(ratio "$(exits "$d/trace-verbose.txt")" "$(exits "$d/trace.txt")")"
	lab_expect verbose_uart_per_byte "$(ratio "$(sed -nE 's/.*uart16550 +at 0x3f8 +([0-9]+) accesses.*/\1/p' "$d/trace-verbose.txt")" "$(wc -c <"$d/console.txt")")"
	# step 5
	rc=0
	"$VMM" run --kernel "$k" --initrd "$GUEST/initramfs.cpio.gz" --cmdline "console=ttyS0 quiet reboot=k sha256=1 exit=3" \
		--trace --timeout 600 >"$d/debian.txt" 2>"$d/trace-debian.txt" || rc=$?
	assert_eq "$rc" 3 "Debian's kernel, quiet (trace: $(tail -c 600 "$d/trace-debian.txt"))"
	lab_expect debian_pci_probes "$(cat "$d/trace-debian.txt")"
	lab_expect debian_i8042 "$(cat "$d/trace-debian.txt")"
	lab_expect debian_vs_minimal_exits "$(ratio "$(exits "$d/trace-debian.txt")" "$(exits "$d/trace.txt")")"
	lab_expect debian_vs_minimal_ram "$(ratio "$(touched "$d/trace-debian.txt")" "$(touched "$d/trace.txt")")"
	lab_expect debian_quiet_errors "$(cat "$d/debian.txt")"
	rm -rf "$d"
}

run_tests "$@"
