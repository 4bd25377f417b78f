#!/usr/bin/env bash
# End-to-end tests of build/bin/bench: a real `bench run --compare --runs 3`
# on this host (process and container rows real; VM rows real only where KVM
# works, else listed with the reason), the files it writes, `bench diff`,
# and bad input.
# shellcheck source=tests/lib.sh
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

BENCH=$BIN/bench
WORK=$(mktemp -d /tmp/e2e-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
VM_RUNNERS="microvm unikernel qemu-microvm"

need_tools() {
	[ -x "$BENCH" ] || fail "$BENCH not built (make build/bin/bench)"
	command -v jq >/dev/null || skip "jq not installed (scripts/deps.sh testhost)"
}

# One shared --compare run (the slow part), made by the first test needing it.
compare_run() {
	need_tools
	if [ ! -f "$WORK/compare.done" ]; then
		"$BENCH" run --compare --runs 3 --warmup 1 --timeout 15 --quiet \
			--json "$WORK/b.json" --markdown "$WORK/b.md" --svg "$WORK/b.svg" \
			>"$WORK/compare.out" 2>&1 || fail "bench run --compare failed: $(tail -c 600 "$WORK/compare.out")"
		touch "$WORK/compare.done"
	fi
	J=$WORK/b.json
}

runner() { # NAME FIELD: a field of one runner in the JSON
	jq -r --arg n "$1" ".runners[] | select(.name == \$n) | $2" "$J"
}

# row_name NAME: the runner's name in the table; a VM row carries how it ran,
# "unikernel [kvm-pvm]".
row_name() {
	local accel
	accel=$(runner "$1" '.accel // ""')
	if [ -n "$accel" ]; then printf '%s [%s]' "$1" "$accel"; else printf '%s' "$1"; fi
}

test_compare_json_has_host_and_settings() {
	compare_run
	assert_eq "$(jq -r .schema "$J")" "vclab-bench/1" "schema"
	assert_eq "$(jq -r .settings.runs "$J")" 3 "runs"
	assert_eq "$(jq -r .settings.warmup "$J")" 1 "warm-ups"
	jq -e '.host.cores > 0 and (.host.cpu | length > 0) and (.host.kernel | startswith("Linux"))
		and (.host.kvm | type == "boolean") and (.host.cgroup | length > 0)
		and (.host.git | length > 0) and (.host.peers | has("runc") and has("crun") and has("qemu"))' \
		"$J" >/dev/null || fail "host record incomplete: $(jq -c .host "$J")"
}

test_compare_lists_every_runner() {
	compare_run
	for r in process container runc crun $VM_RUNNERS; do
		assert_eq "$(runner "$r" .name)" "$r" "runner $r in the JSON"
		assert_contains "$(cat "$WORK/b.md")" "| $(row_name "$r") |" "runner $r in the Markdown"
	done
}

test_process_row_is_real() {
	compare_run
	assert_eq "$(runner process .state)" ok "process state"
	assert_eq "$(runner process .runs_ok)" 3 "process runs"
	assert_eq "$(runner process '.metrics.startup_ms.samples | length')" 3 "process startup samples"
	jq -e '.runners[] | select(.name == "process") | .metrics.startup_ms.median > 0
		and .metrics.completion_ms.median >= .metrics.startup_ms.median
		and .metrics.mem_peak_kib.median > 0 and .image.bytes > 0 and .startup_ratio == 1' \
		"$J" >/dev/null || fail "process figures: $(runner process -c)"
}

test_container_row_is_real() {
	compare_run
	[ -x "$BIN/container" ] || {
		assert_eq "$(runner container .state)" unavailable "container without its binary"
		assert_contains "$(runner container .reason)" "not built: build/bin/container missing" "reason"
		return 0
	}
	assert_eq "$(runner container .state)" ok "container state ($(runner container .reason))"
	assert_eq "$(runner container '.metrics.startup_ms.samples | length')" 3 "container samples"
	# its own phases came from container --timings
	[ "$(runner container '.phases | length')" -gt 1 ] || fail "no phases from --timings"
	# the image is the gzip layer of a rootfs holding the workload
	jq -e '.runners[] | select(.name == "container") | .image.bytes > 0
		and (.image.parts | map(.name) | index("layer.tar.gz") != null)' "$J" >/dev/null ||
		fail "container image: $(runner container -c .image)"
}

test_peer_runtimes_rows() {
	compare_run
	for r in runc crun; do
		if command -v "$r" >/dev/null; then
			assert_eq "$(runner "$r" .state)" ok "$r state ($(runner "$r" .reason))"
			assert_eq "$(runner "$r" .runs_ok)" 3 "$r runs"
		else
			assert_eq "$(runner "$r" .state)" unavailable "$r not installed"
			assert_contains "$(runner "$r" .reason)" "not installed" "$r reason"
		fi
	done
	if grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts; then
		assert_contains "$(runner crun .note)" "/sys/fs/cgroup/unified unmounted" "crun note"
		assert_contains "$(cat "$WORK/b.md")" "crun refuses hybrid cgroup hosts" "crun note in table"
	fi
}

# VM rows are real where KVM works; elsewhere they stay, with the reason.
test_vm_rows_are_real_or_explained() {
	compare_run
	for r in $VM_RUNNERS; do
		state=$(runner "$r" .state)
		case $state in
		ok)
			assert_eq "$(runner "$r" '.metrics.startup_ms.samples | length')" 3 "$r samples"
			;;
		unavailable | failed)
			[ -n "$(runner "$r" .reason)" ] || fail "$r is $state without a reason"
			assert_contains "$(cat "$WORK/b.md")" "| $(row_name "$r") | $state: " "$r reason in the table"
			assert_eq "$(runner "$r" '.metrics.startup_ms.samples | length')" 0 "$r has no fake samples"
			;;
		*) fail "$r: state '$state'" ;;
		esac
	done
	if [ ! -e /dev/kvm ]; then
		assert_eq "$(runner microvm .state)" unavailable "microvm without /dev/kvm"
		assert_contains "$(runner microvm .reason)" "no /dev/kvm" "microvm reason"
	fi
}

# Every VM result says how it ran (kvm, nested, kvm-pvm; none without KVM),
# the same as the host record; the other rows say nothing.
test_vm_rows_record_accel() {
	compare_run
	local host_accel
	host_accel=$(jq -r .host.accel "$J")
	case $host_accel in
	kvm | nested | kvm-pvm | none) ;;
	*) fail "host.accel is '$host_accel'" ;;
	esac
	for r in $VM_RUNNERS; do
		assert_eq "$(runner "$r" .accel)" "$host_accel" "$r accel"
		assert_contains "$(cat "$WORK/b.md")" "| $r [$host_accel] |" "$r marker in the table"
	done
	for r in process container runc crun; do
		assert_eq "$(runner "$r" 'has("accel")')" false "$r has no accel"
	done
}

# On kvm-pvm the bare-metal guest is measured (its job runs in ring 3, which
# kvm-pvm runs natively); the Linux rows say why they cannot run.
test_kvm_pvm_measures_the_unikernel() {
	compare_run
	if [ ! -d /sys/module/kvm_pvm ] || [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; then
		skip "this host's /dev/kvm is not kvm-pvm"
	fi
	assert_eq "$(jq -r .host.accel "$J")" kvm-pvm "host.accel"
	assert_eq "$(runner unikernel .state)" ok "unikernel state ($(runner unikernel .reason))"
	assert_contains "$(runner unikernel .note)" "kvm-pvm" "unikernel note"
	assert_eq "$(runner microvm .state)" unavailable "microvm on kvm-pvm"
	assert_contains "$(runner microvm .reason)" "cannot run Linux" "microvm reason"
}

test_svg_is_xml() {
	compare_run
	if command -v xmllint >/dev/null; then
		xmllint --noout "$WORK/b.svg" || fail "xmllint rejects the SVG"
	else
		head -c 200 "$WORK/b.svg" | grep -q '<svg' || fail "no <svg> element"
		tail -n 1 "$WORK/b.svg" | grep -q '</svg>' || fail "SVG not closed"
	fi
	assert_contains "$(cat "$WORK/b.svg")" "Startup: spawn to ready line" "startup panel"
}

# container, runc and crun run one bundle and one config.json (runc spec
# style, the workload as its process), and the report says which.
test_container_runners_share_one_config() {
	compare_run
	local cfg bundle
	cfg=$(jq -c '.containers.config' "$J")
	assert_eq "$(jq -r '.process.args[0]' <<<"$cfg")" /workload "config.json's process"
	assert_eq "$(jq -r '[.mounts[].destination] | join(" ")' <<<"$cfg")" \
		"/proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup" "runc spec's 7 mounts"
	assert_eq "$(jq -r '.linux.maskedPaths | length' <<<"$cfg")" 10 "masked paths"
	assert_contains "$(jq -r '.containers.summary' "$J")" "7 mounts, namespaces pid,network,ipc,uts,mount" "summary"
	assert_contains "$(cat "$WORK/b.md")" "Container runners (container, runc, crun): one bundle, one config.json" "report line"
	# the file the runners read is the one reported
	assert_eq "$(jq -c . "$BUILD/bench/bundle/config.json")" "$cfg" "bundle's config.json"
	bundle="--bundle $BUILD/bench/bundle "
	assert_contains "$(runner container .command)" "$bundle" "container runs the bundle"
	for r in runc crun; do
		assert_contains "$(runner $r .command)" "$bundle" "$r runs the bundle"
	done
}

test_no_debris_after_run() {
	compare_run
	ls "$BUILD"/bench/timings-* 2>/dev/null && fail "timings files left in build/bench"
	if command -v runc >/dev/null; then
		assert_not_contains "$(runc list -q 2>/dev/null)" "vclab-bench-" "runc containers left"
	fi
	if compgen -G '/run/vclab/vclab-bench-*' >/dev/null; then
		fail "container state directories left: $(ls /run/vclab)"
	fi
	if find /sys/fs/cgroup -maxdepth 4 -name 'vclab-bench-*' 2>/dev/null | grep -q .; then
		fail "cgroups left: $(find /sys/fs/cgroup -maxdepth 3 -name 'vclab-bench-*')"
	fi
	return 0
}

test_diff_detects_regression() {
	compare_run
	# the same file: nothing changed
	assert_status 0 "$BENCH" diff "$J" "$J"
	assert_contains "$OUT" "0 regression(s)" "diff of a file with itself"
	# process startup three times slower: beyond any small threshold
	jq '(.runners[] | select(.name == "process") | .metrics.startup_ms.samples) |= map(. * 3)' \
		"$J" >"$WORK/slow.json"
	assert_status 1 "$BENCH" diff "$J" "$WORK/slow.json" --threshold 50
	assert_contains "$OUT" "REGRESSION" "regression marked"
	assert_contains "$OUT" "+200.0%" "change printed"
	# ...and within a huge one
	assert_status 0 "$BENCH" diff --threshold 500 "$J" "$WORK/slow.json"
}

# Results whose VM rows ran on different kinds of KVM are refused, in one
# line naming the runner; the same file with the kind changed back is fine.
test_diff_refuses_mixed_accel() {
	compare_run
	local other
	other=nested
	[ "$(runner unikernel .accel)" != nested ] || other=kvm-pvm
	jq --arg a "$other" '(.runners[] | select(.kind == "vm") | .accel) = $a' "$J" >"$WORK/other-kind.json"
	assert_one_line_error "$BENCH" diff "$J" "$WORK/other-kind.json"
	assert_contains "$ERR" "ran on $(runner microvm .accel) in BASE and on $other in NEW" "diff refusal"
	assert_status 2 "$BENCH" diff "$J" "$WORK/other-kind.json"
	assert_status 0 "$BENCH" diff "$WORK/other-kind.json" "$WORK/other-kind.json"
}

test_default_outputs_go_to_results() {
	need_tools
	mkdir -p "$WORK/cwd"
	(cd "$WORK/cwd" && "$BENCH" run --runner process --runs 2 --warmup 0 >"$WORK/default.out") ||
		fail "bench run failed: $(cat "$WORK/default.out")"
	for f in bench.json bench.md bench.svg; do
		[ -s "$WORK/cwd/results/$f" ] || fail "results/$f not written"
	done
	assert_contains "$(cat "$WORK/default.out")" "| process | ok (2 runs) |" "table on stdout"
	assert_contains "$(cat "$WORK/default.out")" "wrote results/bench.json" "files named"
}

test_progress_line_on_a_terminal() {
	need_tools
	command -v script >/dev/null || skip "script(1) not installed"
	script -qec "$BENCH run --runner process --runs 2 --warmup 1 --json $WORK/p.json --markdown $WORK/p.md --svg $WORK/p.svg" \
		"$WORK/tty.log" >/dev/null || fail "bench under a terminal failed"
	assert_contains "$(cat "$WORK/tty.log")" "[round 2/2] process" "progress line"
	# not on a pipe
	"$BENCH" run --runner process --runs 2 --warmup 1 --json "$WORK/p.json" --markdown "$WORK/p.md" \
		--svg "$WORK/p.svg" >"$WORK/pipe.log"
	assert_not_contains "$(cat "$WORK/pipe.log")" "[round" "no progress line on a pipe"
}

test_scale_launches_n_at_once() {
	need_tools
	"$BENCH" run --runner process,container --runs 1 --warmup 0 --scale 1,3 --quiet \
		--json "$WORK/s.json" --markdown "$WORK/s.md" --svg "$WORK/s.svg" ||
		fail "bench run --scale failed"
	J=$WORK/s.json
	assert_eq "$(jq -c .settings.scale "$J")" "[1,3]" "settings.scale"
	assert_eq "$(runner process '[.scale[].n] | @csv')" "1,3" "process scale points"
	assert_eq "$(runner process '.scale[1].startup_ms.samples | length')" 3 "one startup per instance"
	jq -e '.runners[] | select(.name == "process") | .scale[1].mem_kib.median > 0' "$J" >/dev/null ||
		fail "no memory per instance: $(runner process -c '.scale[1]')"
	assert_contains "$(cat "$WORK/s.md")" "| process | 3 |" "scale table"
	if [ -x "$BIN/container" ]; then
		assert_eq "$(runner container '.scale[1].startup_ms.samples | length')" 3 "container x3"
	fi
}

test_quiet_prints_nothing() {
	need_tools
	out=$("$BENCH" run --runner process --runs 1 --warmup 0 --quiet --json "$WORK/q.json" \
		--markdown "$WORK/q.md" --svg "$WORK/q.svg")
	assert_eq "$out" "" "--quiet output"
	[ -s "$WORK/q.json" ] || fail "--quiet wrote no JSON"
}

# Command lines of every live process (pgrep is not in the test host).
running_cmdlines() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null && echo
	done
}

# workload_running ARG: a process runs `.../workload ARG` (bench's own
# command line names it too, but not as its program). No fork per process:
# in the test host each one costs about a second.
workload_running() {
	local f a
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' -t a 2>/dev/null <"$f" || continue
		[ "${#a[@]}" -ge 2 ] && [ "${a[0]##*/}" = workload ] && [ "${a[1]}" = "$1" ] && return 0
	done
	return 1
}

test_interrupt_kills_every_instance() {
	need_tools
	# a job of several seconds; Ctrl-C (SIGINT) comes during the first run
	"$BENCH" run --runner process --runs 1 --warmup 0 --workload "sha256=3000" \
		--json "$WORK/i.json" --markdown "$WORK/i.md" --svg "$WORK/i.svg" \
		>"$WORK/i.out" 2>"$WORK/i.err" &
	pid=$!
	# SIGINT only once the run has begun: before bench installs its handler
	# the signal is ignored (a background job of a script starts with SIGINT
	# ignored), and under load that can take longer than any fixed sleep.
	local deadline=$((SECONDS + 120))
	until workload_running "sha256=3000"; do
		[ $SECONDS -lt $deadline ] || fail "the workload did not start within 120 s"
		kill -0 $pid 2>/dev/null || fail "bench ended before its run began: $(cat "$WORK/i.err")"
		sleep 0.05
	done
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	assert_eq "$rc" 2 "exit status after SIGINT"
	assert_contains "$(cat "$WORK/i.err")" "interrupted by signal 2" "error"
	assert_eq "$(wc -l <"$WORK/i.err")" 1 "one error line"
	[ ! -e "$WORK/i.json" ] || fail "a result file was written"
	# the workload ran in its own process group: it must have been killed
	running_cmdlines | grep -q "[w]orkload sha256=3000" && fail "the workload survived the bench"
	return 0
}

test_unknown_runner_is_one_line_error() {
	need_tools
	assert_one_line_error "$BENCH" run --runner process,docker --json "$WORK/x.json"
	assert_contains "$ERR" "unknown runner 'docker'" "error"
	[ ! -e "$WORK/x.json" ] || fail "a result file was written"
}

test_zero_runs_is_one_line_error() {
	need_tools
	assert_one_line_error "$BENCH" run --runs 0
	assert_contains "$ERR" "--runs '0'" "error names the option"
}

test_bad_options_are_one_line_errors() {
	need_tools
	assert_one_line_error "$BENCH" run --workload "sleep=1"
	assert_contains "$ERR" "unknown key 'sleep'" "bad workload word"
	assert_one_line_error "$BENCH" run --scale 1,x
	assert_contains "$ERR" "--scale" "bad scale"
	assert_one_line_error "$BENCH" run --compare --runner crun
	assert_one_line_error "$BENCH" run --bogus
	assert_contains "$ERR" "unknown option '--bogus'" "unknown option"
	assert_one_line_error "$BENCH" frobnicate
	assert_status 2 "$BENCH" run --runs -1
}

test_diff_unreadable_file() {
	need_tools
	assert_one_line_error "$BENCH" diff "$WORK/missing.json" "$WORK/missing.json"
	assert_contains "$ERR" "$WORK/missing.json: No such file or directory" "error names the file"
	assert_status 2 "$BENCH" diff "$WORK/missing.json" "$WORK/missing.json"
}

test_diff_malformed_json() {
	need_tools
	printf '{"schema": "vclab-bench/1", "runners": [' >"$WORK/bad.json"
	assert_one_line_error "$BENCH" diff "$WORK/bad.json" "$WORK/bad.json"
	assert_contains "$ERR" "bad.json: line 1: invalid JSON" "malformed JSON"
	echo '{"schema": "other"}' >"$WORK/other.json"
	assert_one_line_error "$BENCH" diff "$WORK/other.json" "$WORK/other.json"
	assert_contains "$ERR" "not a bench result" "wrong schema"
	assert_one_line_error "$BENCH" diff "$WORK/other.json"
	assert_contains "$ERR" "expected BASE.json NEW.json" "one file only"
}

test_help_defines_the_measurements() {
	need_tools
	assert_status 0 "$BENCH" --help
	for word in "startup" "VCLAB-READY" "smaps_rollup" "p95" "median absolute deviation" "bench diff"; do
		assert_contains "$OUT" "$word" "--help"
	done
}

# Issue 14: these exited 0 (and --build created /nonexistent/bench).
test_bad_build_dir_and_empty_runner_list_fail() {
	local rc
	for args in "--build /nonexistent" "--runner ''" "--runner ," "--build /tmp --runner process"; do
		rc=0
		ERR=$(eval "'$BIN/bench' run --quiet $args" 2>&1 >/dev/null) || rc=$?
		assert_eq "$rc" 2 "exit status of bench run $args"
		assert_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "error lines of bench run $args"
	done
	[ ! -e /nonexistent ] || fail "bench run --build /nonexistent created it"
	ERR=$("$BIN/bench" run --quiet --runner , 2>&1) || true
	assert_contains "$ERR" "--runner ',': no runner named" "error"
	ERR=$("$BIN/bench" run --quiet --build /nonexistent 2>&1) || true
	assert_contains "$ERR" "--build /nonexistent: No such file or directory" "error"
}

# Found by fuzz_bench_json: a result with two runners of one name was a
# regression of itself (bench diff pairs runners by name).
test_diff_refuses_duplicate_runner_names() {
	local d rc=0
	d=$(mktemp -d)
	jq '.runners += [.runners[0]]' "$VCLAB_ROOT/tests/fuzz/corpus/fuzz_bench_json/process.json" >"$d/dup.json"
	ERR=$("$BIN/bench" diff "$d/dup.json" "$d/dup.json" 2>&1 >/dev/null) || rc=$?
	assert_eq "$rc" 2 "exit status"
	assert_contains "$ERR" 'runners[1]: runner "process" is also runners[0]' "error"
	assert_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "error lines"
	rm -rf "$d"
}

run_tests "$@"
