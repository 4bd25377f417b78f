#!/bin/bash
# The bare-metal guest as a tiny OS, with real (nested) KVM inside the test
# host: its job runs in ring 3 and gives the same digest as the process; a
# fault in ring 3 ends the VM with status 119 and one report line; the bench
# records how its VM rows ran. Run: tests/testhost/run.sh -- bash
# tests/kvm/baremetal.sh. Fails (never skips) without /dev/kvm.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/vmm/lib.sh
. "$(dirname "$0")/../vmm/lib.sh"

FAULT_STATUS=119 # guest/baremetal/fault.h: BM_EXIT_FAULT

host_digest() {
	"$BIN/workload" "$@" | grep '^sha256='
}

test_ring3_job_digest_matches_the_process() {
	need_kvm
	local want rc=0 out
	want=$(host_digest sha256=4 touch=4 exit=9)
	out=$("$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "sha256=4 touch=4 exit=9" --timeout 120 2>&1) || rc=$?
	assert_eq "$rc" 9 "vmm exit status (output: $(printf '%s' "$out" | tail -c 400))"
	assert_eq "$(printf '%s\n' "$out" | head -n 1)" VCLAB-READY "first line"
	assert_contains "$out" "$want" "digest in ring 3 of the guest = digest of the process"
	assert_contains "$out" "VCLAB-DONE status=9" "last line"
	no_vmm_left
}

test_ring3_faults_end_the_vm_with_a_report() {
	need_kvm
	local kind vector
	for kind in hlt:13 read:14 ud2:6; do
		vector=${kind#*:}
		kind=${kind%:*}
		assert_status "$FAULT_STATUS" "$VMM" run --kernel "$GUEST/baremetal.elf" --cmdline "fault=$kind" --timeout 120
		assert_eq "$(printf '%s\n' "$OUT" | grep -c '^baremetal: ' || true)" 1 "fault=$kind: one report line ($OUT)"
		assert_contains "$OUT" "baremetal: CPU exception $vector (" "fault=$kind: vector"
		assert_contains "$OUT" ") in ring 3 at rip 0x" "fault=$kind: ring 3"
		assert_not_contains "$OUT" "VCLAB-DONE" "fault=$kind: the job stopped"
	done
	no_vmm_left
}

# Hardware KVM inside a VM: the bench says "nested", never "kvm" (these
# figures are functional only) nor "kvm-pvm".
test_bench_records_nested_accel() {
	need_kvm
	local d
	command -v jq >/dev/null || fail "jq missing in the test host"
	d=$(mktemp -d)
	"$BIN/bench" run --runner unikernel --runs 2 --warmup 0 --timeout 120 --quiet \
		--json "$d/b.json" --markdown "$d/b.md" --svg "$d/b.svg" >"$d/out" 2>&1 ||
		fail "bench run failed: $(tail -c 600 "$d/out")"
	assert_eq "$(jq -r .host.accel "$d/b.json")" nested "host.accel"
	assert_eq "$(jq -r '.runners[] | select(.name == "unikernel") | .accel' "$d/b.json")" nested "unikernel accel"
	assert_eq "$(jq -r '.runners[] | select(.name == "unikernel") | .state' "$d/b.json")" ok "unikernel state"
	assert_contains "$(cat "$d/b.md")" "| unikernel [nested] | ok (2 runs)" "table marker"
	rm -rf "$d"
}

run_tests "$@"
