#!/usr/bin/env bash
# Run every end-to-end test file in the given folders (or files) and add up
# their counts. Used on the host (`make e2e`) and inside the test host.
#
# Each file's output goes to a log file that is shown as it grows (not a
# pipe: a process a test leaves behind would hold a pipe open and hang the
# run). The test runs in the foreground, so its signal dispositions are the
# caller's (a background job would start with SIGINT and SIGQUIT ignored).
# Each file gets VCLAB_E2E_FILE_TIMEOUT seconds (default 900). With
# VCLAB_COUNTS set, the totals are appended to that file ("e2e P F S").
set -u
pass=0 failn=0 skipn=0 failed_files=""
limit=${VCLAB_E2E_FILE_TIMEOUT:-900}

# show_log_from LOG OFFSET: print LOG past byte OFFSET; sets SHOWN to its size.
show_log_from() {
	local size
	size=$(wc -c <"$1")
	[ "$size" -le "$2" ] || tail -c +$(($2 + 1)) "$1" | head -c $((size - $2))
	SHOWN=$size
}

# follow_log LOG: show LOG as it grows until LOG.done appears; past the time
# limit, stop the test (its pid is in LOG.pid) and leave LOG.timedout.
follow_log() {
	local shown=0 done=0 start=$SECONDS pid
	while :; do
		[ -e "$1.done" ] && done=1
		show_log_from "$1" "$shown"
		shown=$SHOWN
		[ $done = 0 ] || return 0
		if [ $((SECONDS - start)) -ge "$limit" ] && [ -s "$1.pid" ]; then
			pid=$(cat "$1.pid")
			if [ -e "$1.timedout" ]; then
				kill -KILL "$pid" 2>/dev/null
			else
				touch "$1.timedout"
				kill -TERM "$pid" 2>/dev/null
				start=$((SECONDS - limit + 5)) # KILL in 5 s if TERM did not do it
			fi
		fi
		sleep 0.5
	done
}

# run_file FILE LOG: run one test file; sets FILE_RC and TIMED_OUT.
run_file() {
	local follower
	rm -f "$2.done" "$2.pid" "$2.timedout"
	follow_log "$2" &
	follower=$!
	FILE_RC=0
	# The braces' 2>/dev/null hides bash's "Terminated" report on a time-out.
	# shellcheck disable=SC2016,SC2094 # $$ and $1 belong to the inner bash
	{ bash -c 'echo $$ >"$1.pid"; exec bash "$2"' run-e2e "$2" "$1" >"$2" 2>&1 </dev/null ||
		FILE_RC=$?; } 2>/dev/null
	touch "$2.done"
	wait "$follower"
	TIMED_OUT=0
	[ ! -e "$2.timedout" ] || TIMED_OUT=1
	rm -f "$2.done" "$2.pid" "$2.timedout"
}

for arg in "$@"; do
	if [ -d "$arg" ]; then files=$(ls "$arg"/*.sh 2>/dev/null); else files=$arg; fi
	for f in $files; do
		echo "== $f"
		log=$(mktemp)
		run_file "$f" "$log"
		line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		rm -f "$log"
		if [ -z "$line" ]; then
			if [ "$TIMED_OUT" = 1 ]; then
				echo "FAIL $f: timed out after $limit s (VCLAB_E2E_FILE_TIMEOUT)"
			else
				echo "FAIL $f: ended without a summary line (crashed? status $FILE_RC)"
			fi
			failn=$((failn + 1)); failed_files="$failed_files $f"
			continue
		fi
		read -r p fl sk <<<"$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')"
		pass=$((pass + p)); failn=$((failn + fl)); skipn=$((skipn + ${sk:-0}))
		[ "$fl" = 0 ] || failed_files="$failed_files $f"
	done
done
[ -z "$failed_files" ] || echo "failing files:$failed_files"
[ -z "${VCLAB_COUNTS:-}" ] || echo "e2e $pass $failn $skipn" >>"$VCLAB_COUNTS"
echo "e2e: $pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
