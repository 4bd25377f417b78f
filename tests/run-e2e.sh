#!/usr/bin/env bash
# Run every end-to-end test file in the given folders (or files) and add up
# their counts. Used on the host (`make e2e`) and inside the test host.
#
# Each file's output goes to a log file that is shown as it grows (not a
# pipe: a process a test leaves behind would hold a pipe open and hang the
# run). Each file gets VCLAB_E2E_FILE_TIMEOUT seconds (default 900).
set -u
pass=0 failn=0 skipn=0 failed_files=""
limit=${VCLAB_E2E_FILE_TIMEOUT:-900}

# show_log_from LOG OFFSET: print LOG past byte OFFSET; sets SHOWN to its size.
show_log_from() {
	local size
	size=$(wc -c <"$1")
	[ "$size" -gt "$2" ] && tail -c +$(($2 + 1)) "$1" | head -c $((size - $2))
	SHOWN=$size
}

# run_file FILE LOG: run one test file under the time limit; sets FILE_RC.
run_file() {
	local pid
	timeout "$limit" bash "$1" >"$2" 2>&1 </dev/null &
	pid=$!
	SHOWN=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.5
		show_log_from "$2" "$SHOWN"
	done
	FILE_RC=0
	wait "$pid" || FILE_RC=$?
	show_log_from "$2" "$SHOWN"
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
			if [ "$FILE_RC" = 124 ] || [ "$FILE_RC" = 143 ]; then
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
echo "e2e: $pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
