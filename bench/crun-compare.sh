#!/usr/bin/env bash
# crun-compare.sh: start-up time of build/bin/container against crun and
# runc, side by side, on the same OCI bundle (the default `crun spec`
# config.json: pid, network, ipc, uts and mount namespaces, the same mounts,
# masked and read-only paths, capabilities and rlimits; a busybox-static
# rootfs) running /bin/true. Prints each runtime's median by two harnesses
# (an interleaved loop of our own, and hyperfine -N when installed), the
# failed runs, and the ratios ours/crun and ours/runc. Needs root.
#
#   bench/crun-compare.sh [RUNS]      (default 30 runs, 3 warm-up runs)
#
# On a hybrid cgroup host (/sys/fs/cgroup/unified is cgroup2) crun 1.8.1
# refuses to run; there every runtime is measured inside one `unshare -m`
# after `umount /sys/fs/cgroup/unified`, which leaves them all the v1
# hierarchies (the unshare is in nobody's time).
#
# The ratio depends on the machine's load: crun's first write of a pid into
# cgroup.procs waits for an RCU grace period (the kernel's
# cgroup_threadgroup_rwsem), 0.03 to 11 ms here depending on what the other
# cores do, while ours writes "0" to tasks from the child and skips that
# lock. Compare ratios measured at the same load (the script prints it).
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
# Two harnesses on the same bundle, in the same place:
#  1. our loop: the runtimes interleaved (true, ours, crun, runc, then
#     ours, crun, runc, true: the order rotates each round), so that a change
#     in the machine's load hits all of them alike, and so does the teardown
#     the previous command left to the kernel (its network namespace is freed
#     by a kworker after it exited: with a fixed order crun always paid for
#     ours, and ours for /bin/true's nothing);
#     each run timed by bash's $EPOCHREALTIME around fork+exec+wait. A run
#     that fails is counted and reported, never timed as a fast run.
#  2. hyperfine -N (when installed): each runtime's runs back to back.
# On a hybrid host both run where crun can run: in one private mount
# namespace with the unified hierarchy unmounted, which leaves every runtime
# the same v1 hierarchies and puts the unshare in no runtime's time.
measure_all() { # prints "NAME MEDIAN_MS FAILED" lines, then "pair NAME RATIO"
	local i j name t0 t1 rc
	declare -A cmd=(
		[true]="/bin/true"
		[ours]="$CONTAINER run --bundle $B bench-ours-$$"
		[crun]="crun run -b $B bench-crun-$$"
		[runc]="runc run -b $B bench-runc-$$"
	)
	local names="true ours"
	command -v crun >/dev/null && names="$names crun"
	command -v runc >/dev/null && names="$names runc"
	for name in $names; do # warm-up, and fail early if one cannot run
		: >"$WORK/$name.times"
		: >"$WORK/$name.failed"
		for i in 1 2 3; do
			${cmd[$name]} >/dev/null 2>"$WORK/$name.err" || {
				echo "$name: $(head -c 200 "$WORK/$name.err")" >&2
				echo x >"$WORK/$name.failed"
				break
			}
		done
	done
	local -a order
	read -ra order <<<"$names"
	for ((i = 0; i < RUNS; i++)); do
		# rotated each round: a run pays for what the previous command
		# left the kernel to finish (a network namespace is torn down by
		# a kworker after its last process exits), so a fixed order would
		# charge each runtime for its predecessor's teardown
		for ((j = 0; j < ${#order[@]}; j++)); do
			name=${order[$(((i + j) % ${#order[@]}))]}
			[ -s "$WORK/$name.failed" ] && continue
			t0=$EPOCHREALTIME
			rc=0
			${cmd[$name]} >/dev/null 2>&1 </dev/null || rc=$?
			t1=$EPOCHREALTIME
			if [ "$rc" = 0 ]; then
				echo "$i $((${t1/./} - ${t0/./}))" >>"$WORK/$name.times"
			else
				echo "$i $rc" >>"$WORK/$name.failed"
			fi
		done
	done
	median() { sort -n | awk '{a[NR]=$1} END {if (!NR) exit; m = NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
	for name in $names; do
		local m
		m=$(awk '{print $2/1000}' "$WORK/$name.times" | median)
		echo "$name ${m:--} $(wc -l <"$WORK/$name.failed")"
	done
	# ours/other in each round, and the median of those ratios: a load
	# change between rounds then moves both runtimes of a pair alike
	for name in crun runc; do
		[ -s "$WORK/$name.times" ] || continue
		echo "pair-$name $(awk 'NR == FNR {a[$1] = $2; next} ($1 in a) {print a[$1] / $2}' \
			"$WORK/ours.times" "$WORK/$name.times" | median)"
	done
	if command -v hyperfine >/dev/null; then
		local hf=()
		for name in $names; do
			[ -s "$WORK/$name.failed" ] || hf+=("${cmd[$name]}")
		done
		hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$WORK/hf.json" \
			"${hf[@]}" >/dev/null 2>&1 &&
			jq -r '.results[] | "hf-\(.command | split(" ")[0] | split("/")[-1]) \(.median * 1000)"' \
				"$WORK/hf.json" | sed -e "s/^hf-$(basename "$CONTAINER") /hf-ours /"
	fi
}
export -f measure_all
export RUNS WORK B CONTAINER

echo "bundle: $B (crun spec, /bin/true, busybox-static rootfs); $RUNS runs each"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $hybrid = 1 ]; then
	echo "host cgroups: hybrid; measured in 'unshare -m' after 'umount /sys/fs/cgroup/unified' (crun needs it), all runtimes alike"
	results=$(unshare -m bash -c 'umount /sys/fs/cgroup/unified && measure_all')
else
	echo "host cgroups: $(stat -f -c %T /sys/fs/cgroup)"
	results=$(measure_all)
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
get() { echo "$results" | awk -v n="$1" '$1 == n && $2 != "-" {print $2}'; }
failed() { echo "$results" | awk -v n="$1" '$1 == n {print $3}'; }
show() { # NAME LABEL
	local f h
	f=$(failed "$1")
	if [ -z "$(get "$1")" ]; then
		printf '%-28s %12s %12s %12s\n' "$2" "FAILED" "" "${f:-}"
	else
		h=$(get "hf-$1")
		if [ -n "$h" ]; then h=$(printf %.2f "$h"); else h=n/a; fi
		printf '%-28s %12.2f %12s %12s\n' "$2" "$(get "$1")" "$h" "${f:-0}"
	fi
}
printf '%-28s %12s %12s %12s\n' "command" "loop median" "hyperfine" "failed runs"
show true "/bin/true"
show ours "container run --bundle"
show crun "crun run -b"
show runc "runc run -b"

ratio() { # a b
	case "$1/$2" in /* | */) echo "n/a" ;; *) awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' ;; esac
}
echo "ratio ours/crun: loop $(ratio "$(get ours)" "$(get crun)"), median of per-round ratios" \
	"$(get pair-crun | grep . || echo n/a), hyperfine $(ratio "$(get hf-ours)" "$(get hf-crun)") (target <= 0.30)"
echo "ratio ours/runc: loop $(ratio "$(get ours)" "$(get runc)"), median of per-round ratios" \
	"$(get pair-runc | grep . || echo n/a), hyperfine $(ratio "$(get hf-ours)" "$(get hf-runc)")"
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN {exit !(l > 1.5)}'; then
	echo "note: load average $load: crun's first pid write into cgroup.procs waits for an RCU grace"
	echo "      period that grows with the machine's load (ours writes 0 to tasks and has none),"
	echo "      while with the CPUs saturated ours/crun tends to the ratio of CPU time (~0.4 here:"
	echo "      perf stat -e task-clock); compare ratios measured at the same load"
fi
