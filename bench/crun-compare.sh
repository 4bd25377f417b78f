#!/usr/bin/env bash
# crun-compare.sh: start-up time of build/bin/container against crun and
# runc, side by side, on the same OCI bundle (the default `crun spec`
# config.json: pid, network, ipc, uts and mount namespaces, the same mounts,
# masked and read-only paths, capabilities and rlimits; a busybox-static
# rootfs) running /bin/true. Prints each runtime's median and the ratio
# ours/crun. Needs root.
#
#   bench/crun-compare.sh [RUNS]      (default 30 runs, 3 warm-up runs)
#
# On a hybrid cgroup host (/sys/fs/cgroup/unified is cgroup2) crun 1.8.1
# refuses to run; there it is measured inside `unshare -m` after
# `umount /sys/fs/cgroup/unified`, which leaves it the v1 hierarchies.
# The three are timed interleaved by a loop of our own; on a hybrid host
# ours is also timed alone with hyperfine -N (when installed) in the host's
# own cgroup layout.
set -euo pipefail

RUNS=${1:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONTAINER=${CONTAINER:-$ROOT/build/bin/container}
WORK=$(mktemp -d /tmp/vclab-crun-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

die() { echo "crun-compare: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$CONTAINER" ] || die "$CONTAINER missing: make build/bin/container"
[ -x /bin/busybox ] || die "/bin/busybox missing: apt-get install busybox-static"

# --- the bundle -----------------------------------------------------------
B=$WORK/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp"
cp /bin/busybox "$B/rootfs/bin/busybox"
for a in sh true; do ln -s busybox "$B/rootfs/bin/$a"; done
if command -v crun >/dev/null; then
	(cd "$B" && crun spec)
elif command -v runc >/dev/null; then
	(cd "$B" && runc spec)
else
	(cd "$B" && "$CONTAINER" spec)
fi
# no terminal (we run from a script), the program is /bin/true
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's/"sh"$/"\/bin\/true"/' -e 's/"sh" *\]/"\/bin\/true" ]/' "$B/config.json"
grep -q '"/bin/true"' "$B/config.json" || die "could not set args in $B/config.json"

hybrid=0
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then hybrid=1; fi

# --- measuring ------------------------------------------------------------
# The runtimes are measured interleaved (ours, crun, runc, /bin/true, then
# again), so that a change in the machine's load hits all of them alike.
# Each run is timed by bash's $EPOCHREALTIME around fork+exec+wait. On a
# hybrid host the whole loop runs where crun can run: in a private mount
# namespace with the unified hierarchy unmounted, which leaves every runtime
# the same v1 hierarchies.
measure_all() { # prints "NAME MEDIAN_MS" lines
	local i name t0 t1
	declare -A cmd=(
		[true]="/bin/true"
		[ours]="$CONTAINER run --bundle $B bench-ours"
		[crun]="crun run -b $B bench-crun"
		[runc]="runc run -b $B bench-runc"
	)
	local names="true ours"
	command -v crun >/dev/null && names="$names crun"
	command -v runc >/dev/null && names="$names runc"
	for name in $names; do # warm-up, and fail early if one cannot run
		for i in 1 2 3; do
			${cmd[$name]} >/dev/null 2>"$WORK/$name.err" || { echo "$name FAILED"; break; }
		done
	done
	for ((i = 0; i < RUNS; i++)); do
		for name in $names; do
			t0=$EPOCHREALTIME
			${cmd[$name]} >/dev/null 2>&1 || true
			t1=$EPOCHREALTIME
			echo "${t0/./} ${t1/./}" >>"$WORK/$name.times"
		done
	done
	for name in $names; do
		[ -s "$WORK/$name.times" ] || continue
		awk '{print $2 - $1}' "$WORK/$name.times" | sort -n |
			awk -v n="$name" '{a[NR]=$1} END {m = NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%s %.2f\n", n, m/1000}'
	done
}
export -f measure_all
export RUNS WORK B CONTAINER

echo "bundle: $B (crun spec, /bin/true, busybox-static rootfs); $RUNS interleaved runs each"
if [ $hybrid = 1 ]; then
	echo "host cgroups: hybrid; measured in 'unshare -m' after 'umount /sys/fs/cgroup/unified' (crun needs it)"
	results=$(unshare -m bash -c 'umount /sys/fs/cgroup/unified && measure_all')
else
	echo "host cgroups: $(stat -f -c %T /sys/fs/cgroup)"
	results=$(measure_all)
fi
get() { echo "$results" | awk -v n="$1" '$1 == n {print $2}'; }
printf '%-40s %10s\n' "command" "median ms"
printf '%-40s %10s\n' "/bin/true" "$(get true)"
printf '%-40s %10s\n' "container run --bundle" "$(get ours)"
printf '%-40s %10s\n' "crun run -b" "$(get crun)"
printf '%-40s %10s\n' "runc run -b" "$(get runc)"
if [ $hybrid = 1 ] && command -v hyperfine >/dev/null; then
	hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$WORK/hybrid.json" \
		"$CONTAINER run --bundle $B bench-ours" >/dev/null 2>&1 &&
		printf '%-40s %10s\n' "container run --bundle, hybrid (hyperfine)" \
			"$(jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$WORK/hybrid.json")"
fi

ratio() { # a b
	case "$1/$2" in *FAILED* | /* | */) echo "n/a" ;; *) awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' ;; esac
}
echo "ratio ours/crun: $(ratio "$(get ours)" "$(get crun)") (target <= 0.30)"
echo "ratio ours/runc: $(ratio "$(get ours)" "$(get runc)")"
