#!/usr/bin/env bash
# The bench's VM rows for real: inside the test host (real /dev/kvm through
# nested SVM) `bench run` measures the microvm and unikernel runners and the
# JSON holds their figures. Functional only: nested KVM under TCG is far
# slower than the hardware, so no figure here is a performance claim.
# Fails (never skips) without /dev/kvm.
# shellcheck source=tests/lib.sh
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

BENCH=$BIN/bench
WORK=$(mktemp -d /tmp/kvm-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

vm_run() {
	[ -c /dev/kvm ] || fail "no /dev/kvm: run inside the test host (tests/testhost/run.sh -- bash tests/kvm/bench.sh)"
	[ -x "$BENCH" ] || fail "$BENCH not built"
	for f in bin/vmm guest/bzImage guest/initramfs.cpio.gz guest/baremetal.elf; do
		[ -e "$BUILD/$f" ] || fail "build/$f missing (make build)"
	done
	if [ ! -f "$WORK/done" ]; then
		"$BENCH" run --runner microvm,unikernel --runs 3 --warmup 1 --scale 2 --timeout 120 \
			--quiet --json "$WORK/vm.json" --markdown "$WORK/vm.md" --svg "$WORK/vm.svg" \
			>"$WORK/out" 2>&1 || fail "bench run failed: $(tail -c 600 "$WORK/out")"
		touch "$WORK/done"
	fi
	J=$WORK/vm.json
}

runner() { # NAME JQ-FILTER
	jq -r --arg n "$1" ".runners[] | select(.name == \$n) | $2" "$J"
}

test_host_record_says_kvm() {
	vm_run
	assert_eq "$(jq -r .host.kvm "$J")" true "host.kvm"
	assert_contains "$(jq -r .host.cgroup "$J")" "v2" "pure cgroup v2 in the test host"
}

test_vm_rows_are_measured() {
	vm_run
	for r in microvm unikernel; do
		assert_eq "$(runner "$r" .state)" ok "$r state ($(runner "$r" .reason))"
		assert_eq "$(runner "$r" .runs_ok)" 3 "$r runs"
		assert_eq "$(runner "$r" '.metrics.startup_ms.samples | length')" 3 "$r startup samples"
		jq -e --arg n "$r" '.runners[] | select(.name == $n) |
			.metrics.startup_ms.median > 0 and
			.metrics.completion_ms.median >= .metrics.startup_ms.median and
			.image.bytes > 0' "$J" >/dev/null || fail "$r figures: $(runner "$r" -c .metrics.startup_ms)"
	done
}

test_vm_memory_is_split_into_vmm_and_guest() {
	vm_run
	for r in microvm unikernel; do
		jq -e --arg n "$r" '.runners[] | select(.name == $n) |
			.metrics.vmm_rss_kib.median > 0 and .metrics.guest_touched_kib.median > 0 and
			.metrics.guest_touched_kib.median <= 128 * 1024 and
			.metrics.mem_peak_kib.median > 0' "$J" >/dev/null ||
			fail "$r memory: $(runner "$r" -c '.metrics | {vmm_rss_kib: .vmm_rss_kib.median, guest_touched_kib: .guest_touched_kib.median, mem_peak_kib: .mem_peak_kib.median}')"
	done
}

test_vmm_phases_come_from_timings() {
	vm_run
	[ "$(runner microvm '.phases | length')" -gt 1 ] || fail "microvm: no phases from vmm --timings"
	assert_contains "$(cat "$WORK/vm.md")" "| microvm | spawn -> launcher start |" "phases table"
}

test_scale_batch_of_two_vms() {
	vm_run
	assert_eq "$(runner microvm '.scale[0].n')" 2 "scale N"
	assert_eq "$(runner microvm '.scale[0].startup_ms.samples | length')" 2 "scale samples"
}

test_table_has_vm_rows() {
	vm_run
	assert_contains "$(cat "$WORK/vm.md")" "| microvm [nested] | ok (3 runs) |" "microvm row (nested KVM, marked)"
	assert_contains "$(cat "$WORK/vm.md")" "| unikernel [nested] | ok (3 runs) |" "unikernel row (nested KVM, marked)"
}

run_tests "$@"
