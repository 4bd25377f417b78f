#!/usr/bin/env bash
# Lab 4 (docs/labs/04-images.md): runs the lab's commands as written,
# from the top of the repository, in a store of its own, and checks every
# observation the lab states against its **Expect** lines. The registry
# step needs docker-registry, curl and python3 (not in the test host: there
# it is skipped, and the coverage check with it); the registry is stopped
# by its pid on every path.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"
# shellcheck source=tests/container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
LAB=$VCLAB_ROOT/docs/labs/04-images.md

REG=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$REG" ]; then
		kill "$REG" 2>/dev/null || true
		wait "$REG" 2>/dev/null || true
	fi
	rm -rf "$W"
}

# The lab's scratch directory and store, then steps 1 and 2 (every later
# step needs the image): $BUILD1 holds the build's output.
lab_setup() {
	require_container
	command -v jq >/dev/null || skip "needs jq"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip "no overlayfs"
	cd "$VCLAB_ROOT" || fail "cd $VCLAB_ROOT"
	W=$(mktemp -d /tmp/lab4.XXXXXX)
	trap cleanup EXIT
	export VCLAB_STORE="$W/store"

	tar -C build/rootfs/test -cf "$W/base.tar" . || fail "tar failed"
	build/bin/container image import "$W/base.tar" busybox:lab >/dev/null || fail "image import failed"
	IMAGES=$(build/bin/container images) || fail "container images failed"

	mkdir "$W/app"
	echo "hello from the lab" >"$W/app/greeting.txt"
	cat >"$W/app/Dockerfile" <<'EOF'
FROM busybox:lab
WORKDIR /app
RUN echo "built in $(pwd)" > built.txt && rm /bin/vi
COPY greeting.txt .
CMD ["/bin/sh", "-c", "cat greeting.txt built.txt"]
EOF
	BUILD1=$(set -o pipefail; build/bin/container build -t app:1 "$W/app" | tee "$W/build1.log") ||
		fail "the build failed: $(tail -n 3 "$W/build1.log")"
	LAYERS1=$(grep -c -- '--> layer' "$W/build1.log") || true
}

test_1_2_base_and_build() {
	lab_setup
	lab_expect base-listed "$IMAGES"
	lab_expect steps "$BUILD1"
	lab_expect tagged "$BUILD1"
	lab_expect layers-made "$LAYERS1"
}

test_3_run_it() {
	lab_setup
	local out rc=0
	out=$(build/bin/container run app:1) || fail "container run app:1 failed: $out"
	lab_expect greeting "$out"
	lab_expect built "$out"
	build/bin/container run app:1 ls /bin/vi 2>"$W/err" || rc=$?
	[ "$rc" != 0 ] || fail "ls /bin/vi succeeded"
	lab_expect vi-gone "$(cat "$W/err")"
}

test_4_layers_and_digests() {
	lab_setup
	build/bin/container image inspect app:1 | jq -r '.[0].Layers[] | "\(.digest) \(.size) \(.diffID)"'
	lab_expect layer-count "$(build/bin/container image inspect app:1 | jq '.[0].Layers | length')"
	lab_expect base-shared "$([ "$(build/bin/container image inspect app:1 | jq -r '.[0].Layers[0].digest')" = "$(build/bin/container image inspect busybox:lab | jq -r '.[0].Layers[0].digest')" ] && echo shared)"
}

test_5_whiteout() {
	lab_setup
	local blob diff list
	blob=$(build/bin/container image inspect app:1 | jq -r '.[0].Layers[1].digest')
	list=$(tar -tzf "$VCLAB_STORE/blobs/sha256/${blob#sha256:}") || fail "tar -tzf of the RUN layer failed"
	lab_expect whiteout "$list"
	lab_expect run-file "$list"
	diff=$(build/bin/container image inspect app:1 | jq -r '.[0].Layers[1].diffID')
	lab_expect whiteout-unpacked "$(stat -c '%F %t,%T' "$VCLAB_STORE/layers/${diff#sha256:}/bin/vi")"
}

test_6_change_one_file() {
	lab_setup
	echo "hello again" >"$W/app/greeting.txt"
	build/bin/container build -t app:2 "$W/app" | tee "$W/build2.log"
	lab_expect cached "$(grep -c -- '--> cached' "$W/build2.log")"
	lab_expect rebuilt "$(grep -c -- '--> layer' "$W/build2.log")"
}

test_7_through_a_registry() {
	local t
	for t in docker-registry curl python3; do
		command -v "$t" >/dev/null 2>&1 || lab_skip "$t is not installed"
	done
	[ -x build/bin/container-registry ] || [ -x "$BIN/container-registry" ] || lab_skip "container-registry is not built"
	lab_setup
	echo "hello again" >"$W/app/greeting.txt"
	build/bin/container build -t app:2 "$W/app" >/dev/null || fail "the build of app:2 failed"

	local push prune pull run end
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$W/registry" "$PORT" >"$W/registry.yml"
	docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
	REG=$!
	end=$((SECONDS + 30))
	until curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null; do
		kill -0 "$REG" 2>/dev/null || fail "docker-registry died: $(cat "$W/registry.log")"
		[ "$SECONDS" -lt "$end" ] || fail "docker-registry not answering in 30 s: $(cat "$W/registry.log")"
		sleep 0.2
	done

	push=$(build/bin/container push app:1 "127.0.0.1:$PORT/lab/app:1" 2>&1) || fail "push failed: $push"
	build/bin/container image rm app:1 || fail "image rm failed"
	prune=$(build/bin/container image prune 2>&1) || fail "prune failed: $prune"
	pull=$(build/bin/container pull "127.0.0.1:$PORT/lab/app:1" 2>&1) || fail "pull failed: $pull"
	run=$(build/bin/container run "127.0.0.1:$PORT/lab/app:1" 2>&1) || fail "run of the pulled image failed: $run"
	kill "$REG"
	wait "$REG" 2>/dev/null || true
	REG=""
	lab_expect pushed "$push"
	lab_expect pruned "$prune"
	lab_expect pulled "$pull"
	lab_expect pulled-runs "$run"
}

run_tests "$@"
