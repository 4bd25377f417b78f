#!/usr/bin/env bash
# The course example, examples/python-app, the Docker flow end to end on
# vclab: scripts/base-image.sh makes debian:bookworm-minbase (debootstrap
# from Debian's archive, the tarball cached in $VCLAB_CACHE so that it is
# made once per machine), `container build` runs the Dockerfile (its RUN
# installs python3 with apt-get, on the host network), `container run`
# prints what app.py says; a second build is all cached; a push to a real
# registry, `image rm`, a pull and a run print the same.
# Needs the network to Debian's archive: skipped in the test host.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

EXAMPLE=$VCLAB_ROOT/examples/python-app

# A store of our own in T (kept for the file's tests), the base image in it.
setup() {
	require_container
	[ "$VCLAB_TESTHOST" = 0 ] || skip "no network to Debian's archive in the test host"
	command -v debootstrap >/dev/null || skip "needs debootstrap (scripts/deps.sh registry)"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip "no overlayfs"
	T=$(mktemp -d /tmp/vclab-example-XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$T'" EXIT
	export VCLAB_STORE=$T/store
	assert_status 0 "$VCLAB_ROOT/scripts/base-image.sh" --container "$CT"
	assert_contains "$("$CT" images)" "bookworm-minbase" "the base image in the store"
}

# The lines app.py prints, in an image built from examples/python-app.
check_app_output() { # OUTPUT
	assert_contains "$1" "hello from python 3.11" "python3 runs"
	assert_contains "$1" "in /app" "WORKDIR /app"
	assert_contains "$1" "greeting: hello, course" "ENV GREETING"
}

test_build_run_cache_and_registry_round_trip() {
	setup
	local t0 t1 cold cached digest1 digest2
	t0=$(date +%s.%N)
	assert_status 0 "$CT" build -t course/python-app:1 "$EXAMPLE"
	t1=$(date +%s.%N)
	cold=$(echo "$t1 - $t0" | bc)
	assert_contains "$OUT" "STEP 1/" "numbered steps"
	assert_contains "$OUT" "apt-get" "the RUN step shown"
	digest1=$(printf '%s\n' "$OUT" | sed -n 's/^--> image \(sha256:[0-9a-f]*\).*/\1/p' | tail -n 1)
	[ -n "$digest1" ] || fail "no image digest in: $OUT"

	assert_status 0 "$CT" run course/python-app:1
	check_app_output "$OUT"

	# unchanged context: every step cached, the same image
	t0=$(date +%s.%N)
	assert_status 0 "$CT" build -t course/python-app:1 "$EXAMPLE"
	t1=$(date +%s.%N)
	cached=$(echo "$t1 - $t0" | bc)
	assert_contains "$OUT" "cached" "second build"
	digest2=$(printf '%s\n' "$OUT" | sed -n 's/^--> image \(sha256:[0-9a-f]*\).*/\1/p' | tail -n 1)
	assert_eq "$digest2" "$digest1" "digest of the second build"
	echo "    example: build cold ${cold} s, cached ${cached} s" >&2

	# the registry round trip, when a registry can run here
	command -v docker-registry >/dev/null || { echo "    (no docker-registry: round trip left out)" >&2; return 0; }
	start_registry
	assert_status 0 "$CT" push course/python-app:1 "127.0.0.1:$PORT/course/python-app:1"
	assert_status 0 "$CT" image rm course/python-app:1
	assert_status 0 "$CT" pull "127.0.0.1:$PORT/course/python-app:1"
	assert_status 0 "$CT" run "127.0.0.1:$PORT/course/python-app:1"
	check_app_output "$OUT"
}

# start_registry: docker-registry on a free port of 127.0.0.1, storage in
# T; stopped by its pid when the test ends.
start_registry() {
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$T/reg"
	cat >"$T/reg/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $T/reg/data
http:
  addr: 127.0.0.1:$PORT
log:
  level: error
EOF
	docker-registry serve "$T/reg/config.yml" >"$T/reg/log" 2>&1 &
	REG_PID=$!
	# shellcheck disable=SC2064
	trap "kill $REG_PID 2>/dev/null; wait $REG_PID 2>/dev/null || true; rm -rf '$T'" EXIT
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v2/')" 2>/dev/null && return 0
		sleep 0.2
	done
	fail "the registry never answered: $(cat "$T/reg/log")"
}

run_tests "$@"
