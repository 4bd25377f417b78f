#!/usr/bin/env bash
# Run every end-to-end test file in the given folders (or files) and add up
# their counts. Used on the host (`make e2e`) and inside the test host.
set -u
pass=0 failn=0 skipn=0 failed_files=""
for arg in "$@"; do
	if [ -d "$arg" ]; then files=$(ls "$arg"/*.sh 2>/dev/null); else files=$arg; fi
	for f in $files; do
		echo "== $f"
		log=$(mktemp)
		bash "$f" 2>&1 | tee "$log"
		line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		rm -f "$log"
		if [ -z "$line" ]; then
			echo "FAIL $f: ended without a summary line (crashed?)"
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
