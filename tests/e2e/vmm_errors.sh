#!/usr/bin/env bash
# build/bin/vmm on bad input that is refused before /dev/kvm is opened, so
# these run on any host: exit status 120, one line on stderr naming the
# input and the reason, and never a hang.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

VMM=${VMM:-$BIN/vmm}

# vmm_refuses SECONDS ARGS...: `vmm run ARGS` must end within SECONDS with
# status 120 and one line on stderr (left in $ERR).
vmm_refuses() {
	local limit=$1 rc=0
	shift
	ERR=$(timeout -k 2 "$limit" "$VMM" run "$@" 2>&1 >/dev/null) || rc=$?
	case $rc in 124 | 137) fail "vmm run $* hung (killed after $limit s)" ;; esac
	assert_eq "$rc" 120 "exit status of vmm run $*"
	assert_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "error lines of vmm run $*"
}

test_bad_timings_format_is_refused() {
	[ -x "$VMM" ] || fail "$VMM missing: make build/bin/vmm"
	local d
	d=$(mktemp -d)
	head -c 4096 /dev/zero >"$d/kernel"
	vmm_refuses 10 --kernel "$d/kernel" --timings "$d/t.json" --timings-format svg
	assert_contains "$ERR" "--timings-format 'svg': expected json or chrome" "error"
	vmm_refuses 10 --kernel "$d/kernel" --timings-format chrome
	assert_contains "$ERR" "--timings-format: only with --timings FILE" "error"
	[ ! -e "$d/t.json" ] || fail "a timings file was left"
	rm -rf "$d"
}

test_kernel_fifo_is_refused_at_once() {
	[ -x "$VMM" ] || fail "$VMM missing: make build/bin/vmm"
	local d
	d=$(mktemp -d)
	mkfifo "$d/kernel"
	vmm_refuses 10 --kernel "$d/kernel"
	assert_contains "$ERR" "--kernel '$d/kernel': not a regular file" "error"
	rm -rf "$d"
}

test_initrd_fifo_is_refused_at_once() {
	[ -x "$VMM" ] || fail "$VMM missing: make build/bin/vmm"
	local d
	d=$(mktemp -d)
	mkfifo "$d/initrd"
	head -c 4096 /dev/zero >"$d/kernel"
	vmm_refuses 10 --kernel "$d/kernel" --initrd "$d/initrd"
	assert_contains "$ERR" "--initrd '$d/initrd': not a regular file" "error"
	rm -rf "$d"
}

test_directory_kernel_is_refused() {
	[ -x "$VMM" ] || fail "$VMM missing: make build/bin/vmm"
	vmm_refuses 10 --kernel /
	assert_contains "$ERR" "--kernel '/'" "error names the input"
}

# A fuzzer's finding (issue 14): an ELF whose e_phoff + e_phnum * 56 wraps
# past 2^64 was read far outside the header buffer.
test_elf_with_wrapping_phoff_is_refused() {
	[ -x "$VMM" ] || fail "$VMM missing: make build/bin/vmm"
	local d
	d=$(mktemp -d)
	{
		printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'
		# e_type EXEC, e_machine x86-64, version 1, entry 1 MiB
		printf '\x02\x00\x3e\x00\x01\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00'
		# e_phoff = 2^64 - 56, e_shoff 0
		printf '\xc8\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00'
		# flags, ehsize 64, phentsize 56, phnum 1, shentsize, shnum, shstrndx
		printf '\x00\x00\x00\x00\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00'
		head -c 4000 /dev/zero
	} >"$d/wrap.elf"
	vmm_refuses 10 --kernel "$d/wrap.elf"
	assert_contains "$ERR" "program headers missing" "error"
	rm -rf "$d"
}

run_tests "$@"
