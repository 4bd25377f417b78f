#!/usr/bin/env bash
# Build the minimal guest kernel from Debian's linux-source-6.1 package.
#
#   guest/build-kernel.sh OUT_BZIMAGE
#
# Steps: unpack the source once under $KBUILD_DIR (build/kernel), configure
# out of the source tree (`make tinyconfig`, merge guest/kernel.config,
# `make olddefconfig`), check that every option of the fragment survived,
# then `make bzImage`. It prints one line per phase; the full kernel log is
# $KBUILD_DIR/build.log, and its tail is printed when the build fails.
# Re-running is cheap: kbuild recompiles only what the new .config changes.
set -euo pipefail

prog=build-kernel.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KSRC_TAR=${KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
KBUILD_DIR=${KBUILD_DIR:-build/kernel}
FRAGMENT=${FRAGMENT:-$here/kernel.config}
JOBS=${JOBS:-$(nproc)}

if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
	cat >&2 <<USAGE
usage: $prog OUT_BZIMAGE
  Build the minimal vclab guest kernel and copy its bzImage to OUT_BZIMAGE
  (and its .config to OUT_BZIMAGE.config).
  Environment: KSRC_TAR (default /usr/src/linux-source-6.1.tar.xz, from the
  Debian package linux-source-6.1), KBUILD_DIR (default build/kernel),
  FRAGMENT (default guest/kernel.config), JOBS (default: number of CPUs).
USAGE
	exit 2
fi
out=$1

die() {
	echo "$prog: $*" >&2
	exit 1
}

# Called from vclab's make: its flags and command-line variables (CC=,
# CFLAGS=, BUILD=) travel in MAKEFLAGS and must not leak into kbuild.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

mkdir -p "$KBUILD_DIR"
KBUILD_DIR=$(cd "$KBUILD_DIR" && pwd)
src=$KBUILD_DIR/src
obj=$KBUILD_DIR/obj
log=$KBUILD_DIR/build.log
start=$SECONDS

phase() {
	printf '[kernel %4ds] %s\n' $((SECONDS - start)) "$*"
}

# A second `make` (another engineer, CI) waits here instead of building the
# same tree at the same time.
exec 9>"$KBUILD_DIR/.lock"
if ! flock -n 9; then
	phase "another kernel build is running; waiting for it"
	flock 9
fi

unpack_source() {
	[ -f "$src/.unpacked" ] && return 0
	[ -r "$KSRC_TAR" ] || die "$KSRC_TAR: cannot read the kernel source (install the Debian package linux-source-6.1: scripts/deps.sh guest)"
	phase "unpacking $KSRC_TAR"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$KSRC_TAR" -C "$src" --strip-components=1 || die "$KSRC_TAR: cannot unpack"
	touch "$src/.unpacked"
}

# kmake TARGET...: make in the source tree, objects under $obj, output
# appended to the log.
kmake() {
	make -C "$src" O="$obj" ARCH=x86_64 -j"$JOBS" "$@" >>"$log" 2>&1
}

fail_with_log() {
	echo "$prog: $1 failed; last lines of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
}

configure() {
	phase "configuring: tinyconfig + $(basename "$FRAGMENT")"
	mkdir -p "$obj"
	kmake tinyconfig || fail_with_log "make tinyconfig"
	# -m: merge only; olddefconfig below resolves the dependencies.
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$FRAGMENT") >>"$log" 2>&1 ||
		fail_with_log "merge_config.sh"
	kmake olddefconfig || fail_with_log "make olddefconfig"
	phase "checking that every option of the fragment survived"
	"$here/check-config.sh" "$FRAGMENT" "$obj/.config" >/dev/null ||
		die "stopped: fix $FRAGMENT (an option above lacks a dependency or does not exist in 6.1)"
}

# Compile, turning kbuild's one line per file into one line per phase (and
# a count every 200 files, so a 4-minute build shows it is alive).
show_progress() {
	local n=0 line
	while IFS= read -r line; do
		printf '%s\n' "$line" >&8
		case "$line" in
		"  CC "* | "  AS "*)
			n=$((n + 1))
			[ $((n % 200)) -ne 0 ] || phase "compiled $n files"
			;;
		"  LD      vmlinux") phase "linking vmlinux ($n files compiled)" ;;
		"  LZ4 "* | "  GZIP "* | "  XZKERN "*) phase "compressing: ${line##* }" ;;
		"  BUILD   arch/x86/boot/bzImage") phase "assembling bzImage" ;;
		esac
	done
}

compile() {
	phase "compiling (full log: $log)"
	exec 8>>"$log"
	make -C "$src" O="$obj" ARCH=x86_64 -j"$JOBS" bzImage 2>&1 | show_progress ||
		fail_with_log "make bzImage"
	exec 8>&-
}

unpack_source
: >"$log"
configure
compile
mkdir -p "$(dirname "$out")"
# The .config travels with the image (tests check it where build/kernel is
# not copied, e.g. in the test host). Copy, then rename: a VM starting now
# never reads half an image.
cp "$obj/.config" "$out.config"
cp "$obj/arch/x86/boot/bzImage" "$out.tmp"
mv "$out.tmp" "$out"
phase "done: $out ($(stat -c %s "$out") bytes)"
