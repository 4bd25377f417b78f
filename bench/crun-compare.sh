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
# Uses hyperfine -N when installed, else a loop of its own.
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
# median_ms NAME CMD...: run CMD RUNS times (after 3 warm-ups), print the
# median in ms on stdout.
median_ms() {
	local name=$1
	shift
	if command -v hyperfine >/dev/null; then
		hyperfine -N --style none --warmup 3 --runs "$RUNS" \
			--export-json "$WORK/$name.json" "$*" >/dev/null 2>&1 ||
			{ echo "FAILED"; return; }
		python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' \
			"$WORK/$name.json"
	else
		local i t0 t1
		for i in 1 2 3; do "$@" >/dev/null 2>&1 || { echo "FAILED"; return; }; done
		for ((i = 0; i < RUNS; i++)); do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || { echo "FAILED"; return; }
			t1=$(date +%s%N)
			echo $(((t1 - t0) / 1000))
		done | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1000}'
	fi
}

# In a private mount namespace with the unified hierarchy unmounted (the
# only way crun 1.8.1 runs on a hybrid host). Exported for the subshell.
export -f median_ms
export RUNS WORK B CONTAINER
in_v1_view() {
	unshare -m bash -c 'umount /sys/fs/cgroup/unified 2>/dev/null || true; '"$*"
}

echo "bundle: $B (crun spec, /bin/true, busybox-static rootfs); $RUNS runs each"
echo "host cgroups: $([ $hybrid = 1 ] && echo hybrid || stat -f -c %T /sys/fs/cgroup)"
printf '%-44s %10s\n' "command" "median ms"

t_true=$(median_ms true /bin/true)
printf '%-44s %10s\n' "/bin/true" "$t_true"
t_ours=$(median_ms ours "$CONTAINER" run --bundle "$B" bench-ours)
printf '%-44s %10s\n' "container run --bundle (this host's cgroups)" "$t_ours"
t_ours_v1=""
if [ $hybrid = 1 ]; then
	t_ours_v1=$(in_v1_view 'median_ms oursv1 "$CONTAINER" run --bundle "$B" bench-ours')
	printf '%-44s %10s\n' "container run --bundle (v1 view, as crun)" "$t_ours_v1"
fi
t_crun=FAILED
if command -v crun >/dev/null; then
	if [ $hybrid = 1 ]; then
		t_crun=$(in_v1_view 'median_ms crun crun run -b "$B" bench-crun')
	else
		t_crun=$(median_ms crun crun run -b "$B" bench-crun)
	fi
fi
printf '%-44s %10s\n' "crun run -b" "$t_crun"
t_runc=FAILED
if command -v runc >/dev/null; then
	t_runc=$(median_ms runc runc run -b "$B" bench-runc)
fi
printf '%-44s %10s\n' "runc run -b" "$t_runc"

ratio() { # a b
	case "$1$2" in *FAILED*|"") echo "n/a" ;; *) awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' ;; esac
}
echo "ratio ours/crun: $(ratio "$t_ours" "$t_crun") (target <= 0.30)"
[ -z "$t_ours_v1" ] || echo "ratio ours/crun, both in the v1 view: $(ratio "$t_ours_v1" "$t_crun")"
echo "ratio ours/runc: $(ratio "$t_ours" "$t_runc")"
