#!/bin/bash
# Inside the test host: boot Debian's stock kernel N times in a row with the
# workload as /init, without `quiet` (the whole kernel log through the UART),
# and say how each boot ended. The probe behind the freeze counts in
# tests/testhost/README.md:
#
#   tests/testhost/run.sh -- bash tests/testhost/boot-loop.sh [N] [CPUS] [CMDLINE...]
#
# A boot that freezes the test host ends the whole run with status 123 (the
# heartbeat stops); the line names the boot.
set -u
n=${1:-3}
cpus=${2:-1}
shift 2 2>/dev/null || shift $#
vmm=${VCLAB_ROOT:-.}/build/bin/vmm
initrd=${VCLAB_ROOT:-.}/build/guest/initramfs.cpio.gz
fails=0
for i in $(seq 1 "$n"); do
	[ -z "${VCLAB_E2E_PROGRESS:-}" ] || echo "boot-loop boot $i of $n" >"$VCLAB_E2E_PROGRESS"
	t0=$EPOCHREALTIME
	rc=0
	"$vmm" run --kernel "$VCLAB_STOCK_KERNEL" --initrd "$initrd" --cpus "$cpus" --timeout 600 \
		--cmdline "console=ttyS0 reboot=k sha256=1 exit=3 $*" >/tmp/boot.out 2>/tmp/boot.err || rc=$?
	took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
	echo "boot $i of $n: status $rc (want 3) in $took s, $(wc -c </tmp/boot.out) bytes of console"
	[ "$rc" = 3 ] || { fails=$((fails + 1)); tail -n 3 /tmp/boot.err; }
done
echo "boot-loop: $((n - fails)) of $n boots finished"
[ "$fails" = 0 ]
