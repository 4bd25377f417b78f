#!/bin/bash
# End-to-end tests of `vmm run --cpus N` with real KVM (run inside the test
# host: tests/testhost/run.sh -- bash tests/kvm/vmm_smp.sh). They fail, never
# skip, when /dev/kvm is missing.
#
# The minimal guest kernel is built without CONFIG_SMP, so the SMP boot uses
# Debian's stock kernel ($VCLAB_STOCK_KERNEL) with the workload initramfs.
# The workload says nothing about CPUs: the kernel log (no `quiet`) does.
#
# The 8250 driver sends most bytes from the UART's interrupt handler, which
# may run on the other CPU: the workload drains the console (TCSBRK) before
# it writes the exit port, so its last lines arrive whichever CPU sends them.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../vmm/lib.sh
. "$(dirname "$0")/../vmm/lib.sh"

# boot_stock CPUS STATUS [CMDLINE...]: boot the stock kernel with CPUS vCPUs,
# the workload as /init; leaves the serial output in $SERIAL and --trace in
# $TRACE.
boot_stock() {
	local cpus=$1 status=$2 d rc want
	shift 2
	[ -n "${VCLAB_STOCK_KERNEL:-}" ] || fail "VCLAB_STOCK_KERNEL is not set"
	d=$(mktemp -d)
	want=$("$BIN/workload" sha256=1 exit="$status" | grep '^sha256=')
	run_linux_guest "$d/err" --kernel "$VCLAB_STOCK_KERNEL" --initrd "$GUEST/initramfs.cpio.gz" \
		--cpus "$cpus" --cmdline "console=ttyS0 reboot=k $* sha256=1 exit=$status" --trace
	SERIAL=$OUT rc=$RC
	TRACE=$(cat "$d/err")
	rm -rf "$d"
	assert_eq "$rc" "$status" "vmm exit status (stderr: $(printf '%s' "$TRACE" | tail -c 600); out: $(printf '%s' "$SERIAL" | tail -c 600))"
	assert_contains "$SERIAL" "VCLAB-READY" "/init ran"
	assert_contains "$SERIAL" "$want" "digest in the VM = digest of the process"
	assert_contains "$SERIAL" "VCLAB-DONE status=$status" "/init finished"
	no_vmm_left
}

test_stock_kernel_brings_up_two_cpus() {
	need_kvm
	boot_stock 2 4
	assert_contains "$SERIAL" "found SMP MP-table at [mem 0x0009fc00" "Linux found the MP table"
	assert_contains "$SERIAL" "smp: Brought up 1 node, 2 CPUs" "the guest started both vCPUs"
	assert_contains "$TRACE" "2 vCPUs: vCPU 0 in 64-bit mode" "--trace: vCPU count"
	assert_contains "$TRACE" "by vCPU (2 vCPUs, one host thread each)" "--trace: per-vCPU counts"
	printf '%s\n' "$TRACE" | grep -Eq 'vCPU 1: [0-9]+ exits' ||
		fail "--trace: no line for vCPU 1: $(printf '%s' "$TRACE" | tail -c 600)"
}

test_one_cpu_has_no_mp_table() {
	need_kvm
	boot_stock 1 6
	assert_not_contains "$SERIAL" "found SMP MP-table" "one vCPU boots as before, without an MP table"
	assert_contains "$TRACE" "vCPU 0: " "--trace: per-vCPU line"
}

# The minimal kernel has no SMP: vCPU 1 stays in its reset state for the
# whole run, and must still be stopped and joined when the guest exits.
test_uniprocessor_kernel_leaves_the_ap_waiting() {
	need_kvm
	local d rc=0 want out
	d=$(mktemp -d)
	want=$("$BIN/workload" sha256=1 exit=9 | grep '^sha256=')
	out=$("$VMM" run --kernel "$GUEST/bzImage" --initrd "$GUEST/initramfs.cpio.gz" --cpus 2 \
		--cmdline "console=ttyS0 quiet reboot=k sha256=1 exit=9" --timeout 300 --trace \
		2>"$d/err") || rc=$?
	assert_eq "$rc" 9 "vmm exit status (stderr: $(tail -c 600 "$d/err"))"
	assert_contains "$out" "$want" "digest in the VM = digest of the process"
	assert_contains "$(cat "$d/err")" "vCPU 1: 0 exits" "--trace: the AP never ran"
	rm -rf "$d"
	no_vmm_left
}

# --timeout with two vCPU threads: whichever thread gets the timer ends the
# VM for both; vmm exits 124 with one line and leaves no process behind.
test_timeout_stops_every_vcpu() {
	need_kvm
	local start took
	start=$(date +%s)
	assert_status 124 "$VMM" run --kernel "$GUEST/bzImage" --initrd "$GUEST/initramfs.cpio.gz" \
		--cpus 2 --cmdline "console=ttyS0 quiet reboot=k sha256=4000" --timeout 1
	took=$(($(date +%s) - start))
	assert_contains "$OUT" "--timeout: the guest ran past 1 s" "error message"
	[ "$took" -le 60 ] || fail "--timeout 1 took $took s"
	no_vmm_left
}

# bad_cpus VALUE...: exit 120 with one line on stderr naming --cpus.
bad_cpus() {
	assert_status 120 "$VMM" run --kernel "$GUEST/bzImage" "$@"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "error is not one line: $OUT"
	assert_contains "$OUT" "--cpus" "error names the option"
	no_vmm_left
}

test_bad_cpu_counts_are_refused() {
	need_kvm
	bad_cpus --cpus 0
	bad_cpus --cpus 99
	bad_cpus --cpus x
	bad_cpus --cpus 9
	bad_cpus --cpus ""
}

test_baremetal_guest_refuses_more_than_one_cpu() {
	need_kvm
	assert_status 120 "$VMM" run --kernel "$GUEST/baremetal.elf" --cpus 2
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "error is not one line: $OUT"
	assert_contains "$OUT" "bare-metal ELF guest, which runs on one vCPU" "error says why"
	assert_status 7 "$VMM" run --kernel "$GUEST/baremetal.elf" --cpus 1 --cmdline "sha256=1 exit=7"
	no_vmm_left
}

test_help_documents_cpus() {
	need_kvm
	assert_status 0 "$VMM" --help
	assert_contains "$OUT" "--cpus N" "--help lists --cpus"
}

run_tests "$@"
