#!/usr/bin/env bash
# The short fuzz of `make test` (issue 14): for each libFuzzer target of
# tests/fuzz/, replay every committed input (tests/fuzz/corpus/NAME and the
# regression inputs of found bugs, tests/fuzz/regress/NAME), then fuzz for
# FUZZ_SHORT_TIME seconds (default 30) from them. A crash, a leak or a
# sanitizer report fails the target; its input is left in
# build/fuzz/crashes/ (commit it under tests/fuzz/regress/NAME/).
#
# Needs the binaries of `make fuzz-build` (clang: scripts/deps.sh build).
# With VCLAB_COUNTS set, appends "fuzz P F S" (targets passed, failed,
# skipped) to that file, like tests/run-e2e.sh.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
time_each=${FUZZ_SHORT_TIME:-30}
targets=${FUZZ_TARGETS:-"fuzz_oci_config fuzz_kernel_image fuzz_bench_json fuzz_devices fuzz_image_ref"}
pass=0 failn=0 skipn=0 failed=""

for t in $targets; do
	bin=$BUILD/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "SKIP fuzz $t: $bin missing (make fuzz-build; clang from scripts/deps.sh build)"
		skipn=$((skipn + 1))
		continue
	fi
	inputs="tests/fuzz/corpus/$t"
	[ -d "tests/fuzz/regress/$t" ] && inputs="$inputs tests/fuzz/regress/$t"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	work=$(mktemp -d)
	mkdir -p "$BUILD/fuzz/crashes"
	log=$work/log
	rc=0
	# shellcheck disable=SC2086 # the directory lists are words
	"$bin" -runs=0 -artifact_prefix="$BUILD/fuzz/crashes/$t-" $inputs >"$log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2086
		"$bin" -max_total_time="$time_each" -print_final_stats=1 $dict \
			-artifact_prefix="$BUILD/fuzz/crashes/$t-" "$work" $inputs >"$log" 2>&1 || rc=$?
	fi
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		echo "PASS fuzz $t: $(grep -E '^#[0-9]+.*DONE' "$log" | tail -n 1 | sed 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*//')"
	else
		failn=$((failn + 1))
		failed="$failed $t"
		echo "FAIL fuzz $t (status $rc):"
		grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -n 8 | sed 's/^/    /'
	fi
	rm -rf "$work"
done
[ -z "$failed" ] || echo "failing fuzz targets:$failed"
[ -z "${VCLAB_COUNTS:-}" ] || echo "fuzz $pass $failn $skipn" >>"$VCLAB_COUNTS"
echo "fuzz: $pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
