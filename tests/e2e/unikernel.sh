#!/usr/bin/env bash
# End-to-end tests of the bare-metal guest under vmm on whatever /dev/kvm this
# host has: hardware KVM, nested KVM (the test host), or kvm-pvm (a software
# KVM that emulates guest ring 0 and runs guest ring 3 natively). The guest
# runs its job in ring 3, so it must give the same digest as the process on
# all three, and a fault in ring 3 must end the VM with status 119 and one
# line saying what happened. Without /dev/kvm these tests skip (tests/kvm/
# covers the test host, where KVM always exists).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

VMM=$BIN/vmm
GUEST=$BUILD/guest
FAULT_STATUS=119 # guest/baremetal/fault.h: BM_EXIT_FAULT

need_vm() {
	[ -c /dev/kvm ] || skip "no /dev/kvm on this host (tests/kvm runs these in the test host)"
	[ -x "$VMM" ] || fail "$VMM not built (make build/bin/vmm)"
	[ -e "$GUEST/baremetal.elf" ] || fail "$GUEST/baremetal.elf not built (make guest)"
}

is_kvm_pvm() {
	[ -d /sys/module/kvm_pvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]
}

host_digest() {
	"$BIN/workload" "$@" | grep '^sha256='
}

test_baremetal_digest_matches_the_process() {
	need_vm
	local want out rc=0
	want=$(host_digest sha256=4 touch=4 exit=9)
	out=$(timeout 60 "$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "sha256=4 touch=4 exit=9" 2>&1) || rc=$?
	assert_eq "$rc" 9 "vmm exit status (output: $(printf '%s' "$out" | tail -c 400))"
	assert_eq "$(printf '%s\n' "$out" | head -n 1)" VCLAB-READY "first line"
	assert_contains "$out" "$want" "digest in the guest = digest of the process"
	assert_contains "$out" "VCLAB-DONE status=9" "last line"
}

# fault_case KIND VECTOR NAME: fault=KIND ends the VM with status 119 and one
# report line, naming the vector and ring 3; nothing after it.
fault_case() {
	local kind=$1 vector=$2 name=$3 out lines
	assert_status "$FAULT_STATUS" timeout 60 "$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "fault=$kind"
	out=$OUT
	lines=$(printf '%s\n' "$out" | grep -c '^baremetal: ' || true)
	assert_eq "$lines" 1 "one report line (output: $out)"
	assert_contains "$out" "baremetal: CPU exception $vector ($name" "report"
	assert_contains "$out" ") in ring 3 at rip 0x" "report names ring 3"
	assert_contains "$out" ": VM ends with status $FAULT_STATUS" "report names the status"
	assert_not_contains "$out" "VCLAB-DONE" "the job did not go on"
}

test_hlt_in_ring3_is_a_reported_fault() {
	need_vm
	fault_case hlt 13 "#GP"
}

test_bad_address_in_ring3_is_a_reported_page_fault() {
	need_vm
	fault_case read 14 "#PF"
	assert_contains "$OUT" "cr2 0x40000000:" "the faulting address"
}

test_invalid_opcode_in_ring3_is_a_reported_fault() {
	need_vm
	fault_case ud2 6 "#UD"
}

test_unknown_fault_kind_is_a_usage_error() {
	need_vm
	assert_status 2 timeout 60 "$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "fault=nope"
	assert_contains "$OUT" "'fault=nope': expected fault=hlt, fault=read or fault=ud2" "message"
}

test_kvm_pvm_refuses_linux_at_once() {
	need_vm
	is_kvm_pvm || skip "this host's /dev/kvm is not kvm-pvm"
	[ -e "$GUEST/bzImage" ] || fail "$GUEST/bzImage not built"
	local t0 ms
	t0=$(date +%s%N)
	assert_one_line_error "$VMM" run --kernel "$GUEST/bzImage" --initrd "$GUEST/initramfs.cpio.gz"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -lt 1000 ] || fail "took $ms ms to refuse"
	assert_contains "$ERR" "cannot run on this /dev/kvm: it is kvm-pvm" "reason"
	assert_status 121 "$VMM" run --kernel "$GUEST/bzImage" --initrd "$GUEST/initramfs.cpio.gz"
}

test_kvm_pvm_trace_says_once_how_rings_run() {
	need_vm
	is_kvm_pvm || skip "this host's /dev/kvm is not kvm-pvm"
	assert_status 0 timeout 60 "$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline sha256=0 --trace
	assert_eq "$(printf '%s\n' "$OUT" | grep -c 'guest ring 0 is emulated' || true)" 1 "the note, once"
	assert_contains "$OUT" "guest ring 3 runs natively" "the note"
}

run_tests "$@"
