#!/usr/bin/env bash
# End-to-end tests of the guest artifacts (build/guest/), no KVM needed:
# the kernel's config, the initramfs, and both guests booted under QEMU TCG
# (-M microvm, isa-debug-exit on 0xf4), their digest compared with the
# workload run as a plain process. Where QEMU or the guest/ scripts are not
# there (inside the test host), those tests skip and say why.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

GUEST=$BUILD/guest
QEMU=qemu-system-x86_64

need_file() {
	[ -e "$1" ] || fail "$1 is missing (run make build)"
}

need_guest_scripts() {
	[ -x "$VCLAB_ROOT/guest/check-config.sh" ] || skip "guest/ scripts are not in this copy of the repo"
}

need_qemu() {
	command -v "$QEMU" >/dev/null || skip "$QEMU is not installed (scripts/deps.sh testhost)"
}

# The digest line the workload prints as a plain process for these words.
host_digest() {
	"$BIN/workload" "$@" | grep '^sha256='
}

# qemu_boot DIR KERNEL APPEND [QEMU ARGS...]: boot KERNEL under QEMU TCG
# (machine $QEMU_MACHINE, default microvm).
# Leaves the serial output (without \r) in DIR/console, QEMU's exit status
# in QEMU_RC and the milliseconds from QEMU's start to VCLAB-READY in
# READY_MS (empty if it never came).
qemu_boot() {
	local dir=$1 kernel=$2 append=$3 t0
	shift 3
	t0=$(date +%s%N)
	{
		timeout 120 "$QEMU" -M "${QEMU_MACHINE:-microvm}" -accel tcg -m 128M -display none -serial stdio \
			-monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 \
			-kernel "$kernel" -append "$append" "$@" </dev/null 2>&1
		echo "qemu-exit $?" >"$dir/rc"
	} | while IFS= read -r line; do
		line=${line%$'\r'}
		[ "$line" != VCLAB-READY ] || echo $((($(date +%s%N) - t0) / 1000000)) >"$dir/ready_ms"
		printf '%s\n' "$line"
	done >"$dir/console"
	QEMU_RC=$(sed 's/^qemu-exit //' "$dir/rc")
	READY_MS=$(cat "$dir/ready_ms" 2>/dev/null || true)
}

# QEMU's isa-debug-exit turns the guest's status N into (N << 1) | 1.
assert_guest_status() { # guest_status
	[ "$QEMU_RC" = $((($1 << 1) | 1)) ] ||
		fail "QEMU exited $QEMU_RC, expected $((($1 << 1) | 1)) (guest status $1); console: $(tail -c 600 "$tmp/console")"
}

assert_console_line() { # line
	grep -qxF -- "$1" "$tmp/console" || fail "line '$1' not on the console: $(tail -c 600 "$tmp/console")"
}

new_tmp() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
}

# --- the kernel's config -------------------------------------------------------

test_kernel_config_survived() {
	need_guest_scripts
	need_file "$GUEST/bzImage.config"
	assert_status 0 "$VCLAB_ROOT/guest/check-config.sh" "$VCLAB_ROOT/guest/kernel.config" "$GUEST/bzImage.config"
	assert_contains "$OUT" "options of" "check-config summary"
}

# The check must notice an option that was dropped or one that came back on.
test_config_check_names_lost_options() {
	need_guest_scripts
	need_file "$GUEST/bzImage.config"
	new_tmp
	sed -e '/^CONFIG_PVH=y$/d' -e 's/^# CONFIG_MODULES is not set$/CONFIG_MODULES=y/' \
		"$GUEST/bzImage.config" >"$tmp/config"
	assert_one_line_error "$VCLAB_ROOT/guest/check-config.sh" "$VCLAB_ROOT/guest/kernel.config" "$tmp/config"
	assert_contains "$ERR" "CONFIG_PVH=y(now: missing)" "names the dropped option"
	assert_contains "$ERR" "CONFIG_MODULES=n(now: CONFIG_MODULES=y)" "names the option turned on"
}

test_config_check_bad_usage() {
	need_guest_scripts
	assert_one_line_error "$VCLAB_ROOT/guest/check-config.sh" "$VCLAB_ROOT/guest/kernel.config" /nonexistent/.config
	assert_contains "$ERR" "/nonexistent/.config: cannot read file" "names the file"
	assert_status 2 "$VCLAB_ROOT/guest/check-config.sh" only-one-argument
}

test_kernel_is_a_small_bzimage() {
	local size magic
	need_file "$GUEST/bzImage"
	magic=$(dd if="$GUEST/bzImage" bs=1 skip=514 count=4 2>/dev/null)
	assert_eq "$magic" "HdrS" "boot protocol magic at 0x202"
	size=$(wc -c <"$GUEST/bzImage")
	echo "    info: bzImage $size bytes"
	[ "$size" -lt 1572864 ] || fail "bzImage is $size bytes; the minimal kernel should stay under 1.5 MiB"
}

# --- the initramfs -------------------------------------------------------------

test_initramfs_holds_only_init() {
	local list
	need_file "$GUEST/initramfs.cpio.gz"
	new_tmp
	list=$(gzip -dc "$GUEST/initramfs.cpio.gz" | cpio -it 2>/dev/null)
	assert_eq "$list" "init" "initramfs file list"
	(cd "$tmp" && gzip -dc "$GUEST/initramfs.cpio.gz" | cpio -id 2>/dev/null)
	cmp -s "$tmp/init" "$BIN/workload" || fail "/init in the initramfs is not build/bin/workload"
	assert_eq "$(stat -c %a "$tmp/init")" 755 "mode of /init"
	echo "    info: initramfs $(wc -c <"$GUEST/initramfs.cpio.gz") bytes, /init $(wc -c <"$tmp/init") bytes"
}

test_initramfs_is_reproducible() {
	need_guest_scripts
	need_file "$GUEST/initramfs.cpio.gz"
	new_tmp
	cp "$BIN/workload" "$tmp/workload"
	touch -d '2001-02-03' "$tmp/workload" # another mtime must not matter
	"$VCLAB_ROOT/guest/mkinitramfs.sh" "$tmp/workload" "$tmp/a.cpio.gz"
	cmp -s "$tmp/a.cpio.gz" "$GUEST/initramfs.cpio.gz" || fail "packing the same workload gave other bytes"
}

test_mkinitramfs_rejects_bad_input() {
	need_guest_scripts
	new_tmp
	echo '#!/bin/sh' >"$tmp/script"
	assert_one_line_error "$VCLAB_ROOT/guest/mkinitramfs.sh" "$tmp/script" "$tmp/out.cpio.gz"
	assert_contains "$ERR" "$tmp/script: not an ELF executable" "names the input"
	assert_one_line_error "$VCLAB_ROOT/guest/mkinitramfs.sh" "$tmp/missing" "$tmp/out.cpio.gz"
	assert_contains "$ERR" "$tmp/missing: not a readable file" "names the input"
	assert_eq "$(ls "$tmp")" "script" "no output or temp file left behind"
}

# --- the minimal kernel under QEMU -----------------------------------------------

test_minimal_kernel_boots_to_workload() {
	need_qemu
	need_file "$GUEST/bzImage"
	need_file "$GUEST/initramfs.cpio.gz"
	new_tmp
	qemu_boot "$tmp" "$GUEST/bzImage" "console=ttyS0 quiet reboot=t sha256=1 exit=5" \
		-initrd "$GUEST/initramfs.cpio.gz"
	assert_guest_status 5
	assert_console_line VCLAB-READY
	assert_console_line "$(host_digest sha256=1 exit=5)"
	assert_console_line "VCLAB-DONE status=5"
	echo "    info: minimal kernel, QEMU TCG microvm: VCLAB-READY after ${READY_MS} ms"
}

# A bad word on the kernel command line reaches /init, which reports it.
test_minimal_kernel_bad_argument() {
	need_qemu
	need_file "$GUEST/bzImage"
	new_tmp
	qemu_boot "$tmp" "$GUEST/bzImage" "console=ttyS0 quiet reboot=t sha256=lots" \
		-initrd "$GUEST/initramfs.cpio.gz"
	assert_guest_status 2
	assert_contains "$(cat "$tmp/console")" "workload: 'sha256=lots': expected a whole number" "error line"
	assert_console_line "VCLAB-DONE status=2"
}

# Debian's stock kernel must run the same initramfs unchanged. (-M pc: on
# microvm, without HPET or PM timer, its TSC calibration hangs now and then
# under TCG.)
test_stock_kernel_boots_same_initramfs() {
	local kernel=${VCLAB_STOCK_KERNEL:-}
	need_qemu
	need_file "$GUEST/initramfs.cpio.gz"
	[ -n "$kernel" ] || kernel=$(find /boot -maxdepth 1 -name "vmlinuz-*" 2>/dev/null | sort -V | tail -n 1)
	[ -n "$kernel" ] || skip "no /boot/vmlinuz-* (scripts/deps.sh testhost)"
	[ -r "$kernel" ] || skip "$kernel is not readable (Debian's kernel image is mode 0600: run as root)"
	new_tmp
	QEMU_MACHINE=pc qemu_boot "$tmp" "$kernel" "console=ttyS0 quiet sha256=1 exit=6" \
		-initrd "$GUEST/initramfs.cpio.gz" -m 256M
	assert_guest_status 6
	assert_console_line "$(host_digest sha256=1 exit=6)"
	echo "    info: $(basename "$kernel"), QEMU TCG pc: VCLAB-READY after ${READY_MS} ms"
}

# --- the bare-metal guest (PVH entry under QEMU) --------------------------------------

test_baremetal_elf_layout() {
	local hdr
	command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
	need_file "$GUEST/baremetal.elf"
	hdr=$(readelf -hlnW "$GUEST/baremetal.elf")
	assert_contains "$hdr" "ELF64" "class"
	assert_contains "$hdr" "EXEC (Executable file)" "type"
	# The image starts at 1 MiB with the prebuilt page directory; the 64-bit
	# entry follows it, in the same segment.
	printf '%s\n' "$hdr" | grep -qE 'Entry point address: +0x10[0-9a-f]{4}$' ||
		fail "64-bit entry not within the image at 1 MiB: $hdr"
	printf '%s\n' "$hdr" | grep -qE '^ +LOAD +0x[0-9a-f]+ 0x0*100000 0x0*100000 ' ||
		fail "no PT_LOAD at 1 MiB: $hdr"
	printf '%s\n' "$hdr" | grep -qE '^ +Xen +0x00000008.*0x00000012' ||
		fail "no XEN_ELFNOTE_PHYS32_ENTRY note: $hdr"
	echo "    info: baremetal.elf $(wc -c <"$GUEST/baremetal.elf") bytes"
}

test_baremetal_boots_and_hashes() {
	need_qemu
	need_file "$GUEST/baremetal.elf"
	new_tmp
	qemu_boot "$tmp" "$GUEST/baremetal.elf" "sha256=2 exit=5"
	assert_guest_status 5
	assert_eq "$(head -n 1 "$tmp/console")" VCLAB-READY "first console line"
	assert_console_line "$(host_digest sha256=2 exit=5)"
	assert_console_line "VCLAB-DONE status=5"
	echo "    info: bare-metal guest, QEMU TCG microvm (PVH): VCLAB-READY after ${READY_MS} ms"
}

test_baremetal_defaults_without_cmdline() {
	need_qemu
	need_file "$GUEST/baremetal.elf"
	new_tmp
	qemu_boot "$tmp" "$GUEST/baremetal.elf" ""
	assert_guest_status 0
	assert_console_line "$(host_digest)"
}

test_baremetal_touch_within_and_beyond_ram() {
	need_qemu
	need_file "$GUEST/baremetal.elf"
	new_tmp
	qemu_boot "$tmp" "$GUEST/baremetal.elf" "sha256=0 touch=100 exit=7" -m 128M
	assert_guest_status 7
	qemu_boot "$tmp" "$GUEST/baremetal.elf" "sha256=0 touch=100 exit=7" -m 64M
	assert_guest_status 1
	assert_console_line "workload: cannot allocate touch= memory"
}

test_baremetal_bad_argument() {
	need_qemu
	need_file "$GUEST/baremetal.elf"
	new_tmp
	qemu_boot "$tmp" "$GUEST/baremetal.elf" "sha256=1 console=ttyS0"
	assert_guest_status 2
	assert_console_line "baremetal: unknown argument 'console=ttyS0' (expected sha256=MIB, touch=MIB, exit=CODE)"
	assert_console_line "VCLAB-DONE status=2"
}

# With nothing on port 0xf4 the guest must still stop the VM, not spin.
test_baremetal_without_exit_port_still_stops() {
	need_qemu
	need_file "$GUEST/baremetal.elf"
	new_tmp
	timeout 60 "$QEMU" -M microvm -accel tcg -m 64M -display none -serial stdio -monitor none \
		-no-reboot -kernel "$GUEST/baremetal.elf" -append "exit=3" </dev/null >"$tmp/console" 2>&1 ||
		fail "QEMU exited $? (124: the guest did not stop)"
	assert_console_line "VCLAB-DONE status=3"
	assert_console_line "baremetal: exit port did not end the VM; resetting (status is lost)"
}

run_tests "$@"
