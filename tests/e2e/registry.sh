#!/usr/bin/env bash
# container pull / push against a real registry (Debian's docker-registry,
# the CNCF distribution registry) started here on 127.0.0.1 and a free port,
# with skopeo and umoci as the other side; the bad cases against a closed
# port and a small fake registry (tests/container/fake-registry.py).
# Each registry is stopped by its pid on every path (trap). Skipped where the
# tools are missing (the test host has none of them).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

CT=$BIN/container
FAKE=$VCLAB_ROOT/tests/container/fake-registry.py
ROOTFS=$BUILD/rootfs/test

need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
	[ -x "$BIN/container-registry" ] || skip "build/bin/container-registry is not built"
	"$CT" image --help >/dev/null 2>&1 || skip "container image (the store) is not built"
}

# A temp dir and a store of its own for this test; everything started is
# stopped on exit.
setup() {
	T=$(mktemp -d /tmp/i10reg-XXXXXX)
	export VCLAB_STORE=$T/store
	PIDS=""
	trap cleanup EXIT
}

cleanup() {
	local p
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry [htpasswd]: docker-registry on 127.0.0.1:$PORT, storage in $T.
start_registry() {
	local auth="" _
	PORT=$(free_port)
	if [ "${1:-}" = htpasswd ]; then
		htpasswd -Bbn alice s3cret >"$T/htpasswd"
		auth="auth:
  htpasswd:
    realm: vclab-test
    path: $T/htpasswd"
	fi
	cat >"$T/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/registry
http:
  addr: 127.0.0.1:$PORT
$auth
EOF
	docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
	REG_PID=$!
	PIDS="$PIDS $REG_PID"
	for _ in $(seq 100); do
		if python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; then
			REG=127.0.0.1:$PORT
			return 0
		fi
		kill -0 "$REG_PID" 2>/dev/null || fail "docker-registry died: $(cat "$T/registry.log")"
		sleep 0.1
	done
	fail "docker-registry did not listen on $PORT in 10 s: $(cat "$T/registry.log")"
}

# start_fake MODE: tests/container/fake-registry.py; sets FAKE_REG.
start_fake() {
	local _
	python3 "$FAKE" "$1" "$T/fake.port" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		if [ -s "$T/fake.port" ]; then
			FAKE_REG=127.0.0.1:$(cat "$T/fake.port")
			return 0
		fi
		sleep 0.1
	done
	fail "the fake registry did not start"
}

# The test image: a tarball of build/rootfs/test imported into the store.
import_test_image() { # NAME
	tar -C "$ROOTFS" -cf "$T/rootfs.tar" .
	assert_status 0 "$CT" image import "$T/rootfs.tar" "$1"
}

# The layer digests of a stored image, one a line (from the OCI layout).
store_layers() { # NAME
	python3 - "$VCLAB_STORE" "$1" <<'EOF'
import json, sys
root, name = sys.argv[1], sys.argv[2]
for m in json.load(open(root + "/index.json"))["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == name:
        man = json.load(open(root + "/blobs/sha256/" + m["digest"][7:]))
        print("\n".join(l["digest"] for l in man["layers"]))
        break
else:
    sys.exit("no image " + name)
EOF
}

store_manifest_digest() { # NAME
	python3 - "$VCLAB_STORE" "$1" <<'EOF'
import json, sys
for m in json.load(open(sys.argv[1] + "/index.json"))["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == sys.argv[2]:
        print(m["digest"])
EOF
}

# What a failed pull must leave alone: every file of the store, and what
# index.json says.
store_snapshot() {
	if [ -d "$VCLAB_STORE" ]; then
		(cd "$VCLAB_STORE" && find . -type f -o -type d | sort && cat index.json 2>/dev/null)
	fi
}

test_push_then_skopeo_inspects_and_copies() {
	need_tools docker-registry skopeo python3
	setup
	start_registry
	import_test_image i10reg-t:1
	assert_status 0 "$CT" push i10reg-t:1 "$REG/vclab/test:1"
	assert_contains "$OUT" "Pushed" "push output"
	assert_contains "$OUT" "pushed" "push summary"
	local want got
	want=$(store_layers i10reg-t:1)
	[ -n "$want" ] || fail "the imported image has no layers"
	got=$(skopeo inspect --tls-verify=false "docker://$REG/vclab/test:1" |
		python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Layers"]))')
	assert_eq "$got" "$want" "skopeo inspect's layers"
	assert_status 0 skopeo copy --src-tls-verify=false "docker://$REG/vclab/test:1" "oci:$T/oci:copy"
	[ -s "$T/oci/index.json" ] || fail "skopeo copy wrote no OCI layout"
	local l
	for l in $want; do
		[ -s "$T/oci/blobs/sha256/${l#sha256:}" ] || fail "skopeo's copy lacks layer $l"
	done
}

test_second_push_skips_existing_blobs() {
	need_tools docker-registry python3
	setup
	start_registry
	import_test_image i10reg-t:1
	assert_status 0 "$CT" push i10reg-t:1 "$REG/vclab/test:1"
	assert_not_contains "$OUT" "already exists" "first push"
	assert_status 0 "$CT" push i10reg-t:1 "$REG/vclab/test:2"
	assert_contains "$OUT" "Layer already exists" "second push"
	assert_not_contains "$OUT" ": Pushed" "second push uploads nothing"
	assert_contains "$OUT" "pushed 0 blobs" "second push summary"
}

test_chunked_push_then_pull() {
	need_tools docker-registry python3
	setup
	start_registry
	import_test_image i10reg-t:1
	assert_status 0 "$CT" push --chunk-size 64K i10reg-t:1 "$REG/vclab/chunked:1"
	assert_contains "$OUT" "PATCH chunks" "chunked push"
	local want
	want=$(store_manifest_digest i10reg-t:1)
	export VCLAB_STORE=$T/store2
	assert_status 0 "$CT" pull "$REG/vclab/chunked:1"
	assert_contains "$OUT" "Pull complete" "pull output"
	assert_eq "$(store_manifest_digest "$REG/vclab/chunked:1")" "$want" "manifest digest after pull"
}

test_rm_pull_run_round_trip() {
	need_tools docker-registry python3
	setup
	start_registry
	import_test_image "$REG/vclab/rt:1"
	local want before after
	want=$(store_manifest_digest "$REG/vclab/rt:1")
	assert_status 0 "$CT" push "$REG/vclab/rt:1" "$REG/vclab/rt:1"
	assert_status 0 "$CT" image rm "$REG/vclab/rt:1"
	assert_status 0 "$CT" image prune
	[ -z "$(store_manifest_digest "$REG/vclab/rt:1")" ] || fail "image rm left the tag"
	assert_status 0 "$CT" pull "$REG/vclab/rt:1"
	assert_contains "$OUT" "pulled" "pull summary"
	assert_eq "$(store_manifest_digest "$REG/vclab/rt:1")" "$want" "manifest digest after the round trip"
	assert_status 0 "$CT" images
	assert_contains "$OUT" "vclab/rt" "container images lists the pulled image"
	# a second pull fetches nothing
	assert_status 0 "$CT" pull "$REG/vclab/rt:1"
	assert_contains "$OUT" "pulled 0 new blobs" "second pull"
	if "$CT" run --help 2>&1 | grep -q IMAGE; then
		before=$("$CT" run "$ROOTFS" -- /bin/sh -c 'ls / /bin | md5sum' 2>&1) ||
			fail "run of the rootfs: $before"
		after=$("$CT" run "$REG/vclab/rt:1" /bin/sh -c 'ls / /bin | md5sum' 2>&1) ||
			fail "run of the pulled image: $after"
		assert_eq "$after" "$before" "the pulled image runs as the rootfs did"
	fi
}

test_pull_image_made_by_umoci_and_skopeo() {
	need_tools docker-registry skopeo umoci python3
	setup
	start_registry
	mkdir -p "$T/files"
	echo "made by umoci" >"$T/files/umoci.txt"
	umoci init --layout "$T/oci" >/dev/null
	umoci new --image "$T/oci:foreign" >/dev/null
	# a busybox layer (the test rootfs) so that vclab can run it, then the file
	umoci insert --image "$T/oci:foreign" "$ROOTFS" / >/dev/null
	umoci insert --image "$T/oci:foreign" "$T/files/umoci.txt" /umoci.txt >/dev/null
	assert_status 0 skopeo copy --dest-tls-verify=false "oci:$T/oci:foreign" "docker://$REG/other/foreign:1"
	assert_status 0 "$CT" pull "$REG/other/foreign:1"
	assert_status 0 "$CT" images
	assert_contains "$OUT" "other/foreign" "container images lists the foreign image"
	local want
	want=$(skopeo inspect --tls-verify=false "docker://$REG/other/foreign:1" |
		python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Layers"]))')
	assert_eq "$(store_layers "$REG/other/foreign:1")" "$want" "layers of the foreign image"
	# and run by vclab
	assert_status 0 "$CT" run "$REG/other/foreign:1" cat /umoci.txt
	assert_eq "$OUT" "made by umoci" "a container of the foreign image"
}

test_basic_auth() {
	need_tools docker-registry htpasswd python3
	setup
	start_registry htpasswd
	import_test_image i10reg-t:1
	assert_one_line_error "$CT" push i10reg-t:1 "$REG/vclab/auth:1"
	assert_contains "$ERR" "401 Unauthorized" "push without credentials"
	assert_contains "$ERR" "--creds" "the error says what to give"
	assert_one_line_error "$CT" push --creds alice:wrong i10reg-t:1 "$REG/vclab/auth:1"
	assert_contains "$ERR" "refused the credentials" "push with a wrong password"
	assert_status 0 "$CT" push --creds alice:s3cret i10reg-t:1 "$REG/vclab/auth:1"
	printf 'alice:s3cret\n' >"$T/creds"
	export VCLAB_STORE=$T/store2
	assert_one_line_error "$CT" pull "$REG/vclab/auth:1"
	assert_contains "$ERR" "401" "pull without credentials"
	assert_status 0 "$CT" pull --creds-file "$T/creds" "$REG/vclab/auth:1"
	assert_contains "$OUT" "pulled" "pull with a credentials file"
}

test_bearer_token_auth() {
	need_tools python3
	setup
	start_fake bearer
	assert_one_line_error "$CT" pull "$FAKE_REG/app:1"
	assert_contains "$ERR" "401 Unauthorized" "pull without credentials from a token registry"
	assert_status 0 "$CT" pull --creds alice:s3cret "$FAKE_REG/app:1"
	assert_contains "$OUT" "pulled 2 new blobs" "pull with a bearer token"
}

# bad_pull REF NEEDLE: one line naming NEEDLE, exit 1, the store as it was.
bad_pull() {
	local before after
	assert_status 0 "$CT" images # the store exists (empty)
	before=$(store_snapshot)
	assert_one_line_error "$CT" pull --timeout 5 "$1"
	assert_contains "$ERR" "$2" "pull $1"
	assert_contains "$ERR" "$1" "the error names the reference"
	after=$(store_snapshot)
	assert_eq "$after" "$before" "the store after a failed pull"
	[ -z "$(find "$VCLAB_STORE/tmp" -type f 2>/dev/null)" ] || fail "temp files left in the store"
}

test_pull_unreachable_registry() {
	need_tools python3
	setup
	bad_pull "127.0.0.1:$(free_port)/nothing:1" "connection refused"
}

test_pull_refusing_registry() {
	need_tools python3
	setup
	start_fake refuse
	bad_pull "$FAKE_REG/app:1" "403 Forbidden (DENIED"
}

test_pull_digest_mismatch() {
	need_tools python3
	setup
	start_fake corrupt
	bad_pull "$FAKE_REG/app:1" "digest mismatch"
}

test_pull_truncated_blob() {
	need_tools python3
	setup
	start_fake short
	bad_pull "$FAKE_REG/app:1" "the manifest says"
}

test_pull_missing_tag() {
	need_tools docker-registry python3
	setup
	start_registry
	bad_pull "$REG/vclab/none:nope" "404 Not Found (MANIFEST_UNKNOWN"
}

test_pull_stalled_registry_times_out() {
	need_tools python3
	setup
	start_fake stall
	local start=$SECONDS
	bad_pull "$FAKE_REG/app:1" "timed out (nothing received for 5 s)"
	[ $((SECONDS - start)) -lt 30 ] || fail "--timeout 5 took $((SECONDS - start)) s"
}

test_progress_on_a_terminal() {
	need_tools python3 script
	setup
	start_fake index
	local out
	out=$(script -qec "$CT pull $FAKE_REG/app:1" /dev/null) || fail "pull on a terminal: $out"
	assert_contains "$out" $'\033[' "progress redrawn in place on a terminal"
	assert_contains "$out" "Pull complete" "each blob's final state"
	assert_contains "$out" "pulled 2 new blobs" "the summary"
}

# the blobs come through a 307 redirect (see fake-registry.py)
test_pull_index_resolves_linux_amd64() {
	need_tools python3
	setup
	start_fake index
	assert_status 0 "$CT" pull "$FAKE_REG/app:1"
	assert_status 0 "$CT" images
	assert_contains "$OUT" "app" "the image from the index"
	local d
	d=$(store_manifest_digest "$FAKE_REG/app:1")
	[ -n "$d" ] || fail "no manifest tagged"
	grep -q 'vnd.docker.distribution.manifest.v2' "$VCLAB_STORE/blobs/sha256/${d#sha256:}" ||
		fail "the tag does not point at the amd64 (Docker schema 2) manifest"
}

test_bad_arguments() {
	need_tools python3
	setup
	assert_one_line_error "$CT" pull busybox
	assert_contains "$ERR" "no registry" "a reference without a registry"
	assert_one_line_error "$CT" pull "127.0.0.1:1/UPPER:1"
	assert_contains "$ERR" "UPPER" "a bad reference"
	assert_one_line_error "$CT" push
	assert_contains "$ERR" "push: expected" "push without arguments"
	assert_one_line_error "$CT" push a b c
	assert_contains "$ERR" "push: expected" "push with three arguments"
	assert_one_line_error "$CT" push i10reg-none:1
	assert_contains "$ERR" "no registry" "push REF without a registry"
	assert_one_line_error "$CT" push --creds nocolon a "127.0.0.1:1/a:1"
	assert_one_line_error "$CT" push i10reg-none:1 "127.0.0.1:1/a:1"
	assert_contains "$ERR" "i10reg-none" "push of an image not in the store"
}

# start_slow_pull: a pull from the slow fake registry, in the background
# (PULL_PID), once its config blob is in and its layer is coming.
start_slow_pull() {
	local _
	start_fake slow
	assert_status 0 "$CT" images # the store exists (empty)
	BEFORE=$(store_snapshot)
	"$CT" pull "$FAKE_REG/app:1" >"$T/pull.out" 2>"$T/pull.err" &
	PULL_PID=$!
	for _ in $(seq 100); do
		grep -q "Config complete" "$T/pull.out" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the slow pull did not get its config: $(cat "$T/pull.out" "$T/pull.err")"
}

test_interrupted_pull_leaves_nothing() {
	need_tools python3
	setup
	start_slow_pull
	local rc=0
	kill -INT "$PULL_PID"
	wait "$PULL_PID" || rc=$?
	assert_eq "$rc" 130 "exit status of an interrupted pull"
	assert_eq "$(wc -l <"$T/pull.err")" 1 "one error line"
	assert_contains "$(cat "$T/pull.err")" "interrupted" "the error"
	assert_eq "$(store_snapshot)" "$BEFORE" "the store after an interrupted pull"
	[ -z "$(find "$VCLAB_STORE/tmp" -type f)" ] || fail "temp files left: $(ls "$VCLAB_STORE/tmp")"
}

test_killed_pull_is_not_trusted() {
	need_tools python3
	setup
	start_slow_pull
	kill -KILL "$PULL_PID"
	wait "$PULL_PID" 2>/dev/null || true
	# a half-written blob may stay in tmp/ (swept after an hour), never in blobs/
	[ -z "$(store_manifest_digest "$FAKE_REG/app:1")" ] || fail "a killed pull tagged the image"
	assert_eq "$(cd "$VCLAB_STORE" && find blobs -type f)" "" "blobs after a killed pull (the store was empty)"
	assert_status 0 "$CT" pull "$FAKE_REG/app:1"
	assert_contains "$OUT" "pulled 2 new blobs" "the next pull fetches both blobs again"
}

test_pull_without_the_registry_binary() {
	need_tools python3
	setup
	mkdir "$T/bin"
	cp "$CT" "$T/bin/container"
	assert_one_line_error "$T/bin/container" pull 127.0.0.1:1/a:1
	assert_contains "$ERR" "cannot run $T/bin/container-registry" "container without container-registry"
}

run_tests "$@"
