#!/bin/sh
# /init of the test host (the L1 guest), run by busybox sh as PID 1.
# tests/testhost/run.sh copies it into the initramfs next to /testhost.conf
# (NONCE, STOCK_KERNEL, MODULES_KVM, MODULES_EXTRA) and /testhost-cmd (the
# command, as a bash script). Marker lines, all ending in the run's nonce so
# that test output cannot fake them, tell run.sh what happened:
#   VCLAB-TESTHOST-UP-<nonce> uptime=S   /init reached (stage 1)
#   VCLAB-TESTHOST-FATAL-<nonce> reason  the host could not be set up
#   VCLAB-TESTHOST-BEGIN-<nonce> ...     the command starts
#   VCLAB-TESTHOST-END-<nonce> status=N  the command ended with status N
# and, every 2 s through /dev/kmsg on the kernel's console (ttyS1, the
# kernel log file), a heartbeat:
#   VCLAB-TESTHOST-HB-<nonce> uptime=S at=FILE TEST
# (the test running, as tests/lib.sh writes it into $VCLAB_E2E_PROGRESS).
# run.sh counts the test host as frozen when the heartbeat stops.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null # written by run.sh
. /testhost.conf

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# Run only our own output on ttyS0 (the caller's stdout); the kernel's own
# console is ttyS1, which run.sh keeps in a log file.
say() { echo "$*" >/dev/ttyS0; }

# The end of the VM: poweroff goes through ACPI (QEMU exits); reboot is the
# fallback (QEMU runs with -no-reboot, so it exits too).
halt_vm() {
	sync
	poweroff -f
	reboot -f
	sleep 60
}

fatal() {
	say "VCLAB-TESTHOST-FATAL-$NONCE $*"
	halt_vm
}

mount_basics() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
}

# Stage 1: the initramfs is "rootfs", which pivot_root(2) cannot leave, so
# container runtimes would fail here. Bind-mount it on /newroot and move that
# mount over /: the new root is a real mount with a parent, as on a disk.
if [ "$$" = 1 ] && [ "${TESTHOST_STAGE:-1}" = 1 ]; then
	mount_basics
	stty -onlcr -echo <>/dev/ttyS0 2>/dev/null
	say "VCLAB-TESTHOST-UP-$NONCE uptime=$(uptime_s)"
	umount /proc /sys /dev
	mkdir -p /newroot
	mount --rbind / /newroot || fatal "bind mount of the root failed"
	cd /newroot || fatal "cd /newroot failed"
	mount --move . / || fatal "moving the root mount failed"
	export TESTHOST_STAGE=2
	exec chroot . /init
fi

# Stage 2: the real set-up.
mount_basics
mkdir -p /dev/pts /dev/shm /tmp /run
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
# devtmpfs has no /dev/fd or /dev/std*: bash's <(...) and tests need them.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
# A fresh devtmpfs is not seen when stdout still points at the old one.
exec </dev/null >/dev/ttyS0 2>&1

for ko in $MODULES_KVM; do
	insmod "$ko" || fatal "kvm: insmod $ko failed (see the kernel log)"
done
i=0
while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -c /dev/kvm ] || fatal "kvm: modules loaded but /dev/kvm did not appear"
# Optional modules the container tests use (overlayfs, veth): best effort.
for ko in $MODULES_EXTRA; do
	insmod "$ko" 2>/dev/null || echo "testhost: note: insmod $ko failed"
done

# A pure cgroup v2 hierarchy: no v1 hierarchy is ever mounted, so every
# controller is free to bind to v2.
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fatal "cgroup2: mount failed"
echo "+cpu +memory +pids +io" >/sys/fs/cgroup/cgroup.subtree_control ||
	fatal "cgroup2: cannot enable +cpu +memory +pids +io ($(cat /sys/fs/cgroup/cgroup.controllers))"

ip link set lo up || fatal "network: cannot bring up lo"
hostname testhost

export HOME=/root VCLAB_TESTHOST=1 VCLAB_ROOT=/vclab VCLAB_STOCK_KERNEL="$STOCK_KERNEL"
export VCLAB_E2E_PROGRESS=/run/vclab-progress
: >"$VCLAB_E2E_PROGRESS"

# The heartbeat: a line on the kernel console every 2 s, with the test that
# is running. If the L1 kernel stops (it has been seen to stop arming
# timers), the lines stop and run.sh, outside, notices. Its pid is in
# /run/vclab-heartbeat.pid (the harness' self-test stops it to play a
# freeze). Through /dev/kmsg at level 2 (shown despite `quiet`, written by
# the console's polled path), not through the tty of ttyS1, whose close can
# wait for the transmitter; printk_devkmsg=on lifts the rate limit.
echo on >/proc/sys/kernel/printk_devkmsg
heartbeat() {
	while :; do
		echo "<2>VCLAB-TESTHOST-HB-$NONCE uptime=$(uptime_s) at=$(cat "$VCLAB_E2E_PROGRESS")" >/dev/kmsg
		sleep 2
	done
}
heartbeat </dev/null >/dev/null 2>&1 &
echo $! >/run/vclab-heartbeat.pid
mkdir -p "$HOME"
cd /vclab || fatal "/vclab is missing"
say "VCLAB-TESTHOST-BEGIN-$NONCE uptime=$(uptime_s) kernel=$(uname -r)"
status=0
bash /testhost-cmd || status=$?
say "VCLAB-TESTHOST-END-$NONCE status=$status uptime=$(uptime_s)"
halt_vm
