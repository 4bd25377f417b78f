#!/bin/bash
# `vmm run --image` with real KVM (inside the test host: tests/testhost/run.sh
# -- bash tests/kvm/vmm_image.sh). The same busybox image, built here, runs
# as a container (`container run`) and as a microVM (`vmm run --image`):
# the same output and exit status, with the image's Cmd and with a CMD
# given (a non-zero status), on the minimal kernel and on Debian's stock
# one; the second run of an image uses the cached initramfs. Fails, never
# skips, without KVM.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../vmm/lib.sh
. "$(dirname "$0")/../vmm/lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
# shellcheck source=SCRIPTDIR/../vmm/image.sh
. "$VCLAB_ROOT/tests/vmm/image.sh"

# vm_run ARGS... [-- CMD...]: `vmm run --timeout 180 --trace ARGS`; RC,
# OUT (the serial console), ERR (stderr, the trace). Like run_linux_guest
# (tests/vmm/lib.sh), a stall of the nested guest (124) is retried once.
vm_run() {
	local try
	for try in 1 2; do
		RC=0
		OUT=$("$VMM" run --timeout 180 --trace "$@" </dev/null 2>"$W/vm.err") || RC=$?
		ERR=$(cat "$W/vm.err")
		[ "$RC" = 124 ] && [ "$try" = 1 ] || return 0
		echo "    RETRY: the guest stalled for 180 s" >&2
	done
}

# ct_run ARGS...: `container run IMG ARGS`; CRC, COUT.
ct_run() {
	CRC=0
	COUT=$("$CT" run "$IMG" "$@" </dev/null 2>"$W/ct.err") || CRC=$?
}

# The export step's time from vmm's --trace ("image_export ... (12.3 ms)").
export_ms() {
	printf '%s\n' "$ERR" | sed -n 's/.*image_export .*(\([0-9.]*\) ms).*/\1/p' | tail -n 1
}

test_image_runs_the_same_as_container_and_microvm() {
	need_kvm
	image_setup
	local t0 t1
	ct_run
	assert_eq "$CRC" 0 "container run's status ($(cat "$W/ct.err"))"
	assert_eq "$COUT" "$(image_expected)" "container run's output"
	t0=$EPOCHREALTIME
	vm_run --image "$IMG"
	t1=$EPOCHREALTIME
	assert_eq "$RC" 0 "vmm's status (stderr: $(printf '%s' "$ERR" | tail -c 800))"
	assert_eq "$OUT" "$COUT" "the microVM's output = the container's"
	assert_contains "$ERR" "flattened" "the first run exports the image"
	# no --mem: 128 MiB + the cpio.gz + its unpacked files, in 64 MiB steps
	# (common/guestram.h, the bench's VM rows get the same)
	local gz unpacked want
	gz=$(cat "$VCLAB_STORE"/initramfs/*.cpio.gz | wc -c)
	unpacked=$(gzip -dc "$VCLAB_STORE"/initramfs/*.cpio.gz | wc -c)
	want=$(((((128 << 20) + gz + unpacked + (64 << 20) - 1) >> 26) << 6))
	printf '%s\n' "$ERR" | grep -q "memory_mapped *$want MiB of guest RAM" ||
		fail "the default guest RAM is not $want MiB (cpio.gz $gz + unpacked $unpacked bytes): $(printf '%s\n' "$ERR" | grep memory_mapped)"
	echo "    first microVM run: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s, export $(export_ms) ms"
	no_vmm_left
}

test_cmd_and_nonzero_status_and_cache_hit() {
	need_kvm
	image_setup
	local t0 t1
	"$CT" image export --initramfs "$IMG" >/dev/null 2>&1 || fail "export failed"
	ct_run /bin/sh app.sh 7 "two words"
	assert_eq "$CRC" 7 "container run's status"
	assert_eq "$COUT" "$(image_expected 7 two words)" "container run's output"
	t0=$EPOCHREALTIME
	vm_run --image "$IMG" -- /bin/sh app.sh 7 "two words"
	t1=$EPOCHREALTIME
	assert_eq "$RC" 7 "vmm's status = the program's (stderr: $(printf '%s' "$ERR" | tail -c 800))"
	assert_eq "$OUT" "$COUT" "the microVM's output = the container's"
	assert_contains "$ERR" "cached (no flattening)" "the second run uses the cached initramfs"
	assert_not_contains "$ERR" "flattened" "nothing flattened"
	echo "    cached microVM run: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s, export $(export_ms) ms"
	# the image's hard link is one file in the guest's root too
	vm_run --image "$IMG" -- /bin/stat -c '%h %i' /app/app.sh /app/app.link
	assert_eq "$RC" 0 "stat in the guest (stderr: $(printf '%s' "$ERR" | tail -c 400))"
	assert_eq "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort -u)" 2 "links of app.sh in the guest"
	assert_eq "$(printf '%s\n' "$OUT" | awk '{print $2}' | sort -u | wc -l)" 1 "one inode for both"
	# a program that is not there: Docker's 127
	vm_run --image "$IMG" -- no-such-program
	assert_eq "$RC" 127 "a missing program"
	assert_contains "$OUT" "no-such-program: executable file not found" "the init says why"
	no_vmm_left
}

test_stock_kernel_runs_the_image() {
	need_kvm
	[ -n "${VCLAB_STOCK_KERNEL:-}" ] || fail "VCLAB_STOCK_KERNEL is not set"
	image_setup
	ct_run /bin/sh app.sh 3
	vm_run --kernel "$VCLAB_STOCK_KERNEL" --image "$IMG" -- /bin/sh app.sh 3
	assert_eq "$RC" 3 "vmm's status on the stock kernel (stderr: $(printf '%s' "$ERR" | tail -c 800); out: $(printf '%s' "$OUT" | tail -c 800))"
	# the stock kernel may print a warning of its own among the lines
	assert_contains "$OUT" "$COUT" "the program's output on the stock kernel"
	no_vmm_left
}

test_too_little_memory_is_refused_before_boot() {
	need_kvm
	image_setup
	assert_status 120 "$VMM" run --image "$IMG" --mem 24M
	assert_contains "$OUT" "needs at least" "the refusal"
	assert_one_line_error "$VMM" run --image "$IMG" --mem 24M
	no_vmm_left
}

# An init that dies (the probe, which exits at once without a command) makes
# Linux panic; panic=-1 reboots, and vmm reports that reboot of an image
# guest as a failure (122, one line) instead of 0 or a wait until --timeout.
test_a_kernel_panic_fails_the_run_at_once() {
	need_kvm
	image_setup
	[ -x "$ROOTFS/probe" ] || fail "no $ROOTFS/probe"
	local t0 t1
	t0=$EPOCHREALTIME
	RC=0
	OUT=$(VCLAB_INIT=$ROOTFS/probe "$VMM" run --image "$IMG" --timeout 170 </dev/null 2>"$W/vm.err") || RC=$?
	t1=$EPOCHREALTIME
	ERR=$(cat "$W/vm.err")
	assert_eq "$RC" 122 "vmm's status after the panic (stderr: $(printf '%s' "$ERR" | tail -c 600))"
	assert_contains "$OUT$ERR" "Kernel panic" "the panic on the console"
	assert_contains "$ERR" "before its program ended: its kernel panicked" "vmm's error"
	assert_eq "$(printf '%s\n' "$ERR" | grep -c '^vmm: ')" 1 "one vmm error line"
	echo "    panic to vmm's exit: $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s (timeout 170 s)"
	no_vmm_left
}

run_tests "$@"
