#!/usr/bin/env bash
# Make the course's base image without Docker Hub: debootstrap a minimal
# Debian 12 (--variant=minbase) from Debian's archive and import it into the
# vclab image store as debian:bookworm-minbase (a one-layer image).
#
#   scripts/base-image.sh [--container BIN] [--mirror URL] [NAME]
#
# Built once: when NAME is already in the store it does nothing; the rootfs
# tarball is also kept in $VCLAB_CACHE (default /var/cache/vclab), so that an
# `image rm` or a fresh store needs no second debootstrap. VCLAB_STORE picks
# the store, as for `container`. Needs root and debootstrap.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
container=$here/build/bin/container
mirror=http://deb.debian.org/debian
name=debian:bookworm-minbase
while [ $# -gt 0 ]; do
	case "$1" in
	--container) container=$2; shift 2 ;;
	--mirror) mirror=$2; shift 2 ;;
	-h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "base-image.sh: unknown option '$1'" >&2; exit 2 ;;
	*) name=$1; shift ;;
	esac
done
[ -x "$container" ] || { echo "base-image.sh: $container is not built (run make)" >&2; exit 1; }

if "$container" image inspect "$name" >/dev/null 2>&1; then
	echo "base-image.sh: $name is in the store already"
	exit 0
fi

cache=${VCLAB_CACHE:-/var/cache/vclab}
tarball=$cache/bookworm-minbase.tar
if [ ! -s "$tarball" ]; then
	command -v debootstrap >/dev/null || { echo "base-image.sh: debootstrap is not installed (scripts/deps.sh registry)" >&2; exit 1; }
	mkdir -p "$cache"
	work=$(mktemp -d "$cache/.debootstrap.XXXXXX")
	# On every path: the half-made root and tarball go (debootstrap may leave
	# /proc or /sys mounted inside the root when it fails).
	cleanup() {
		{ grep -o " $work/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf "$work"
	}
	trap cleanup EXIT
	echo "base-image.sh: debootstrap --variant=minbase bookworm from $mirror (about a minute)"
	if ! debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1; then
		echo "base-image.sh: debootstrap failed: $(tail -n 1 "$work/log")" >&2
		exit 1
	fi
	# What a base image ships without: downloaded packages and the index.
	rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
	tar --numeric-owner --xattrs -C "$work/root" -cf "$work/rootfs.tar" .
	mv "$work/rootfs.tar" "$tarball"
	echo "base-image.sh: rootfs kept in $tarball ($(du -h "$tarball" | cut -f1))"
fi
"$container" image import "$tarball" "$name"
