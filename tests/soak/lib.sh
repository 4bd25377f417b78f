# Helpers for the soak and fault tests (tests/soak/*.sh, `make soak`).
# shellcheck shell=bash

# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# first_last_medians FILE N: "MEDIAN_OF_FIRST_N MEDIAN_OF_LAST_N"
first_last_medians() {
	local a b
	a=$(mktemp) && b=$(mktemp) || return 1
	head -n "$2" "$1" >"$a"
	tail -n "$2" "$1" >"$b"
	echo "$(median "$a") $(median "$b")"
	rm -f "$a" "$b"
}

# within_pct A B PCT: |B - A| <= PCT % of A
within_pct() {
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = b - a; if (d < 0) d = -d; exit !(d <= a * p / 100) }'
}

# now_us: microseconds, without a fork
now_us() {
	local t=${EPOCHREALTIME/./}
	echo "$t"
}

# What a container or a VM could leave behind: cgroups, mounts, state
# directories, processes of ours, our open fds.
leftovers() {
	find /sys/fs/cgroup -maxdepth 4 -path '*/vclab/*' -type d 2>/dev/null | grep -F "$1" || true
	find /run/vclab -mindepth 1 -maxdepth 1 2>/dev/null | grep -F "$1" || true
	grep -F "$1" /proc/self/mountinfo || true
	local f p parts
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' -t parts 2>/dev/null <"$f" || continue
		case "${parts[*]}" in
		*"$1"*)
			p=${f#/proc/}
			p=${p%/cmdline}
			[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] || echo "process $p: ${parts[*]}"
			;;
		esac
	done
}

fd_count() {
	local fds=(/proc/$$/fd/*)
	echo "${#fds[@]}"
}
