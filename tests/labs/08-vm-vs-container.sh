#!/usr/bin/env bash
# Lab 8 (docs/labs/08-vm-vs-container.md): runs the lab's commands as
# written, from the top of the repository, and checks every observation
# the lab states against its **Expect** lines. The bench runs once (the
# first test that needs it) into the lab's scratch directory W, which this
# file removes on exit. The microvm row has a kvm-pvm form and a KVM form:
# the other one is skipped (and the coverage check with it).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
# shellcheck source=tests/container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
LAB=$VCLAB_ROOT/docs/labs/08-vm-vs-container.md

W=$(mktemp -d /tmp/lab8.XXXXXX)
# lablib's trap removes the list of checked names; this one adds W
trap 'rm -rf "$W"; rm -f "$LAB_CHECKED"' EXIT

lab_setup() {
	require_container
	command -v jq >/dev/null || skip "needs jq"
	[ -x "$BIN/bench" ] || fail "$BIN/bench missing: make"
	cd "$VCLAB_ROOT" || fail "cd $VCLAB_ROOT"
}

# Step 1's bench run, once for all the tests of this file.
bench_once() {
	lab_setup
	if [ ! -s "$W/bench.json" ]; then
		build/bin/bench run --compare --runs 3 --warmup 1 --timeout 120 --json "$W/bench.json" --markdown "$W/bench.md" --svg "$W/bench.svg" >"$W/bench.out" 2>&1 ||
			fail "bench run failed: $(tail -n 5 "$W/bench.out")"
		cat "$W/bench.md"
	fi
	ACCEL=$(jq -r '.host.accel' "$W/bench.json")
	STATES=$(jq -r '.runners[] | "\(.name) \(.state)"' "$W/bench.json")
}

test_1_states() {
	bench_once
	lab_expect process-ok "$STATES"
	lab_expect container-ok "$STATES"
}

test_1_unikernel() {
	bench_once
	[ "$ACCEL" != none ] || lab_skip "no /dev/kvm here"
	lab_expect unikernel-ok "$STATES"
}

test_1_microvm_on_kvm_pvm() {
	bench_once
	[ "$ACCEL" = kvm-pvm ] || lab_skip "the KVM here is '$ACCEL', not kvm-pvm"
	lab_expect microvm-pvm "$STATES"
}

test_1_microvm_on_kvm() {
	bench_once
	case "$ACCEL" in kvm | nested) ;; *) lab_skip "the KVM here is '$ACCEL': no Linux guest" ;; esac
	lab_expect microvm-kvm "$STATES"
	lab_expect mem-microvm "$(jq -r '.runners[] | select(.name == "microvm") | .overhead_ready_kib' "$W/bench.json")"
}

test_2_startup() {
	bench_once
	lab_expect container-ratio "$(jq -r '.runners[] | select(.name == "container") | .startup_ratio' "$W/bench.json")"
}

test_3_image_size() {
	bench_once
	lab_expect image-container "$(jq -r '.runners[] | select(.name == "container") | .image.bytes / 1024 | floor' "$W/bench.json")"
	lab_expect image-unikernel "$(jq -r '.runners[] | select(.name == "unikernel") | .image.bytes / 1024 | floor' "$W/bench.json")"
	lab_expect image-microvm "$(jq -r '.runners[] | select(.name == "microvm") | .image.bytes / 1024 | floor' "$W/bench.json")"
}

test_4_memory() {
	bench_once
	lab_expect mem-container "$(jq -r '.runners[] | select(.name == "container") | .overhead_ready_kib' "$W/bench.json")"
}

test_5_the_picture() {
	bench_once
	lab_expect svg-panels "$(grep -c '>unikernel<' "$W/bench.svg")"
}

test_6_ten_at_once() {
	lab_setup
	build/bin/bench run --runner container,unikernel --scale 10 --runs 5 --timeout 120 --json "$W/scale.json" --markdown "$W/scale.md" --svg "$W/scale.svg" --quiet >"$W/scale.out" 2>&1 ||
		fail "bench run --scale 10 failed: $(tail -n 5 "$W/scale.out")"
	lab_expect scale-startup "$(jq -r '.runners[] | select(.name == "container") | (.scale[] | select(.n == 10) | .startup_ms.median) / .metrics.startup_ms.median' "$W/scale.json")"
}

# Step 7's bench of an image, once for both of its tests. The store is
# the lab's own.
image_once() {
	lab_setup
	if [ ! -s "$W/image.json" ]; then
		(
			export VCLAB_STORE="$W/store"
			tar -C build/rootfs/test -cf "$W/base.tar" .
			build/bin/container image import "$W/base.tar" busybox:lab8 >/dev/null
			build/bin/bench run --image busybox:lab8 --cmd "/bin/echo hello" --runner process,container,container-image,microvm --runs 2 --warmup 1 --timeout 300 --json "$W/image.json" --markdown "$W/image.md" --svg "$W/image.svg" --quiet
		) >"$W/image.out" 2>&1 || fail "bench run --image failed: $(tail -n 5 "$W/image.out")"
	fi
	STATES=$(jq -r '.runners[] | "\(.name) \(.state)"' "$W/image.json")
}

test_7_image_as_container() {
	image_once
	lab_expect image-run-container "$STATES"
	lab_expect image-vm-vs-container "$(jq -r '[.runners[] | select(.name == "microvm" or .name == "container") | .image.bytes] | .[1] / .[0]' "$W/image.json")"
}

test_7_image_as_microvm() {
	image_once
	case "$(jq -r '.host.accel' "$W/image.json")" in
	kvm | nested) lab_expect image-run-microvm "$STATES" ;;
	*) lab_skip "no Linux guest on this KVM: the microvm row is checked in the test host" ;;
	esac
}

run_tests "$@"
