#!/usr/bin/env bash
# Pack the workload as the only file of a Linux initramfs.
#
#   guest/mkinitramfs.sh WORKLOAD OUT.cpio.gz
#
# A newc cpio, gzip-compressed, holding one file: /init (mode 0755, owner
# 0:0, mtime 0), so the same workload always gives the same bytes. Nothing
# else is needed: the kernel's built-in initramfs already has /dev/console.
set -euo pipefail

prog=mkinitramfs.sh
if [ $# -ne 2 ] || [ "$1" = "--help" ]; then
	echo "usage: $prog WORKLOAD OUT.cpio.gz" >&2
	echo "  pack WORKLOAD as /init into a reproducible gzip newc cpio" >&2
	exit 2
fi
workload=$1 out=$2
if [ ! -f "$workload" ] || [ ! -r "$workload" ]; then
	echo "$prog: $workload: not a readable file" >&2
	exit 1
fi
case "$(head -c 4 "$workload" | od -An -tx1 | tr -d ' ')" in
7f454c46) ;;
*) echo "$prog: $workload: not an ELF executable" >&2; exit 1 ;;
esac

stage=$(mktemp -d)
tmp="$out.tmp.$$"
trap 'rm -rf "$stage"; rm -f "$tmp"' EXIT
cp "$workload" "$stage/init"
chmod 0755 "$stage/init"
touch -h -d @0 "$stage/init"
mkdir -p "$(dirname "$out")"
# --reproducible: inode and device numbers are renumbered from 0.
(cd "$stage" && printf 'init\n' | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$tmp"
mv "$tmp" "$out"
