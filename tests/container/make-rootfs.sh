#!/bin/sh
# make-rootfs.sh DIR PROBE [WORKLOAD]: a minimal root file system for the
# container tests: busybox-static and its applet links, the probe at /probe,
# the workload at /workload. Rebuilt from scratch each time.
set -eu
dir=$1 probe=$2 workload=${3:-}
busybox=/bin/busybox
{ [ -x "$busybox" ] && "$busybox" --list >/dev/null 2>&1; } || {
	echo "make-rootfs.sh: $busybox missing: install busybox-static (scripts/deps.sh build)" >&2
	exit 1
}
ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || {
	echo "make-rootfs.sh: $busybox is not static: install busybox-static" >&2
	exit 1
}
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/proc" "$dir/sys" \
	"$dir/dev" "$dir/tmp" "$dir/etc" "$dir/root" "$dir/mnt"
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
cp "$probe" "$dir/probe"
[ -z "$workload" ] || cp "$workload" "$dir/workload"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
