#!/bin/sh
# Install the Debian packages vclab needs, by group. The only place that
# installs anything: Makefile targets call it. As root it runs apt-get; as
# anyone else it prints the exact command and fails.
#
#   scripts/deps.sh build testhost guest bench
#   scripts/deps.sh --check build guest   only check: print the one line to run
#                                          and fail when something is missing
set -eu
check_only=0
if [ "${1:-}" = --check ]; then
	check_only=1
	shift
fi

# Compilers, libraries and lint; with the checkers the host tests call
# (python3, file, xmllint), so that none of their checks is skipped.
pkgs_build="gcc make libc6-dev libcap-dev libjansson-dev libarchive-dev libacl1-dev zlib1g-dev libssl-dev libcurl4-openssl-dev libcmocka-dev libseccomp-dev pkg-config libxml2-utils busybox-static clang-format cppcheck shellcheck python3 file"
# libFuzzer harnesses (tests/fuzz/, `make fuzz`; `make test` runs them
# briefly): clang and its runtime libraries, libFuzzer among them.
pkgs_fuzz="clang libclang-rt-14-dev"
# The test host: Debian's kernel under QEMU TCG, where kvm_amd gives real KVM.
# procps: pgrep, the harness self-test's check for a qemu left running.
pkgs_testhost="qemu-system-x86 linux-image-amd64 busybox-static cpio bash jq procps"
# The minimal guest kernel is built from Debian's kernel source.
pkgs_guest="linux-source-6.1 bc bison flex libelf-dev libssl-dev xz-utils cpio gzip lz4"
# The registry tests (tests/e2e/registry.sh): a real registry, the tools on
# the other side, htpasswd for basic auth; debootstrap for the course
# example's base image (scripts/base-image.sh); curl and jq for lab 4's registry step.
pkgs_registry="docker-registry skopeo umoci apache2-utils python3 debootstrap curl jq"
# Peers the bench compares against; hyperfine for bench/crun-compare.sh.
pkgs_bench="runc crun qemu-system-x86 busybox-static hyperfine"
# Real engines that drive the runtime in tests/e2e/engines.sh (runc is
# their reference there); util-linux's script(1) gives `run -t` a terminal.
pkgs_engines="podman conmon docker.io runc util-linux"

want=""
for group in "$@"; do
	case "$group" in
	build) want="$want $pkgs_build $pkgs_fuzz" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	testhost) want="$want $pkgs_testhost" ;;
	guest) want="$want $pkgs_guest" ;;
	bench) want="$want $pkgs_bench" ;;
	registry) want="$want $pkgs_registry" ;;
	engines) want="$want $pkgs_engines" ;;
	*) echo "deps.sh: unknown group '$group' (build, fuzz, testhost, guest, bench, registry, engines)" >&2; exit 2 ;;
	esac
done

# One dpkg-query for all of them (make runs this check on every call).
# shellcheck disable=SC2086 # one word per package
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $want 2>/dev/null | awk '/ ok installed$/ {print $1}')
missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	printf '%s\n' "$installed" | grep -qxF "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$check_only" = 1 ]; then
	echo "missing Debian packages:$missing; run: make deps (as root), or: apt-get update && $cmd" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once if they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	apt-get update -q
fi
# shellcheck disable=SC2086 # one word per package
apt-get install -q -y --no-install-recommends $missing
