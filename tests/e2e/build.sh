#!/usr/bin/env bash
# `container build`: Dockerfiles built into the image store and run, on a
# busybox base image imported from the test rootfs. Each test has its own
# store ($VCLAB_STORE in a temp directory). Checked: the steps and their
# output, `container run NAME`, the build cache (`cached`, the same digest,
# only what changed rebuilt), whiteouts in a RUN layer, .dockerignore, ADD
# of a tar, USER, build args, and each bad input: one line, non-zero, the
# store's index unchanged, no temp directory, mount or cgroup left.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

# A temp directory T with a store T/store holding the image base:1 (the
# test rootfs as one layer) and a context directory T/ctx.
setup() {
	require_container
	command -v tar >/dev/null || skip "needs tar"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		skip "no overlayfs"
	T=$(mktemp -d /tmp/vclab-build-XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$T'" EXIT
	export VCLAB_STORE=$T/store
	tar -C "$ROOTFS" -cf "$T/base.tar" . || fail "tar of $ROOTFS failed"
	"$CT" image import "$T/base.tar" base:1 >/dev/null || fail "image import failed"
	mkdir "$T/ctx"
}

# build_fails CMD...: a one-line error, a non-zero exit, and nothing a
# build could leave: no cgroup of a build step's container (vclab-build-*:
# only ours, others run containers on this host at the same time), no
# mount under $T, nothing in the store's tmp.
build_fails() {
	assert_one_line_error "$@"
	local left
	left=$(find /sys/fs/cgroup -maxdepth 4 -path '*/vclab/vclab-build-*' -type d 2>/dev/null)
	[ -z "$left" ] || fail "cgroups left: $left"
	assert_not_contains "$(cat /proc/self/mountinfo)" "$T" "no mount left"
	if [ -d "$VCLAB_STORE/tmp" ]; then
		assert_eq "$(find "$VCLAB_STORE/tmp" -mindepth 1 | head -3)" "" "no temp files left"
	fi
}

# build ARGS...: container build, its output in $OUT; fails the test on error.
build() {
	assert_status 0 "$CT" build "$@"
}

# The digest a build printed last: "--> image sha256:...".
image_digest() {
	printf '%s\n' "$OUT" | sed -n 's/^--> image \(sha256:[0-9a-f]*\).*/\1/p' | tail -n 1
}

# The blob of a layer a step printed ("--> layer sha256:<12 hex> (...)"),
# the Nth such line.
layer_blob() {
	local short
	short=$(printf '%s\n' "$OUT" | sed -n 's/^--> layer sha256:\([0-9a-f]*\) .*/\1/p' | sed -n "$1p")
	[ -n "$short" ] || fail "no layer line number $1 in: $OUT"
	echo "$VCLAB_STORE"/blobs/sha256/"$short"*
}

app_context() {
	echo hello >"$T/ctx/hello.txt"
	# shellcheck disable=SC2016 # expanded by the container's shell
	printf 'echo "greeting: $GREETING"\ncat hello.txt\n' >"$T/ctx/app.sh"
	cat >"$T/ctx/Dockerfile" <<'DF'
# syntax=docker/dockerfile:1
FROM base:1
ENV GREETING=hi
WORKDIR /app
COPY hello.txt \
     app.sh ./
RUN chmod +x app.sh && echo "built in $(pwd)" >built.txt
CMD ["/bin/sh", "app.sh"]
DF
}

test_build_and_run() {
	setup
	app_context
	build -t app:1 "$T/ctx"
	assert_contains "$OUT" "STEP 1/6: FROM base:1" "first step"
	assert_contains "$OUT" "STEP 4/6: COPY hello.txt" "COPY step"
	assert_contains "$OUT" "STEP 5/6: RUN chmod +x app.sh" "RUN step"
	assert_contains "$OUT" "Successfully tagged app:1" "tag line"
	assert_status 0 "$CT" run app:1
	assert_eq "$OUT" "greeting: hi
hello" "container run app:1 runs the CMD in the WORKDIR with the ENV"
	assert_status 0 "$CT" run app:1 cat /app/built.txt
	assert_eq "$OUT" "built in /app" "RUN ran in the WORKDIR"
	assert_status 0 "$CT" images
	assert_contains "$(printf '%s\n' "$OUT" | tr -s ' ')" "app 1 " "container images lists it"
}

test_rebuild_is_cached() {
	setup
	app_context
	build -t app:1 "$T/ctx"
	local first nblobs
	first=$(image_digest)
	[ -n "$first" ] || fail "no image digest in: $OUT"
	nblobs=$(find "$VCLAB_STORE/blobs" -type f | wc -l)
	touch "$T/ctx/hello.txt" "$T/ctx/app.sh" # times do not matter
	build -t app:1 "$T/ctx"
	assert_eq "$(printf '%s\n' "$OUT" | grep -c -- '--> cached')" 2 "both layer steps cached"
	assert_not_contains "$OUT" "--> layer" "no new layer"
	assert_eq "$(image_digest)" "$first" "the same image digest"
	assert_eq "$(find "$VCLAB_STORE/blobs" -type f | wc -l)" "$nblobs" "no new blob"
	# without the cache every layer is made again, byte for byte the same
	build --no-cache -t app:2 "$T/ctx"
	assert_eq "$(printf '%s\n' "$OUT" | grep -c -- '--> layer')" 2 "--no-cache rebuilds"
	assert_eq "$(image_digest)" "$first" "the same digest, rebuilt"
}

test_change_one_file_rebuilds_from_there() {
	setup
	echo a >"$T/ctx/a"
	echo b >"$T/ctx/b"
	cat >"$T/ctx/Dockerfile" <<'DF'
FROM base:1
COPY a /a
COPY b /b
RUN cat /a /b >/ab
DF
	build -t ab "$T/ctx"
	echo B >"$T/ctx/b"
	build -t ab "$T/ctx"
	local steps
	steps=$(printf '%s\n' "$OUT" | grep -E '^(STEP|-->)' | tr '\n' '|')
	assert_contains "$steps" "STEP 2/4: COPY a /a|--> cached" "unchanged COPY is cached"
	assert_contains "$steps" "STEP 3/4: COPY b /b|--> layer" "changed COPY rebuilt"
	assert_contains "$steps" "STEP 4/4: RUN cat /a /b >/ab|--> layer" "later RUN rebuilt"
	assert_status 0 "$CT" run ab cat /ab
	assert_eq "$OUT" "a
B" "the new content"
}

test_run_deletes_whiteouts() {
	setup
	cat >"$T/ctx/Dockerfile" <<'DF'
FROM base:1
RUN mkdir -p /d/sub && echo old >/d/old && echo keep >/d/sub/f
RUN rm /bin/ls && rm -rf /d && mkdir /d && echo new >/d/new
DF
	build -t wh "$T/ctx"
	local blob list
	blob=$(layer_blob 2)
	list=$(tar -tzf "$blob") || fail "tar -tzf $blob failed"
	assert_contains "$list" "bin/.wh.ls" "a deleted file is a .wh. entry"
	assert_contains "$list" "d/.wh..wh..opq" "a replaced directory is opaque"
	assert_not_contains "$list" "etc/" "no mount point of the runtime in the layer"
	assert_not_contains "$list" "proc/" "no mount point of the runtime in the layer"
	assert_status 127 "$CT" run wh ls /
	assert_status 0 "$CT" run wh /bin/sh -c 'cat /d/*; [ ! -e /d/old ] && [ ! -e /d/sub ] && echo gone'
	assert_eq "$OUT" "new
gone" "the deleted entries are gone in the container"
}

test_dockerignore() {
	setup
	mkdir -p "$T/ctx/src" "$T/ctx/secret" "$T/ctx/deep/x"
	echo code >"$T/ctx/src/main.c"
	echo s >"$T/ctx/secret/key"
	echo l >"$T/ctx/debug.log"
	echo k >"$T/ctx/keep.log"
	echo t >"$T/ctx/deep/x/a.tmp"
	printf '# comment\n*.log\n!keep.log\nsecret\n**/*.tmp\n' >"$T/ctx/.dockerignore"
	printf 'FROM base:1\nCOPY . /ctx/\n' >"$T/ctx/Dockerfile"
	build -t ign "$T/ctx"
	assert_status 0 "$CT" run ign find /ctx -type f
	local files
	files=$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')
	assert_eq "$files" "/ctx/.dockerignore /ctx/Dockerfile /ctx/keep.log /ctx/src/main.c " \
		"what .dockerignore lets through"
	# an ignored file changed: still cached
	echo L >"$T/ctx/debug.log"
	build -t ign "$T/ctx"
	assert_contains "$OUT" "--> cached" "an ignored file does not count"
	# COPY of an ignored file by name is refused
	printf 'FROM base:1\nCOPY debug.log /\n' >"$T/ctx/Dockerfile"
	build_fails "$CT" build -t ign2 "$T/ctx"
	assert_contains "$ERR" "Dockerfile:2: COPY debug.log: excluded by .dockerignore" "error"
}

test_add_tar_user_args_metadata() {
	setup
	mkdir -p "$T/tree/t"
	echo intar >"$T/tree/t/file"
	tar -C "$T/tree" -czf "$T/ctx/files.tar.gz" t
	cat >"$T/ctx/Dockerfile" <<'DF'
ARG BASE=base
FROM ${BASE}:1
ARG WHO=nobody
ARG BASE
ENV DIR=/opt/${WHO:-x}
ADD files.tar.gz $DIR/
COPY --chown=1000:1000 Dockerfile /owned
USER 1000
RUN echo "$WHO $BASE $(id -u) $(stat -c %u:%g /owned)" >/tmp/who
EXPOSE 8080 53/udp
LABEL course="vclab" step=10
ENTRYPOINT ["/bin/cat"]
DF
	build -t meta --build-arg WHO=ada "$T/ctx"
	assert_status 0 "$CT" run meta /opt/ada/t/file /tmp/who
	assert_eq "$OUT" "intar
ada base 1000 1000:1000" "ADD extracted, ARG/--build-arg, USER, COPY --chown; ENTRYPOINT"
	assert_status 0 "$CT" image inspect meta
	assert_contains "$OUT" '"8080/tcp"' "EXPOSE"
	assert_contains "$OUT" '"53/udp"' "EXPOSE udp"
	assert_contains "$OUT" '"course": "vclab"' "LABEL"
	assert_contains "$OUT" '"empty_layer": true' "metadata steps in the history"
	# an unused --build-arg is a warning, not an error
	build -t meta --build-arg NOPE=1 "$T/ctx"
	assert_contains "$OUT" "--build-arg NOPE: no ARG NOPE" "warning"
}

test_entrypoint_and_cmd() {
	setup
	printf 'FROM base:1\nCMD ["from", "base"]\n' >"$T/ctx/Dockerfile"
	build -t withcmd "$T/ctx"
	# a new ENTRYPOINT drops the base image's CMD ...
	printf 'FROM withcmd\nENTRYPOINT ["/bin/echo", "e"]\n' >"$T/ctx/Dockerfile"
	build -t ep1 "$T/ctx"
	assert_status 0 "$CT" run ep1
	assert_eq "$OUT" "e" "the base's CMD is dropped"
	# ... but not one this Dockerfile set; the shell form runs /bin/sh -c
	printf 'FROM withcmd\nCMD ["mine"]\nENTRYPOINT ["/bin/echo", "e"]\n' >"$T/ctx/Dockerfile"
	build -t ep2 "$T/ctx"
	assert_status 0 "$CT" run ep2
	assert_eq "$OUT" "e mine" "ENTRYPOINT + CMD"
	assert_status 0 "$CT" run ep2 x y
	assert_eq "$OUT" "e x y" "arguments replace the CMD"
	# shellcheck disable=SC2016 # for the image's shell
	printf 'FROM base:1\nENV W=world\nCMD echo hello $W\n' >"$T/ctx/Dockerfile"
	build -t shellform "$T/ctx"
	assert_status 0 "$CT" run shellform
	assert_eq "$OUT" "hello world" "the shell form of CMD"
}

test_run_sees_host_dns() {
	setup
	[ -r /etc/resolv.conf ] || skip "no /etc/resolv.conf on this host"
	printf 'FROM base:1\nRUN cat /etc/resolv.conf >/resolv\n' >"$T/ctx/Dockerfile"
	build -t dns "$T/ctx"
	local list
	list=$(tar -tzf "$(layer_blob 1)")
	assert_eq "$list" "resolv" "only the step's own file in the layer"
	assert_status 0 "$CT" run dns cat /resolv
	assert_eq "$OUT" "$(cat /etc/resolv.conf)" "RUN sees the host's resolv.conf (apt-get can resolve)"
	# an image with its own resolv.conf (debootstrap's): RUN sees the host's,
	# the image keeps its own, and the mount point is not copied up
	echo "nameserver 192.0.2.1" >"$T/ctx/resolv.conf"
	printf 'FROM base:1\nCOPY resolv.conf /etc/resolv.conf\nRUN cat /etc/resolv.conf >/resolv\n' \
		>"$T/ctx/Dockerfile"
	build -t dns2 "$T/ctx"
	list=$(tar -tzf "$(layer_blob 2)")
	assert_eq "$list" "resolv" "the image's resolv.conf is not in the RUN layer"
	assert_status 0 "$CT" run dns2 cat /resolv
	assert_eq "$OUT" "$(cat /etc/resolv.conf)" "RUN saw the host's"
	assert_status 0 "$CT" run dns2 cat /etc/resolv.conf
	assert_eq "$OUT" "nameserver 192.0.2.1" "the image keeps its own"
}

test_scratch_copy_only() {
	setup
	echo x >"$T/ctx/x"
	printf 'FROM scratch\nCOPY x /x\nCMD ["/x"]\n' >"$T/ctx/Dockerfile"
	build -t scratchy "$T/ctx"
	assert_contains "$OUT" "(1 layer," "one layer"
	assert_eq "$(tar -tzf "$(layer_blob 1)" | tr '\n' ' ')" "x " "the layer holds x alone"
}

# FROM a registry reference that is not in the store: pulled first (needs
# Debian's docker-registry; the test host has none).
test_from_registry_is_pulled() {
	setup
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
	command -v python3 >/dev/null || skip "python3 is not installed"
	[ -x "$BIN/container-registry" ] || skip "build/bin/container-registry is not built"
	local port reg pid _
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
		"$T/registry" "$port" >"$T/registry.yml"
	docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064
	trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf '$T'" EXIT
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
		sleep 0.1
	done
	reg=127.0.0.1:$port
	assert_status 0 "$CT" push base:1 "$reg/base:1"
	assert_status 0 "$CT" image rm base:1
	printf 'FROM %s/base:1\nRUN echo pulled >/p\nCMD ["cat", "/p"]\n' "$reg" >"$T/ctx/Dockerfile"
	build -t frompull "$T/ctx"
	assert_contains "$OUT" "STEP 1/3: FROM $reg/base:1" "FROM step"
	assert_status 0 "$CT" run frompull
	assert_eq "$OUT" "pulled" "built on the pulled base"
	# an unreachable registry: one line, naming the image
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	printf 'FROM %s/other:1\n' "$reg" >"$T/ctx/Dockerfile"
	build_fails "$CT" build -t x "$T/ctx"
	assert_contains "$ERR" "Dockerfile:1: base image '$reg/other:1' is not in the store (pulling it failed: pull $reg/other:1: GET http://$reg/v2/: connection refused)" "error"
}

test_killed_build_is_cleaned_up() {
	setup
	printf 'FROM base:1\nRUN echo started; sleep 67\n' >"$T/ctx/Dockerfile"
	"$CT" build -t killed "$T/ctx" >"$T/out" 2>&1 &
	local pid=$! _
	for _ in $(seq 100); do
		grep -q started "$T/out" && break
		sleep 0.1
	done
	grep -q started "$T/out" || fail "the RUN step did not start: $(cat "$T/out")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	[ -n "$(find "$VCLAB_STORE/tmp" -maxdepth 1 -name "build-$pid-*")" ] ||
		fail "expected the killed build's directory (the next build removes it)"
	assert_not_contains "$(cat /proc/self/mountinfo)" "$T" "no mount outlives the build"
	printf 'FROM base:1\nRUN true\n' >"$T/ctx/Dockerfile"
	build -t next "$T/ctx"
	assert_eq "$(find "$VCLAB_STORE/tmp" -mindepth 1 | head -3)" "" "the next build removed it"
	for _ in $(seq 50); do
		[ -z "$(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/vclab-build-$pid-*" 2>/dev/null)" ] && break
		sleep 0.1
	done
	assert_eq "$(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/vclab-build-$pid-*" 2>/dev/null)" "" \
		"the RUN container's cgroup is gone"
	assert_eq "$(find_proc "sleep 67" || true)" "" "the RUN container's process died with the build"
}

# --- bad input: one line, non-zero, the store's index as it was, nothing left -----

# bad_build EXPECTED-ERROR: build $T/ctx, expect a clean failure.
bad_build() {
	local index blobs
	index=$(cat "$VCLAB_STORE/index.json")
	blobs=$(find "$VCLAB_STORE/blobs" -type f | sort)
	build_fails "$CT" build -t bad "$T/ctx"
	assert_contains "$ERR" "$1" "error"
	assert_eq "$(cat "$VCLAB_STORE/index.json")" "$index" "index.json unchanged"
	assert_eq "$(find "$VCLAB_STORE/blobs" -type f | sort)" "$blobs" "no new blob"
	assert_eq "$(find "$VCLAB_STORE/tmp" -mindepth 1 | head -3)" "" "no temp files left"
	assert_not_contains "$(cat /proc/self/mountinfo)" "$VCLAB_STORE" "no mount left"
}

test_bad_malformed_dockerfile() {
	setup
	printf 'FROM base:1\nRUN true\nFRUM x\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:3: unknown instruction 'FRUM'"
	printf 'RUN true\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:1: RUN before FROM"
	printf 'FROM base:1\nENV\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: ENV requires at least one argument"
	printf 'FROM base:1\nEXPOSE eighty\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: EXPOSE 'eighty': not PORT"
	# shellcheck disable=SC2016 # a Dockerfile's own syntax
	printf 'FROM base:1\nWORKDIR ${X\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: '\${X': missing '}'"
	build_fails "$CT" build -t bad "$T/nowhere"
	assert_contains "$ERR" "build context $T/nowhere" "missing context"
	build_fails "$CT" build -t bad -f "$T/none" "$T/ctx"
	assert_contains "$ERR" "$T/none: No such file" "missing Dockerfile"
}

test_bad_copy_outside_context() {
	setup
	echo secret >"$T/outside"
	printf 'FROM base:1\nCOPY ../outside /x\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: COPY ../outside: outside the build context"
	ln -s "$T/outside" "$T/ctx/link"
	printf 'FROM base:1\nCOPY link /x\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: COPY link: outside the build context"
	printf 'FROM base:1\nCOPY missing /x\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: COPY missing: not found in the build context"
}

test_bad_missing_base() {
	setup
	printf 'FROM nosuch:1\nRUN true\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:1: base image 'nosuch:1' is not in the store"
}

test_bad_failing_run() {
	setup
	printf 'FROM base:1\nRUN echo partial >/p; exit 3\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: RUN echo partial >/p; exit 3: exit status 3"
	printf 'FROM base:1\nRUN ["/no/such/program"]\n' >"$T/ctx/Dockerfile"
	bad_build "Dockerfile:2: process.args[0]: cannot execute /no/such/program"
}

run_tests "$@"
