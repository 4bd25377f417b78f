#!/usr/bin/env bash
# crun-compare.sh: start-up time of build/bin/container against crun and
# runc, side by side, on the same OCI bundle (the default `crun spec`
# config.json: pid, network, ipc, uts and mount namespaces, the same mounts,
# masked and read-only paths, capabilities and rlimits; a busybox-static
# rootfs) running /bin/true. Prints each runtime's median by three
# harnesses (an interleaved loop of our own and hyperfine -N, both with a
# pause before each run, and hyperfine -N back to back), the kernel's floor
# (build/bin/ns-floor: clone3 with the same namespaces, exec, wait), the
# failed runs, and the ratios ours/crun and ours/runc. Needs root.
#
#   bench/crun-compare.sh [RUNS]      (default 30 runs, 3 warm-up runs)
#   GAP=0.1                           seconds of pause before each spaced run
#
# Why a pause: a run is not independent of the one before it. crun's first
# write of a pid into cgroup.procs takes the kernel's
# cgroup_threadgroup_rwsem for writing, whose rcu_sync waits for an RCU
# grace period (10-15 ms here: `perf trace --duration 2` shows that one
# write) unless another writer used it less than a grace period ago. Back
# to back (as hyperfine runs it by default) each crun run finds the lock
# still in its fast state and skips the wait (<0.5 ms); an isolated start,
# what a user or an engine starting one container pays, never does. The
# previous run's network namespace is also still being freed by a kworker.
# So the spaced figures are the start-up latency; the back-to-back column
# is a burst, shown for comparison. Ours writes "0" to tasks from the child
# (one thread, no threadgroup lock) and has no such wait.
#
# On a hybrid cgroup host (/sys/fs/cgroup/unified is cgroup2) crun 1.8.1
# refuses to run; there every runtime is measured inside one `unshare -m`
# after `umount /sys/fs/cgroup/unified`, which leaves them all the v1
# hierarchies (the unshare is in nobody's time).
set -euo pipefail

RUNS=${1:-30}
GAP=${GAP:-0.1}
case "$RUNS" in '' | *[!0-9]*) echo "crun-compare: RUNS $RUNS: not a number of runs" >&2; exit 1 ;; esac
case "$GAP" in '' | *[!0-9.]*) echo "crun-compare: GAP $GAP: not a number of seconds" >&2; exit 1 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONTAINER=${CONTAINER:-$ROOT/build/bin/container}
FLOOR=${FLOOR:-$ROOT/build/bin/ns-floor}
WORK=$(mktemp -d /tmp/vclab-crun-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

die() { echo "crun-compare: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$CONTAINER" ] || die "$CONTAINER missing: make build/bin/container"
[ -x "$FLOOR" ] || die "$FLOOR missing: make build/bin/ns-floor"
command -v jq >/dev/null || die "jq missing: apt-get install jq"
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

# the kernel's floor: clone3 with the config's namespaces, exec, wait
FLOOR_NS=$(jq -r '[.linux.namespaces[].type] | join(",")' "$B/config.json")

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
		[floor]="$FLOOR --ns $FLOOR_NS $B/rootfs/bin/true"
		[ours]="$CONTAINER run --bundle $B bench-ours-$$"
		[crun]="crun run -b $B bench-crun-$$"
		[runc]="runc run -b $B bench-runc-$$"
	)
	local names="true floor ours"
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
			sleep "$GAP" # a quiet kernel: see the top of this file
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
		local hf=() mode
		for name in $names; do
			[ -s "$WORK/$name.failed" ] || hf+=("${cmd[$name]}")
		done
		# spaced (each run after a pause, as the loop) and back to back
		for mode in hf bb; do
			local prep=()
			[ $mode = hf ] && prep=(--prepare "sleep $GAP")
			hyperfine -N --style none --warmup 3 --runs "$RUNS" "${prep[@]}" \
				--export-json "$WORK/$mode.json" "${hf[@]}" >/dev/null 2>&1 &&
				jq -r --arg m "$mode" '.results[] | "\($m)-\(.command | split(" ")[0] | split("/")[-1]) \(.median * 1000)"' \
					"$WORK/$mode.json" | sed -e "s/^\($mode\)-$(basename "$CONTAINER") /\1-ours /" \
					-e "s/^\($mode\)-$(basename "$FLOOR") /\1-floor /"
		done
	fi
}
export -f measure_all
export RUNS GAP WORK B CONTAINER FLOOR FLOOR_NS

echo "bundle: $B (crun spec, /bin/true, busybox-static rootfs); $RUNS runs each, spaced runs after a $GAP s pause"
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
fmt() { # KEY: the median to 2 decimals, or n/a
	local v
	v=$(get "$1")
	if [ -n "$v" ]; then printf %.2f "$v"; else echo n/a; fi
}
show() { # NAME LABEL
	local f
	f=$(failed "$1")
	if [ -z "$(get "$1")" ]; then
		printf '%-40s %10s %10s %13s %7s\n' "$2" "FAILED" "" "" "${f:-}"
	else
		printf '%-40s %10s %10s %13s %7s\n' "$2" "$(fmt "$1")" "$(fmt "hf-$1")" "$(fmt "bb-$1")" "${f:-0}"
	fi
}
printf '%-40s %10s %10s %13s %7s\n' "median ms" "loop" "hyperfine" "back-to-back" "failed"
show true "/bin/true"
show floor "ns-floor ($FLOOR_NS)"
show ours "container run --bundle"
show crun "crun run -b"
show runc "runc run -b"

ratio() { # a b
	case "$1/$2" in /* | */ | n/a/* | */n/a) echo "n/a" ;; *) awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' ;; esac
}
for other in crun runc; do
	[ -n "$(get "$other")" ] || continue
	echo "ratio ours/$other: loop $(ratio "$(get ours)" "$(get "$other")"), median of per-round ratios" \
		"$(get "pair-$other" | grep . || echo n/a), hyperfine $(ratio "$(get hf-ours)" "$(get "hf-$other")")," \
		"back-to-back $(ratio "$(get bb-ours)" "$(get "bb-$other")")$([ $other = crun ] && echo " (target <= 0.30 spaced)")"
done
above() { # KEY FLOOR-KEY: the time above the floor
	case "$(get "$1")/$(get "$2")" in /* | */) echo "n/a" ;; *) awk -v a="$(get "$1")" -v f="$(get "$2")" 'BEGIN {printf "%.2f", a - f}' ;; esac
}
if [ -n "$(get crun)" ]; then
	echo "above the kernel's floor (what each runtime adds to clone3 + exec + wait): ours" \
		"$(above ours floor) ms, crun $(above crun floor) ms in the loop ($(ratio "$(above ours floor)" "$(above crun floor)"));" \
		"ours $(above hf-ours hf-floor), crun $(above hf-crun hf-floor) by hyperfine ($(ratio "$(above hf-ours hf-floor)" "$(above hf-crun hf-floor)"))"
fi
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN {exit !(l > 1.5)}'; then
	echo "note: load average $load: the RCU grace periods crun waits for grow with the load,"
	echo "      while with the CPUs saturated ours/crun tends to the ratio of CPU time (~0.4 here:"
	echo "      perf stat -e task-clock); compare ratios measured at the same load"
fi
