#!/usr/bin/env bash
# KVM smoke test: build/tests/kvm_smoke runs a 64-bit guest under real KVM
# (see tests/kvm/smoke/). Runs inside the test host; without /dev/kvm it
# fails (tests in tests/kvm never skip).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

SMOKE=$BUILD/tests/kvm_smoke

need_smoke_binary() {
	[ -x "$SMOKE" ] || fail "$SMOKE is missing: run 'make build/tests/kvm_smoke' (or make build)"
}

test_dev_kvm_is_there() {
	[ -c /dev/kvm ] || fail "no /dev/kvm: KVM tests must run in the test host (tests/testhost/run.sh -- bash tests/kvm/smoke.sh)"
	{ [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || fail "/dev/kvm is not readable and writable by $(id -un)"
}

test_guest_writes_bytes_halts_and_leaves_registers() {
	need_smoke_binary
	assert_status 0 "$SMOKE"
	assert_contains "$OUT" "port 0x10 received 'vclab*7'" "port output"
	assert_contains "$OUT" "KVM_EXIT_HLT" "halt exit"
	assert_contains "$OUT" "r8 (6*7) = 0x2a" "r8"
	assert_contains "$OUT" "r9 (1+...+10) = 0x37" "r9"
	assert_contains "$OUT" "r10 (0x1122334455667788+42) = 0x11223344556677b2" "r10"
	assert_contains "$OUT" "EFER.LMA is set" "long mode"
	assert_contains "$OUT" "kvm_smoke: PASS" "verdict"
}

test_missing_kvm_device_is_a_clear_error() {
	need_smoke_binary
	assert_one_line_error "$SMOKE" --dev /nonexistent/kvm
	assert_contains "$ERR" "/nonexistent/kvm: cannot open" "error names the device"
	assert_contains "$ERR" "test host" "error says where to run it"
	assert_status 3 "$SMOKE" --dev /nonexistent/kvm
}

test_bad_argument_is_a_usage_error() {
	need_smoke_binary
	assert_one_line_error "$SMOKE" --frobnicate
	assert_contains "$ERR" "unknown argument '--frobnicate'" "usage error"
	assert_status 2 "$SMOKE" --frobnicate
}

run_tests "$@"
