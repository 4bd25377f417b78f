#!/usr/bin/env bash
# Lab 7 (docs/labs/07-guest-rings.md): the bare-metal guest's ring 0 ->
# ring 3 switch, ring-3 faults, and what kvm-pvm emulates (its steps skip
# on hardware KVM, e.g. in the test host).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
LAB=$VCLAB_ROOT/docs/labs/07-guest-rings.md

VMM=$BIN/vmm
GUEST=$BUILD/guest

need_vmm() {
	[ -c /dev/kvm ] || lab_skip "no /dev/kvm here"
	[ -x "$VMM" ] || fail "$VMM not built (make build/bin/vmm)"
	[ -f "$GUEST/baremetal.elf" ] || fail "$GUEST/baremetal.elf not built (make guest)"
}
need_pvm() { [ -d /sys/module/kvm_pvm ] || lab_skip "this /dev/kvm is not kvm-pvm"; }

# reads TRACE-TEXT: the N of "port I/O: ... N reads"
reads() { printf '%s\n' "$1" | sed -nE 's/.*port I\/O: +[0-9]+ writes \(out\), ([0-9]+) reads.*/\1/p'; }

test_ring0_instructions_to_the_job() {
	local src=$VCLAB_ROOT/guest/baremetal/start.S
	[ -f "$src" ] || lab_skip "no sources here (the test host has none)"
	lab_expect ring0_instructions "$(awk '/^_start:/,/^[[:space:]]+iretq/' "$src" | grep -oE '/\* *[0-9]+' | grep -oE '[0-9]+' | sort -n | tail -n 1)"
}

test_ring3_faults() {
	need_vmm
	local d rc=0
	d=$(mktemp -d)
	# shellcheck disable=SC2064 # d is fixed now; removed however the test ends
	trap "rm -rf '$d'" EXIT
	"$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline fault=hlt >"$d/hlt.txt" || rc=$?
	lab_expect hlt_fault "$(cat "$d/hlt.txt")"
	lab_expect fault_status "$rc"
	rc=0
	"$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline fault=read >"$d/read.txt" || rc=$?
	assert_eq "$rc" 119 "status of fault=read"
	lab_expect read_fault "$(cat "$d/read.txt")"
	rm -rf "$d"
}

test_who_talks_to_the_uart() {
	need_vmm
	local d fault line
	d=$(mktemp -d)
	# shellcheck disable=SC2064 # d is fixed now; removed however the test ends
	trap "rm -rf '$d'" EXIT
	"$VMM" run --kernel "$GUEST/baremetal.elf" --trace >"$d/out.txt" 2>"$d/trace.txt" || fail "the guest failed: $(tail -n 3 "$d/trace.txt")"
	lab_expect syscall_reads "$(reads "$(cat "$d/trace.txt")")"
	fault=$("$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline fault=hlt --trace 2>&1 >"$d/hlt.txt" | grep 'port I/O')
	line=$(grep -m1 'CPU exception' "$d/hlt.txt")
	# the fault line and its newline
	lab_expect ring0_reads_minus_fault_bytes "$(($(reads "$fault") - ${#line} - 1))"
	rm -rf "$d"
}

test_pvm_emulates_ring0() {
	need_vmm
	need_pvm
	local d took
	d=$(mktemp -d)
	# shellcheck disable=SC2064 # d is fixed now; removed however the test ends
	trap "rm -rf '$d'" EXIT
	"$VMM" run --kernel "$GUEST/baremetal.elf" --trace >"$d/out.txt" 2>"$d/trace.txt" || fail "the guest failed: $(tail -n 3 "$d/trace.txt")"
	lab_expect pvm_note "$(cat "$d/trace.txt")"
	took=$(sed -nE 's/.*guest_boot_marker .*\(([0-9.]+) ms\)$/\1/p' "$d/trace.txt")
	lab_expect ring0_us_per_instruction "$(awk -v t="$took" 'BEGIN { printf "%.1f", t * 1000 / 12 }')"
	rm -rf "$d"
}

run_tests "$@"
