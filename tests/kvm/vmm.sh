#!/bin/bash
# End-to-end tests of build/bin/vmm with real KVM (run inside the test host:
# tests/testhost/run.sh -- bash tests/kvm/vmm.sh). They fail, never skip,
# when /dev/kvm is missing.
#
# Guests: the bare-metal guest, the minimal kernel and Debian's stock kernel
# from build/guest, and tiny guests assembled here from raw x86 bytes.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../vmm/lib.sh
. "$(dirname "$0")/../vmm/lib.sh"

# le VALUE BYTES: VALUE as little-endian \xNN escapes for printf.
le() {
	local v=$1 n=$2 i out=
	for ((i = 0; i < n; i++)); do out+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255))); done
	printf '%s' "$out"
}

# mk_elf FILE HEXCODE: a minimal ELF64 executable whose code starts right
# after the headers, loaded and entered at 1 MiB + 120 (docs/contracts.md).
mk_elf() {
	local code=$2 off=120 base=$((0x100000)) total
	total=$((off + ${#code} / 2))
	{
		printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'
		# e_type EXEC, e_machine x86-64, version, entry, phoff, shoff, flags,
		# ehsize, phentsize, phnum, shentsize, shnum, shstrndx
		printf '%b' "$(le 2 2)$(le 62 2)$(le 1 4)$(le $((base + off)) 8)$(le 64 8)$(le 0 8)"
		printf '%b' "$(le 0 4)$(le 64 2)$(le 56 2)$(le 1 2)$(le 0 2)$(le 0 2)$(le 0 2)"
		# PT_LOAD RWX: offset 0 -> paddr 1 MiB, the whole file
		printf '%b' "$(le 1 4)$(le 7 4)$(le 0 8)$(le $base 8)$(le $base 8)$(le $total 8)"
		printf '%b' "$(le $total 8)$(le 4096 8)"
		printf '%b' "$(printf '%s' "$code" | sed 's/../\\x&/g')"
	} >"$1"
}

# Raw guests (64-bit code):
HELLO_EXIT42="b048baf8030000eeb069eeb00aeeb02ae6f4f4" # print "Hi\n", exit 42
MARK_RESET="b07b66baf003eeb0fee664f4" # boot marker (dx=0x3f0), then i8042 reset (reboot=k)
MARK_TRIPLE="b07b66baf003ee0f0b"      # boot marker, then ud2 -> triple fault (reboot=t)
TRIPLE="0f0b"                        # ud2 without an IDT: triple fault at once
SPIN="ebfe"                          # jmp . forever

# no_vmm_left: no vmm process may survive a run.
# host_digest ARGS...: the workload's sha256 line when run as a process.
host_digest() {
	"$BIN/workload" "$@" | grep '^sha256='
}

test_raw_guest_prints_and_exits_with_its_status() {
	need_kvm
	local d
	d=$(mktemp -d)
	mk_elf "$d/g.elf" "$HELLO_EXIT42"
	assert_status 42 "$VMM" run --kernel "$d/g.elf"
	assert_eq "$OUT" "Hi" "serial output"
	rm -rf "$d"
	no_vmm_left
}

test_baremetal_guest_prints_marks_boot_and_exits() {
	need_kvm
	local d out rc=0 want
	d=$(mktemp -d)
	want=$(host_digest sha256=2 exit=7)
	out=$("$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "sha256=2 exit=7" \
		--timings "$d/t.json" 2>"$d/err") || rc=$?
	assert_eq "$rc" 7 "vmm exit status (stderr: $(cat "$d/err"))"
	assert_contains "$out" "VCLAB-READY" "bare-metal output"
	assert_contains "$out" "$want" "bare-metal digest = process digest"
	assert_contains "$out" "VCLAB-DONE status=7" "bare-metal output"
	assert_contains "$(cat "$d/t.json")" '"guest_boot_marker"' "timings JSON"
	assert_contains "$(cat "$d/t.json")" '"first_serial_byte"' "timings JSON"
	assert_contains "$(cat "$d/t.json")" '"guest_exit"' "timings JSON"
	rm -rf "$d"
	no_vmm_left
}

# --timings-format chrome: a boot as Chrome trace events that nest: vmm
# setup (open_kvm ... first_kvm_run), guest boot (to the boot marker),
# guest run (to the exit).
test_baremetal_timings_chrome_nests_boot_phases() {
	need_kvm
	local d
	d=$(mktemp -d)
	assert_status 0 "$VMM" run --kernel "$GUEST/baremetal.elf" --timings "$d/t.json" --timings-format chrome
	assert_eq "$(jq -r '.otherData.tool' "$d/t.json")" vmm "tool"
	assert_eq "$(jq '[.traceEvents[] | select(.ph == "X")] as $e | [$e[] as $a | $e[] as $b | select($a.ts < $b.ts and $b.ts + 0.001 < $a.ts + $a.dur and $b.ts + $b.dur > $a.ts + $a.dur + 0.001)] | length' "$d/t.json")" 0 "events that overlap without nesting"
	assert_eq "$(jq -c '[.traceEvents[] | select(.cat == "phase") | .name]' "$d/t.json")" '["vmm setup","guest boot","guest run"]' "phases"
	assert_eq "$(jq '[.traceEvents[] | select(.ph == "X")] as $e | ($e[] | select(.name == "vmm setup")) as $p | [$e[] | select(.cat == "step" and .ts >= $p.ts and .ts + .dur <= $p.ts + $p.dur + 0.001) | .name] | index("open_kvm") != null and index("first_kvm_run") != null' "$d/t.json")" true "open_kvm and first_kvm_run inside vmm setup"
	rm -rf "$d"
	no_vmm_left
}

test_trace_shows_phases_and_exit_counts() {
	need_kvm
	local d
	d=$(mktemp -d)
	mk_elf "$d/g.elf" "$HELLO_EXIT42"
	assert_status 42 "$VMM" run --kernel "$d/g.elf" --trace
	assert_contains "$OUT" "first_kvm_run" "--trace phases"
	assert_contains "$OUT" "exit #1: port write 0x3f8, 1 byte = 0x48 -> uart16550" "--trace detail"
	assert_contains "$OUT" "VM exits: 4 in all" "--trace count"
	assert_contains "$OUT" "exit-port    at 0xf4       1 accesses" "--trace by device"
	rm -rf "$d"
}

# boot_linux KERNEL EXIT: boot KERNEL with the workload as /init; check the
# digest against the process run and the exit status.
boot_linux() {
	local kernel=$1 status=$2 d out rc want
	d=$(mktemp -d)
	want=$(host_digest sha256=1 exit="$status")
	run_linux_guest "$d/err" --kernel "$kernel" --initrd "$GUEST/initramfs.cpio.gz" \
		--cmdline "console=ttyS0 quiet reboot=k sha256=1 exit=$status" --timings "$d/t.json"
	out=$OUT rc=$RC
	assert_eq "$rc" "$status" "vmm exit status (stderr: $(tail -c 600 "$d/err"); out: $(printf '%s' "$out" | tail -c 600))"
	assert_contains "$out" "VCLAB-READY" "/init ran"
	assert_contains "$out" "$want" "digest in the VM = digest of the process"
	assert_contains "$out" "VCLAB-DONE status=$status" "/init finished"
	assert_contains "$(cat "$d/t.json")" '"guest_boot_marker"' "the workload wrote the boot marker"
	rm -rf "$d"
	no_vmm_left
}

test_minimal_kernel_boots_to_init() {
	need_kvm
	boot_linux "$GUEST/bzImage" 5
}

test_stock_kernel_boots_to_init() {
	need_kvm
	[ -n "${VCLAB_STOCK_KERNEL:-}" ] || fail "VCLAB_STOCK_KERNEL is not set"
	boot_linux "$VCLAB_STOCK_KERNEL" 3
}

test_reset_after_boot_marker_is_a_clean_reboot() {
	need_kvm
	local d
	d=$(mktemp -d)
	mk_elf "$d/k.elf" "$MARK_RESET"
	assert_status 0 "$VMM" run --kernel "$d/k.elf" --trace
	assert_contains "$OUT" "guest_boot_marker" "--trace"
	assert_contains "$OUT" "reset the machine through the i8042" "--trace"
	mk_elf "$d/t.elf" "$MARK_TRIPLE"
	assert_status 0 "$VMM" run --kernel "$d/t.elf" --trace
	assert_contains "$OUT" "triple fault after the boot marker" "--trace"
	rm -rf "$d"
}

test_triple_fault_is_a_guest_crash() {
	need_kvm
	local d
	d=$(mktemp -d)
	mk_elf "$d/g.elf" "$TRIPLE"
	assert_status 122 "$VMM" run --kernel "$d/g.elf" --timings "$d/t.json"
	assert_contains "$OUT" "triple-faulted" "error message"
	assert_one_line_error "$VMM" run --kernel "$d/g.elf"
	rm -rf "$d"
	no_vmm_left
}

test_timeout_stops_a_spinning_guest() {
	need_kvm
	local d start took
	d=$(mktemp -d)
	mk_elf "$d/g.elf" "$SPIN"
	start=$(date +%s)
	assert_status 124 "$VMM" run --kernel "$d/g.elf" --timeout 1.5
	took=$(($(date +%s) - start))
	assert_contains "$OUT" "--timeout" "error message"
	[ "$took" -le 30 ] || fail "--timeout 1.5 took $took s"
	assert_one_line_error "$VMM" run --kernel "$d/g.elf" --timeout 0.5
	rm -rf "$d"
	no_vmm_left
}

# bad_input ARGS...: exit 120, one line on stderr, no --timings file left.
bad_input() {
	local d
	d=$(mktemp -d)
	assert_status 120 "$VMM" run "$@" --timings "$d/t.json"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "error is not one line: $OUT"
	[ -z "$(ls -A "$d")" ] || fail "left files behind: $(ls -A "$d")"
	rm -rf "$d"
	no_vmm_left
}

test_garbage_kernel_is_refused() {
	need_kvm
	local d
	d=$(mktemp -d)
	head -c 65536 /dev/urandom >"$d/garbage"
	bad_input --kernel "$d/garbage"
	assert_contains "$OUT" "$d/garbage: not a Linux bzImage" "error names the file"
	bad_input --kernel "$d/missing"
	assert_contains "$OUT" "$d/missing" "error names the file"
	rm -rf "$d"
}

test_mem_too_small_is_refused() {
	need_kvm
	bad_input --kernel "$GUEST/bzImage" --mem 1
	assert_contains "$OUT" "needs at least" "error says what the kernel needs"
	bad_input --kernel "$GUEST/baremetal.elf" --mem 1
	assert_contains "$OUT" "--mem 1" "error names the option"
}

test_absurd_mem_is_refused() {
	need_kvm
	bad_input --kernel "$GUEST/bzImage" --mem 10T
	assert_contains "$OUT" "--mem" "error names the option"
	bad_input --kernel "$GUEST/bzImage" --mem 512G
	assert_contains "$OUT" "more guest RAM than this host has" "error says why"
	bad_input --kernel "$GUEST/bzImage" --mem lots
}

test_bad_options_are_refused() {
	need_kvm
	local long
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	bad_input --kernel "$GUEST/bzImage" --cmdline "$long"
	assert_contains "$OUT" "--cmdline: 5000 bytes" "error names the option"
	bad_input --kernel "$GUEST/baremetal.elf" --initrd "$GUEST/initramfs.cpio.gz"
	assert_contains "$OUT" "only a Linux bzImage takes an initrd" "error says why"
	bad_input --kernel "$GUEST/bzImage" --initrd /nonexistent/initrd
	assert_contains "$OUT" "/nonexistent/initrd" "error names the file"
	bad_input --kernel "$GUEST/bzImage" --cpus 9
	bad_input --kernel "$GUEST/bzImage" --timeout -1
	bad_input --kernel "$GUEST/bzImage" --frobnicate
	assert_status 120 "$VMM" run
	assert_contains "$OUT" "--kernel IMAGE is required" "error says what is missing"
	assert_status 0 "$VMM" --help
	assert_contains "$OUT" "exit status" "--help documents the exit codes"
}

test_missing_dev_kvm_is_one_clear_line() {
	need_kvm
	local out rc=0
	# A private /dev without kvm in it.
	out=$(unshare -m sh -c "mount -t tmpfs none /dev && exec '$VMM' run --kernel '$GUEST/baremetal.elf'" 2>&1) || rc=$?
	assert_eq "$rc" 121 "exit status without /dev/kvm (output: $out)"
	assert_eq "$(printf '%s\n' "$out" | wc -l)" 1 "one line"
	assert_contains "$out" "/dev/kvm does not exist" "says what is missing"
	assert_contains "$out" "tests/testhost/run.sh" "says where to run"
}

run_tests "$@"
