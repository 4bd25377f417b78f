#!/usr/bin/env bash
# Run one command inside the test host: Debian's kernel under QEMU/TCG with
# kvm_amd loaded (real /dev/kvm through nested SVM) and a pure cgroup v2
# hierarchy. See tests/testhost/README.md.
#
#   tests/testhost/run.sh [--timeout SEC] [--mem SIZE] [--with PROG]... -- CMD [ARG...]
#
# Exit status: CMD's own status (a test failed: non-zero); 123 when the test
# host stopped under CMD (froze: no heartbeat; or crashed: qemu ended); 124
# when CMD ran past --timeout; 125 when the test host could not start
# (missing package, L1 kernel did not boot, kvm_amd did not load, ...). Each
# of 123, 124, 125 comes with one line starting "testhost: ERROR".
set -u

usage() {
	cat <<'EOF'
usage: tests/testhost/run.sh [OPTIONS] -- CMD [ARG...]

Boot Debian's kernel under qemu-system-x86_64 (TCG, -cpu max) with kvm_amd
loaded and a pure cgroup v2 hierarchy, run CMD with bash in /vclab (a copy of
build/{bin,guest,rootfs,bench,tests}, tests/, scripts/, docs/), print its
output on stdout, and exit with its status. Inside: VCLAB_TESTHOST=1,
VCLAB_ROOT=/vclab, VCLAB_STOCK_KERNEL=<path of Debian's kernel image>.

options:
  --timeout SEC   kill the test host after SEC seconds of CMD (default 1800);
                  exit status 124
  --mem SIZE      memory of the test host, QEMU syntax (default 2G)
  --with PROG     also copy host program PROG (and its libraries) into /usr/bin
  --keep-log      keep the temp dir (kernel log, initramfs) and print its path
  -h, --help      this text

environment:
  VCLAB_TESTHOST_KERNEL  kernel image to boot (default: newest /boot/vmlinuz-*
                         with kvm-amd.ko installed)
  VCLAB_TESTHOST_CPU     QEMU -cpu model (default: max, then EPYC)
  VCLAB_TESTHOST_BOOT_TIMEOUT  seconds until CMD starts (default 120)
  VCLAB_TESTHOST_WITH    more host programs to copy in, as with --with

  VCLAB_TESTHOST_HEARTBEAT_TIMEOUT  seconds without a heartbeat from the test
                         host before it counts as frozen (default 45)
  VCLAB_TESTHOST_APPEND  more words for the L1 kernel's command line
  VCLAB_TESTHOST_TICK    L1's tick options (default "nohz=off highres=off": a
                         periodic tick; set it empty to get the freezes back)
  VCLAB_TESTHOST_QEMU_ARGS  more qemu arguments (split on spaces), e.g. -smp 2
  VCLAB_TESTHOST_SYMBOLS  L1's symbols (a copy of its /proc/kallsyms) to name
                         where a frozen L1 is (default /boot/System.map-VER)

exit status (each of 123..125 with one line "testhost: ERROR: ..." on stderr):
  N    CMD's own status (0: it passed; other: a test failed)
  123  the test host froze (no heartbeat for the time above) or crashed (qemu
       ended) while CMD ran: the line names the test that was running
  124  CMD ran past --timeout
  125  the test host could not start
EOF
}

die() { # the test host could not start: one loud line, status 125
	echo "testhost: ERROR: $*" >&2
	exit 125
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
timeout_s=1800
mem=2G
with=()
keep_log=0
boot_timeout=${VCLAB_TESTHOST_BOOT_TIMEOUT:-120}
hb_timeout=${VCLAB_TESTHOST_HEARTBEAT_TIMEOUT:-45}

while [ $# -gt 0 ]; do
	case "$1" in
	--timeout)
		[ $# -ge 2 ] || die "--timeout needs a value"
		timeout_s=$2
		shift 2
		;;
	--mem)
		[ $# -ge 2 ] || die "--mem needs a value"
		mem=$2
		shift 2
		;;
	--with)
		[ $# -ge 2 ] || die "--with needs a program"
		with+=("$2")
		shift 2
		;;
	--keep-log) keep_log=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "testhost: unknown option '$1' (see --help)" >&2; exit 125 ;;
	esac
done
[ $# -gt 0 ] || { echo "testhost: no command given (usage: run.sh [OPTIONS] -- CMD [ARG...])" >&2; exit 125; }
case "$timeout_s" in '' | *[!0-9]*) die "--timeout '$timeout_s' is not a number of seconds" ;; esac
case "$mem" in [0-9]*[MG] | [0-9]*) ;; *) die "--mem '$mem' is not a size like 2G or 1536M" ;; esac
case "$hb_timeout" in '' | *[!0-9]* | 0) die "VCLAB_TESTHOST_HEARTBEAT_TIMEOUT '$hb_timeout' is not a number of seconds" ;; esac

# --- prerequisites -----------------------------------------------------------
need_pkg() { # PACKAGE PATH...: fail naming the package when no PATH exists
	local pkg=$1 p
	shift
	for p in "$@"; do [ -e "$p" ] && return 0; done
	die "package '$pkg' is missing ($1 not found); install it with: scripts/deps.sh testhost (as root)"
}
need_pkg qemu-system-x86 /usr/bin/qemu-system-x86_64
need_pkg busybox-static /bin/busybox
need_pkg cpio /usr/bin/cpio /bin/cpio
need_pkg jq /usr/bin/jq
need_pkg bash /bin/bash
ldd /bin/busybox >/dev/null 2>&1 &&
	die "package 'busybox-static' is missing (/bin/busybox is dynamically linked); install it with: scripts/deps.sh testhost (as root)"

find_kernel() { # newest /boot/vmlinuz-VER whose modules include kvm-amd.ko
	local k ver
	for k in $(printf '%s\n' /boot/vmlinuz-* | sort -r -V); do
		ver=${k#/boot/vmlinuz-}
		[ -f "/lib/modules/$ver/kernel/arch/x86/kvm/kvm-amd.ko" ] && { echo "$k"; return 0; }
	done
	return 1
}
kernel=${VCLAB_TESTHOST_KERNEL:-$(find_kernel)} ||
	die "package 'linux-image-amd64' is missing (no /boot/vmlinuz-* with kvm-amd.ko); install it with: scripts/deps.sh testhost (as root)"
[ -r "$kernel" ] || die "kernel image '$kernel' is not readable (run as root: Debian's /boot/vmlinuz-* is mode 0600)"
kver=${kernel##*/vmlinuz-}
# L1 boots with nokaslr: a /proc/kallsyms taken from one test host names the
# frozen CPU's RIP (Debian's System.map is a stub).
symbols=${VCLAB_TESTHOST_SYMBOLS:-/boot/System.map-$kver}
moddir=/lib/modules/$kver/kernel
modules_kvm="virt/lib/irqbypass.ko drivers/crypto/ccp/ccp.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko"
modules_extra="fs/overlayfs/overlay.ko drivers/net/veth.ko"
for m in $modules_kvm; do
	[ -f "$moddir/$m" ] || die "module $moddir/$m is missing (compressed modules are not supported); reinstall linux-image-$kver"
done

# --- temp dir, cleaned up on every path ----------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vclab-testhost.XXXXXX") || die "cannot create a temp dir"
qemu_pid=""
# shellcheck disable=SC2317 # called by the traps below
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	if [ "$keep_log" = 1 ]; then
		echo "testhost: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "testhost: interrupted" >&2; exit 130' INT
trap 'echo "testhost: terminated" >&2; exit 143' TERM

# --- the initramfs -----------------------------------------------------------
fs=$tmp/root

# Copy host file SRC into the initramfs at its own path (usr-merged: /bin,
# /sbin, /lib, /lib64 are links into /usr there, as on Debian 12).
in_fs_path() {
	case "$1" in
	/usr/*) echo "$fs$1" ;;
	*) echo "$fs/usr$1" ;;
	esac
}
copy_host_file() {
	local dst
	dst=$(in_fs_path "$1")
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")" && cp -L "$1" "$dst"
}

# The shared libraries (and dynamic loader) of every dynamic ELF given.
copy_libs_of() {
	local f lib
	for f in "$@"; do
		# ldd fails on static binaries and scripts: nothing to copy then.
		for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\// {print $1}'); do
			copy_host_file "$lib" || die "cannot copy $lib (needed by $f)"
		done
	done
}

build_initramfs() {
	local d p payload_elves=()
	mkdir -p "$fs"/usr/{bin,sbin,lib,lib64} "$fs"/{dev,proc,sys,tmp,run,root,etc,vclab,newroot}
	for d in bin sbin lib lib64; do ln -s "usr/$d" "$fs/$d"; done
	cp /bin/busybox "$fs/usr/bin/busybox"
	copy_host_file /bin/bash
	copy_host_file /usr/bin/jq
	# shellcheck disable=SC2206 # a list of program names, split on spaces
	with+=(${VCLAB_TESTHOST_WITH:-})
	for p in "${with[@]+"${with[@]}"}"; do
		d=$(command -v "$p") || die "--with $p: no such program on this host"
		cp -L "$d" "$fs/usr/bin/$(basename "$d")"
		copy_libs_of "$d"
	done
	copy_libs_of /bin/bash /usr/bin/jq
	# glibc loads libgcc_s at run time for unwinding (pthread_cancel, ASan).
	p=/lib/x86_64-linux-gnu/libgcc_s.so.1
	[ ! -e "$p" ] || copy_host_file "$p"
	# Busybox applets, but never over a real program copied above.
	busybox --list-full | while read -r p; do
		d=$(in_fs_path "/$p")
		[ -e "$d" ] || { mkdir -p "$(dirname "$d")" && ln -s /usr/bin/busybox "$d"; }
	done
	echo "root:x:0:0:root:/root:/bin/bash" >"$fs/etc/passwd"
	echo "root:x:0:" >"$fs/etc/group"
	printf '127.0.0.1 localhost testhost\n::1 localhost\n' >"$fs/etc/hosts"

	mkdir -p "$fs/testhost-modules"
	for p in $modules_kvm $modules_extra; do
		[ -f "$moddir/$p" ] && cp "$moddir/$p" "$fs/testhost-modules/"
	done
	mkdir -p "$fs/boot"
	cp "$kernel" "$fs/boot/" || die "cannot copy $kernel"

	# The repository payload: built artifacts and the test/script/doc files,
	# never build/obj, build/asan or a kernel tree.
	for d in build/bin build/guest build/rootfs build/bench build/tests tests scripts docs; do
		[ -e "$root/$d" ] || continue
		mkdir -p "$fs/vclab/$(dirname "$d")"
		cp -a "$root/$d" "$fs/vclab/$d" || die "cannot copy $d into the test host"
	done
	for d in build/bin build/bench build/tests; do
		[ -d "$fs/vclab/$d" ] || continue
		while IFS= read -r p; do payload_elves+=("$p"); done < <(find "$fs/vclab/$d" -type f -perm -u+x)
	done
	copy_libs_of "${payload_elves[@]+"${payload_elves[@]}"}"

	cp "$here/init.sh" "$fs/init"
	chmod 755 "$fs/init"
	{
		echo "NONCE=$nonce"
		echo "STOCK_KERNEL=/boot/$(basename "$kernel")"
		printf 'MODULES_KVM="'
		for p in $modules_kvm; do printf '/testhost-modules/%s ' "$(basename "$p")"; done
		printf '"\nMODULES_EXTRA="'
		for p in $modules_extra; do [ -f "$moddir/$p" ] && printf '/testhost-modules/%s ' "$(basename "$p")"; done
		printf '"\n'
	} >"$fs/testhost.conf"
	{
		echo "cd /vclab"
		printf 'exec'
		printf ' %q' "$@"
		echo
	} >"$fs/testhost-cmd"
	# The kernel gives /init its first console from /dev/console.
	[ "$(id -u)" = 0 ] && mknod -m 600 "$fs/dev/console" c 5 1
	(cd "$fs" && find . -mindepth 1 | cpio -o -H newc --quiet >"$tmp/initramfs.cpio") ||
		die "cpio failed while building the initramfs"
}

nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
t_build=$EPOCHREALTIME
build_initramfs "$@"
echo "testhost: initramfs $(($(stat -c %s "$tmp/initramfs.cpio") / 1048576)) MiB built in $(awk -v a="$t_build" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s" >&2

# --- boot and watch ----------------------------------------------------------
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }

# qemu_cpu_s: the CPU time qemu has used so far, in seconds (utime + stime).
qemu_cpu_s() {
	local f
	read -r -a f <"/proc/$qemu_pid/stat" 2>/dev/null || { echo 0; return; }
	# fields 14 and 15 (utime, stime); the command name in field 2 has no spaces
	echo $(((f[13] + f[14]) / $(getconf CLK_TCK)))
}

# last_heartbeat_at: what the test host's last heartbeat said was running
# (the e2e runner writes "FILE TEST" into it before each test).
last_heartbeat_at() {
	local l
	l=$(tail -c 4096 "$tmp/kernel.log" 2>/dev/null | tr -d '\r' | grep -a "VCLAB-TESTHOST-HB-$nonce" | tail -n 1)
	l=${l#*" at="}
	echo "${l:-the command, before its first test}"
}

# boot CPU: run QEMU and stream the command's output. Sets $outcome to one
# of: finished (with $status), nokvm, fatal, noboot, timeout, froze, qemu.
#
# The test host writes a heartbeat line to its second serial port (the
# kernel log file) every 2 s. After the command began, no growth of that file
# for $hb_timeout s means L1 stopped (seen: its kernel stops arming timers,
# so nothing inside it, not even a time-out, can fire any more).
boot() {
	local cpu=$1 line got buf="" t0 up_at="" began=0 deadline now last_sec=0
	local log_size=0 size beat_at cpu_at
	shift
	rm -f "$tmp/serial" "$tmp/kernel.log" "$tmp/early.log"
	mkfifo "$tmp/serial"
	t0=$EPOCHREALTIME
	# nohz=off highres=off: L1's tick is the local APIC timer in periodic
	# mode, which qemu re-arms by itself. Under qemu 7.2's TCG with nested
	# SVM, L1 was seen halted with its one-shot timer interrupt pending in
	# the APIC (IRR 236, PPR 0x10) but never signalled to the CPU, and no
	# timer armed any more: a lost wake-up that froze L1 for good. A periodic
	# tick raises the line again 4 ms later (README: "Freezes of L1").
	# shellcheck disable=SC2086 # extra qemu words, split on spaces
	qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m "$mem" \
		-nographic -no-reboot -monitor none -nic none \
		-qmp "unix:$tmp/qmp.sock,server=on,wait=off" \
		-serial stdio -serial "file:$tmp/kernel.log" \
		-kernel "$kernel" -initrd "$tmp/initramfs.cpio" \
		-append "console=ttyS1 quiet panic=-1 cgroup_no_v1=all nokaslr ${VCLAB_TESTHOST_TICK-nohz=off highres=off} ${VCLAB_TESTHOST_APPEND:-}" \
		${VCLAB_TESTHOST_QEMU_ARGS:-} \
		</dev/null >"$tmp/serial" 2>"$tmp/qemu.err" &
	qemu_pid=$!
	exec 3<"$tmp/serial"
	deadline=$((${t0%.*} + boot_timeout))
	beat_at=${t0%.*}
	cpu_at=0
	outcome=qemu
	while :; do
		got=1
		if IFS= read -r -t 1 line <&3; then
			line=$buf$line
			buf=""
		else
			# Timeout (status > 128): keep the partial line; EOF: QEMU ended.
			[ $? -gt 128 ] || break
			buf=$buf$line
			got=0
		fi
		now=${EPOCHREALTIME%.*}
		if [ "$now" -ge "$deadline" ]; then
			[ $began = 1 ] && outcome=timeout || outcome=noboot
			break
		fi
		# once a second: is the heartbeat still coming?
		if [ $began = 1 ] && [ "$now" != "$last_sec" ]; then
			last_sec=$now
			size=$(stat -c %s "$tmp/kernel.log" 2>/dev/null || echo 0)
			if [ "$size" != "$log_size" ]; then
				log_size=$size beat_at=$now cpu_at=$(qemu_cpu_s)
			elif [ $((now - beat_at)) -ge "$hb_timeout" ]; then
				froze_at=$(last_heartbeat_at)
				froze_for=$((now - beat_at))
				froze_cpu=$(($(qemu_cpu_s) - cpu_at))
				outcome=froze
				# where L1's CPU is, for the record (python3 is a build dependency)
				if command -v python3 >/dev/null; then
					echo "testhost: L1 frozen; its CPU, sampled through qemu (symbols: $symbols):" >&2
					python3 "$here/l1-state.py" "$tmp/qmp.sock" "$symbols" 4 >&2
				fi
				break
			fi
		fi
		[ $got = 1 ] || continue
		line=${line%$'\r'}
		case "$line" in
		*"VCLAB-TESTHOST-UP-$nonce"*)
			up_at=$(elapsed "$t0")
			echo "testhost: test host up in $up_at s (L1 reached /init, -cpu $cpu)" >&2
			;;
		*"VCLAB-TESTHOST-FATAL-$nonce"*)
			fatal_msg=${line#*"VCLAB-TESTHOST-FATAL-$nonce "}
			case "$fatal_msg" in kvm:*) outcome=nokvm ;; *) outcome=fatal ;; esac
			break
			;;
		*"VCLAB-TESTHOST-BEGIN-$nonce"*)
			began=1
			line="$*"
			[ ${#line} -le 240 ] || line="${line:0:240}..."
			echo "testhost: running '$line' (set-up done $(elapsed "$t0") s after start)" >&2
			deadline=$((${EPOCHREALTIME%.*} + timeout_s))
			beat_at=${EPOCHREALTIME%.*}
			;;
		*"VCLAB-TESTHOST-END-$nonce status="*)
			# Output without a final newline shares the marker's line.
			[ -z "${line%%VCLAB-TESTHOST-END-*}" ] || printf '%s\n' "${line%%VCLAB-TESTHOST-END-*}"
			status=${line#*status=}
			status=${status%% *}
			outcome=finished
			break
			;;
		*)
			if [ $began = 1 ]; then
				printf '%s\n' "$line"
			else
				printf '%s\n' "$line" >>"$tmp/early.log"
			fi
			;;
		esac
	done
	[ -n "$buf" ] && [ $began = 1 ] && printf '%s\n' "$buf"
	exec 3<&-
	# After QEMU ended on its own (EOF) and the command had begun: a crash.
	if [ "$outcome" = qemu ] && [ $began = 1 ]; then
		outcome=crashed
		froze_at=$(last_heartbeat_at)
	fi
	# The VM powers itself off after the end marker; give it a moment.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$outcome" = finished ] || break
		kill -0 "$qemu_pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$qemu_pid" 2>/dev/null
	wait "$qemu_pid" 2>/dev/null
	qemu_pid=""
	run_s=$(elapsed "$t0")
}

show_logs() {
	# Our own kill of QEMU is no news.
	sed -i '/terminating on signal/d' "$tmp/qemu.err"
	if [ -s "$tmp/qemu.err" ]; then
		echo "testhost: qemu said:" >&2
		tail -n 20 "$tmp/qemu.err" | sed 's/^/    /' >&2
	fi
	if [ "$outcome" != timeout ] && [ -s "$tmp/early.log" ]; then
		echo "testhost: test host output before the command:" >&2
		tail -n 20 "$tmp/early.log" | sed 's/^/    /' >&2
	fi
	if [ -s "$tmp/kernel.log" ]; then
		echo "testhost: last lines of the L1 kernel log:" >&2
		tail -n 30 "$tmp/kernel.log" | tr -d '\r' | sed 's/^/    /' >&2
	fi
}

cpus=${VCLAB_TESTHOST_CPU:-max EPYC}
fatal_msg=""
status=""
for cpu in $cpus; do
	boot "$cpu" "$@"
	case "$outcome" in
	finished) break ;;
	nokvm) echo "testhost: kvm_amd did not load with -cpu $cpu: $fatal_msg" >&2 ;;
	qemu)
		# QEMU exited before the command ended: it may refuse this -cpu.
		[ -s "$tmp/early.log" ] || [ -s "$tmp/kernel.log" ] ||
			{ echo "testhost: qemu refused -cpu $cpu: $(head -n 1 "$tmp/qemu.err")" >&2; continue; }
		break
		;;
	*) break ;;
	esac
done

case "$outcome" in
finished)
	echo "testhost: command exited $status; whole run $run_s s" >&2
	exit "$status"
	;;
nokvm) show_logs; die "kvm_amd does not load in the test host (tried -cpu: $cpus): $fatal_msg" ;;
fatal) show_logs; die "test host set-up failed: $fatal_msg" ;;
noboot) show_logs; die "the L1 kernel did not boot: no /init marker within $boot_timeout s ($kernel)" ;;
timeout)
	show_logs
	echo "testhost: ERROR: command timed out after $timeout_s s: $*" >&2
	exit 124
	;;
froze)
	show_logs
	idle="busy: L1 spins"
	[ "$froze_cpu" -ge $((froze_for / 4)) ] || idle="idle: L1 waits"
	echo "testhost: ERROR: the test host froze during $froze_at (no heartbeat for $froze_for s; qemu used $froze_cpu s of CPU then, $idle)" >&2
	exit 123
	;;
crashed)
	show_logs
	echo "testhost: ERROR: the test host crashed during $froze_at (the last test its heartbeat named; qemu ended after $run_s s; see the kernel log above)" >&2
	exit 123
	;;
*) show_logs; die "qemu ended before the command finished (after $run_s s)" ;;
esac
