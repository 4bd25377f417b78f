#!/usr/bin/env bash
# Lab 3 (docs/labs/03-privilege.md): runs the lab's commands as written,
# from the top of the repository, and checks every observation the lab
# states against its **Expect** lines.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
# shellcheck source=tests/container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
LAB=$VCLAB_ROOT/docs/labs/03-privilege.md

lab_setup() {
	require_container
	cd "$VCLAB_ROOT" || fail "cd $VCLAB_ROOT"
	W=$(mktemp -d /tmp/lab3.XXXXXX)
	# shellcheck disable=SC2064 # W is fixed now
	trap "rm -rf '$W'" EXIT
}

test_1_what_root_cannot_do() {
	lab_setup
	local out rc=0 err
	out=$(build/bin/container run build/rootfs/test -- /bin/sh -c 'id -u; mount -t tmpfs none /mnt; mknod /tmp/disk b 8 0; head -c 4096 /dev/zero > /tmp/x.ko; insmod /tmp/x.ko; reboot -f; hostname lab' 2>"$W/err") || rc=$?
	err=$(cat "$W/err")
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1 (hostname's); stderr: $err"
	lab_expect root "$out"
	lab_expect no-mount "$err"
	lab_expect no-mknod "$err"
	lab_expect no-module "$err"
	lab_expect no-reboot "$err"
	lab_expect no-hostname "$err"
}

test_2_what_the_process_holds() {
	lab_setup
	local out
	out=$(build/bin/container run build/rootfs/test -- grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status) ||
		fail "container run failed: $out"
	lab_expect cap-eff "$out"
	lab_expect cap-bnd "$out"
	lab_expect nnp "$out"
	lab_expect seccomp-mode "$out"
}

test_3_capabilities_come_from_the_config() {
	command -v jq >/dev/null || skip "needs jq"
	lab_setup
	local out
	build/bin/container spec --bundle "$W" || fail "container spec failed"
	lab_expect config-caps "$(jq -c '.process.capabilities.bounding' "$W/config.json")"
	lab_expect config-seccomp "$(jq -c '.linux.seccomp' "$W/config.json")"
	jq --arg r "$PWD/build/rootfs/test" '.root.path = $r | .process.args = ["/bin/sh", "-c", "mount -t tmpfs none /mnt && echo mounted a tmpfs; grep CapEff /proc/self/status"] | .process.capabilities[] += ["CAP_SYS_ADMIN"]' "$W/config.json" >"$W/new.json" ||
		fail "jq failed"
	mv "$W/new.json" "$W/config.json"
	out=$(build/bin/container run --bundle "$W" 2>&1) || fail "container run --bundle failed: $out"
	lab_expect mount-with-cap "$out"
	lab_expect cap-eff-admin "$out"
}

test_4_the_seccomp_filter_alone() {
	lab_setup
	local out rc=0
	build/bin/container run build/rootfs/test -- unshare -U id -u >/dev/null 2>"$W/err" || rc=$?
	[ "$rc" != 0 ] || fail "unshare -U succeeded under the default filter"
	lab_expect unshare-filtered "$(cat "$W/err")"
	out=$(build/bin/container run --seccomp=unconfined build/rootfs/test -- unshare -U id -u 2>"$W/err") ||
		fail "unshare -U without a filter failed: $(cat "$W/err")"
	lab_expect unshare-unconfined "$out"
}

run_tests "$@"
