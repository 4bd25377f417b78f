#!/usr/bin/env bash
# Images (images/): the store, import, inspect, rm, prune, save, load, and
# `container run IMAGE` on an overlay of the image's layers. Each test has
# its own store ($VCLAB_STORE in a temp directory) and checks that nothing
# is left behind: no overlay mount, nothing under /run/vclab/images, no
# upper directory, no temp file in the store.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

RUNDIR=/run/vclab/images

# A temp store and work directory W, removed when the test ends; the test
# rootfs as a tar in $W/rootfs.tar.
setup() {
	require_container
	command -v tar >/dev/null || skip "no tar"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || skip "no overlayfs"
	W=$(mktemp -d /tmp/vclab-images.XXXXXX)
	export VCLAB_STORE=$W/store
	trap cleanup_w EXIT
	# an overlay's upper directory needs xattrs (not on the test host's
	# initramfs): then the store goes on a tmpfs of its own
	if ! overlay_works "$W"; then
		mount -t tmpfs vclab-images "$W" || skip "cannot mount a tmpfs"
		W_MOUNTED=1
		overlay_works "$W" || skip "overlayfs does not work here"
	fi
	tar -C "$ROOTFS" -cf "$W/rootfs.tar" .
	RUN_BEFORE=$(ls "$RUNDIR" 2>/dev/null || true)
}

W_MOUNTED=0
cleanup_w() {
	[ "$W_MOUNTED" = 0 ] || umount -l "$W"
	rm -rf "$W"
}

overlay_works() { # DIR: can an overlay with an upper directory live in DIR?
	local o=$1/ol rc=0
	mkdir -p "$o/l" "$o/u" "$o/w" "$o/m"
	mount -t overlay vclab-images-probe -o "lowerdir=$o/l,upperdir=$o/u,workdir=$o/w" "$o/m" 2>/dev/null || rc=1
	[ "$rc" = 1 ] || umount "$o/m"
	rm -rf "$o"
	return "$rc"
}

# Nothing of this test's runs is left: mounts, run dirs, upper dirs, temps.
check_clean() {
	local now
	if grep -q " $RUNDIR/" /proc/self/mountinfo; then
		# other runs of images may be going on: only ours (in $W) count
		grep " $RUNDIR/" /proc/self/mountinfo | grep -q "$W/store" &&
			fail "an overlay of this store is still mounted"
	fi
	now=$(ls "$RUNDIR" 2>/dev/null || true)
	for d in $now; do
		printf '%s\n' "$RUN_BEFORE" | grep -qx "$d" || kill -0 "$d" 2>/dev/null ||
			fail "left behind: $RUNDIR/$d"
	done
	[ -z "$(ls -A "$VCLAB_STORE/containers" 2>/dev/null)" ] ||
		fail "left behind: $(ls "$VCLAB_STORE/containers")"
	[ -z "$(ls -A "$VCLAB_STORE/tmp" 2>/dev/null)" ] ||
		fail "temp files left in the store: $(ls "$VCLAB_STORE/tmp")"
	[ -z "$(find "$VCLAB_STORE/layers" -maxdepth 1 -name '.tmp-*' 2>/dev/null)" ] ||
		fail "a half-unpacked layer was left"
}

import_test() { # NAME [--change ...]
	local name=$1
	shift
	"$CT" image import "$@" "$W/rootfs.tar" "$name" >/dev/null || fail "import $name failed"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# store_state: what a failed command must not change (index and blob list)
store_state() {
	{
		cat "$VCLAB_STORE/index.json"
		ls "$VCLAB_STORE/blobs/sha256" "$VCLAB_STORE/layers"
	} | sha256sum
}

# make_layout DIR NAME TAR...: an OCI image layout of one image whose
# layers are the given tars (gzipped here), tagged NAME.
make_layout() {
	local dir=$1 name=$2 t gz d diff layers="" diffs="" cfg man
	shift 2
	mkdir -p "$dir/blobs/sha256"
	for t in "$@"; do
		gzip -n -c "$t" >"$dir/l.gz"
		d=$(sha "$dir/l.gz")
		diff=$(sha "$t")
		layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$dir/l.gz")}"
		diffs="$diffs${diffs:+,}\"sha256:$diff\""
		mv "$dir/l.gz" "$dir/blobs/sha256/$d"
	done
	printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$dir/c.json"
	cfg=$(sha "$dir/c.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$cfg" "$(stat -c %s "$dir/c.json")" "$layers" >"$dir/m.json"
	man=$(sha "$dir/m.json")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s"}}]}' \
		"$man" "$(stat -c %s "$dir/m.json")" "$name" >"$dir/index.json"
	mv "$dir/c.json" "$dir/blobs/sha256/$cfg"
	mv "$dir/m.json" "$dir/blobs/sha256/$man"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
}

test_import_list_inspect() {
	setup
	local out blob layer diff
	out=$("$CT" image import "$W/rootfs.tar" test/app:1) || fail "import failed"
	assert_contains "$out" "test/app:1 sha256:" "import output"
	out=$("$CT" images)
	assert_contains "$out" "test/app" "images lists the name"
	assert_contains "$out" " 1 " "images lists the tag"
	out=$("$CT" image inspect test/app:1)
	assert_eq "$(printf '%s' "$out" | jq '.[0].Layers | length')" 1 "layers"
	layer=$(printf '%s' "$out" | jq -r '.[0].Layers[0].digest')
	diff=$(printf '%s' "$out" | jq -r '.[0].Layers[0].diffID')
	blob=$VCLAB_STORE/blobs/sha256/${layer#sha256:}
	[ -f "$blob" ] || fail "layer blob $blob missing"
	assert_eq "sha256:$(sha "$blob")" "$layer" "layer digest"
	assert_eq "sha256:$(sha "$W/rootfs.tar")" "$diff" "diff id = sha256 of the tar"
	assert_eq "$(printf '%s' "$out" | jq -r '.[0].Layers[0].size')" "$(stat -c %s "$blob")" "layer size"
	assert_eq "$(printf '%s' "$out" | jq -r '.[0].History[0].created_by')" \
		"container image import rootfs.tar" "history"
	assert_eq "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$VCLAB_STORE/index.json")" \
		test/app:1 "ref.name in index.json"
	assert_eq "$(cat "$VCLAB_STORE/oci-layout")" '{"imageLayoutVersion":"1.0.0"}' "oci-layout"
	check_clean
}

test_run_image() {
	setup
	local out
	# shellcheck disable=SC2016 # $GREETING is for the container's shell
	import_test app --change 'ENV GREETING=hello' --change 'WORKDIR /srv/dir' \
		--change 'CMD ["/bin/sh","-c","echo $GREETING from $(pwd)"]'
	out=$("$CT" run app) || fail "run app failed: $out"
	assert_eq "$out" "hello from /srv/dir" "the image's Cmd, Env, WorkingDir"
	out=$("$CT" run app /bin/echo override)
	assert_eq "$out" "override" "CMD on the command line replaces Cmd"
	out=$("$CT" run --env GREETING=bye --workdir / app)
	assert_eq "$out" "bye from /" "--env and --workdir win over the image"
	out=$("$CT" run --trace app /bin/true 2>&1)
	assert_contains "$out" "layers_mounted" "--trace shows the layer mount step"
	assert_contains "$out" "overlay of 1 layer" "--trace detail"
	# the quick form with a directory is unchanged
	out=$("$CT" run "$ROOTFS" -- /bin/echo plain)
	assert_eq "$out" "plain" "run ROOTFS -- CMD"
	check_clean
}

test_entrypoint_user() {
	setup
	local out
	import_test ep --change 'ENTRYPOINT ["/bin/echo","ep"]' --change 'CMD ["default"]' \
		--change 'USER 1234:5678'
	out=$("$CT" run ep)
	assert_eq "$out" "ep default" "Entrypoint + Cmd"
	out=$("$CT" run ep given args)
	assert_eq "$out" "ep given args" "Entrypoint stays, CMD replaced"
	import_test who --change 'USER 1234:5678' --change 'CMD ["/bin/sh","-c","id -u; id -g"]'
	out=$("$CT" run who)
	assert_eq "$(echo "$out" | tr '\n' ' ')" "1234 5678 " "User"
	check_clean
}

test_upper_removed() {
	setup
	import_test app
	"$CT" run app /bin/sh -c 'echo data >/written; cat /written' | grep -qx data ||
		fail "could not write in the container"
	"$CT" run app /bin/sh -c 'test ! -e /written' ||
		fail "a file written in one container is in the next"
	# the layer itself is untouched
	[ -z "$(find "$VCLAB_STORE/layers" -name written)" ] || fail "the write reached the layer"
	check_clean
}

test_read_only() {
	setup
	local rc=0
	import_test app
	"$CT" run --read-only app /bin/sh -c 'echo x >/f' 2>/dev/null || rc=$?
	assert_ne "$rc" 0 "writing / with --read-only"
	"$CT" run --read-only app /bin/sh -c 'cat /probe >/dev/null' || fail "reading failed"
	check_clean
}

test_save_dir_umoci() {
	setup
	command -v umoci >/dev/null || skip "no umoci"
	import_test app:7
	"$CT" image save app:7 "$W/layout" >/dev/null || fail "save failed"
	{ [ -f "$W/layout/oci-layout" ] && [ -f "$W/layout/index.json" ]; } || fail "not a layout"
	umoci unpack --image "$W/layout:7" "$W/bundle" >/dev/null 2>&1 || fail "umoci unpack failed"
	diff -r --no-dereference "$ROOTFS" "$W/bundle/rootfs" >/dev/null ||
		fail "umoci's rootfs differs from the test rootfs"
	if command -v skopeo >/dev/null; then
		layer=$("$CT" image inspect app:7 | jq -r '.[0].Layers[0].digest')
		out=$(skopeo inspect "oci:$W/layout:7") || fail "skopeo inspect failed"
		assert_contains "$out" "$layer" "skopeo sees the layer"
	fi
	# and back: rm, prune, load, run
	"$CT" image rm app:7 >/dev/null
	"$CT" image prune >/dev/null
	out=$("$CT" image load "$W/layout") || fail "load failed"
	assert_contains "$out" "Loaded image: app:7" "load"
	assert_eq "$("$CT" run app:7 /bin/echo back)" back "run after load"
	check_clean
}

test_save_load_tar() {
	setup
	local out
	import_test app --change 'CMD ["/bin/echo","from tar"]'
	"$CT" image save app "$W/app.tar" >/dev/null || fail "save failed"
	tar -tf "$W/app.tar" | grep -qx index.json || fail "no index.json in the tar"
	"$CT" image rm app >/dev/null
	"$CT" image prune >/dev/null
	[ -z "$(ls "$VCLAB_STORE/blobs/sha256")" ] || fail "prune left blobs"
	out=$("$CT" image load "$W/app.tar" other/name:2) || fail "load failed"
	assert_contains "$out" "Loaded image: other/name:2" "load with a NAME"
	assert_eq "$("$CT" run other/name:2)" "from tar" "run after load"
	check_clean
}

test_rm_prune() {
	setup
	local out
	import_test app
	import_test app:two
	"$CT" run app /bin/true # unpacks the layer
	[ -n "$(ls "$VCLAB_STORE/layers")" ] || fail "no unpacked layer"
	"$CT" image rm app >/dev/null
	"$CT" image prune >/dev/null
	# app:two shares every blob: nothing goes
	assert_eq "$(find "$VCLAB_STORE/blobs/sha256" -type f | wc -l)" 3 "blobs of app:two"
	"$CT" image rm app:two >/dev/null
	out=$("$CT" images)
	assert_not_contains "$out" "app" "images after rm"
	out=$("$CT" image prune)
	assert_contains "$out" "removed 3 blobs" "prune"
	[ -z "$(ls "$VCLAB_STORE/blobs/sha256")" ] || fail "blobs left"
	[ -z "$(ls "$VCLAB_STORE/layers")" ] || fail "unpacked layers left"
	check_clean
}

test_whiteouts() {
	setup
	{ command -v gzip >/dev/null && command -v jq >/dev/null; } || skip "no gzip or jq"
	local out
	mkdir -p "$W/l1/data" "$W/l1/opq" "$W/l2/data" "$W/l2/opq"
	echo a >"$W/l1/data/a"
	echo b >"$W/l1/data/b"
	echo x >"$W/l1/opq/x"
	: >"$W/l2/data/.wh.a"
	: >"$W/l2/opq/.wh..wh..opq"
	echo z >"$W/l2/opq/z"
	tar -C "$W/l1" -cf "$W/l1.tar" .
	tar -C "$W/l2" -cf "$W/l2.tar" ./data ./opq
	make_layout "$W/layout" wh:1 "$W/rootfs.tar" "$W/l1.tar" "$W/l2.tar"
	"$CT" image load "$W/layout" >/dev/null || fail "load failed"
	out=$("$CT" run wh:1 /bin/sh -c 'ls /data; echo -; ls /opq')
	assert_eq "$(echo "$out" | tr '\n' ' ')" "b - z " "whiteout and opaque directory"
	check_clean
}

test_path_traversal() {
	setup
	command -v python3 >/dev/null || skip "no python3"
	local out=$W/outside before
	mkdir -p "$out"
	python3 - "$W/evil1.tar" "$W/evil2.tar" "$out" <<'PY'
import io, sys, tarfile
def add(t, name, data=b"x", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(i, k, v)
    i.size = len(data) if i.type == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if i.type == tarfile.REGTYPE else None)
with tarfile.open(sys.argv[1], "w") as t:
    add(t, "ok")
    add(t, "../../../../../../.." + sys.argv[3] + "/dotdot")
with tarfile.open(sys.argv[2], "w") as t:
    add(t, "link", type=tarfile.SYMTYPE, linkname=sys.argv[3])
    add(t, "link/through-symlink")
PY
	"$CT" image import "$W/evil1.tar" evil1 >/dev/null || fail "import evil1"
	before=$(store_state)
	expect_clean_failure "$CT" run evil1 /bin/true
	assert_contains "$ERR" "out of the layer" "error"
	assert_eq "$(store_state)" "$before" "store unchanged after evil1"
	# through a symlink: libarchive replaces the symlink by a directory
	"$CT" image import "$W/evil2.tar" evil2 >/dev/null || fail "import evil2"
	"$CT" run evil2 /bin/true 2>/dev/null || true
	[ -z "$(ls -A "$out")" ] || fail "written outside: $(ls "$out")"
	check_clean
}

test_truncated_layer() {
	setup
	command -v gzip >/dev/null || skip "no gzip"
	local gz d before
	make_layout "$W/layout" trunc:1 "$W/rootfs.tar"
	gz=$(find "$W/layout/blobs/sha256" -size +100k)
	head -c 100000 "$gz" >"$W/short"
	d=$(sha "$W/short")
	mv "$W/short" "$W/layout/blobs/sha256/$d"
	rm "$gz"
	# re-point the manifest at the truncated blob (its digest is right)
	man=$(jq -r '.manifests[0].digest' "$W/layout/index.json")
	jq -c --arg d "sha256:$d" '.layers[0].digest = $d | .layers[0].size = 100000' \
		"$W/layout/blobs/sha256/${man#sha256:}" >"$W/m.json"
	m=$(sha "$W/m.json")
	mv "$W/m.json" "$W/layout/blobs/sha256/$m"
	jq -c --arg d "sha256:$m" --argjson s "$(stat -c %s "$W/layout/blobs/sha256/$m")" \
		'.manifests[0].digest = $d | .manifests[0].size = $s' "$W/layout/index.json" >"$W/i.json"
	mv "$W/i.json" "$W/layout/index.json"
	"$CT" image load "$W/layout" >/dev/null || fail "load failed"
	before=$(store_state)
	expect_clean_failure "$CT" run trunc:1 /bin/true
	assert_contains "$ERR" "truncated" "error"
	assert_eq "$(store_state)" "$before" "store unchanged"
	check_clean
}

test_corrupt_blob() {
	setup
	local layer cfg before
	import_test app
	layer=$("$CT" image inspect app | jq -r '.[0].Layers[0].digest')
	cfg=$("$CT" image inspect app | jq -r '.[0].ConfigDigest')
	printf 'X' | dd of="$VCLAB_STORE/blobs/sha256/${layer#sha256:}" bs=1 seek=100 conv=notrunc 2>/dev/null
	before=$(store_state)
	expect_clean_failure "$CT" run app /bin/true
	assert_contains "$ERR" "mismatch" "error"
	assert_eq "$(store_state)" "$before" "store unchanged"
	expect_clean_failure "$CT" image save app "$W/out"
	[ ! -e "$W/out" ] || fail "save left $W/out"
	echo '{}' >"$VCLAB_STORE/blobs/sha256/${cfg#sha256:}"
	expect_clean_failure "$CT" image inspect app
	assert_contains "$ERR" "corrupted in the store" "error"
	# load refuses a blob whose content is not its name
	"$CT" image rm app >/dev/null
	"$CT" image prune >/dev/null
	import_test good
	"$CT" image save good "$W/good" >/dev/null || fail "save failed"
	"$CT" image rm good >/dev/null
	"$CT" image prune >/dev/null
	f=$(find "$W/good/blobs/sha256" -size +100k)
	printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
	expect_clean_failure "$CT" image load "$W/good"
	assert_contains "$ERR" "digest mismatch" "error"
	[ ! -e "$VCLAB_STORE/blobs/sha256/$(basename "$f")" ] || fail "bad blob stored"
	check_clean
}

test_bad_input() {
	setup
	expect_clean_failure "$CT" image import "$W/nope.tar" x
	assert_contains "$ERR" "nope.tar" "error names the tar"
	echo "not a tar" >"$W/junk"
	expect_clean_failure "$CT" image import "$W/junk" x
	assert_contains "$ERR" "junk" "error names the file"
	expect_clean_failure "$CT" image import "$W/rootfs.tar" 'Bad:Name'
	assert_contains "$ERR" "Bad:Name" "bad name"
	expect_clean_failure "$CT" image import --change 'FROB x' "$W/rootfs.tar" x
	expect_clean_failure "$CT" run no-such-image /bin/true
	assert_contains "$ERR" "no-such-image: no such image" "run"
	expect_clean_failure "$CT" image rm no-such-image
	expect_clean_failure "$CT" image inspect no-such-image
	expect_clean_failure "$CT" image load "$W"
	expect_clean_failure "$CT" image frob
	import_test app
	expect_clean_failure "$CT" image save app "$W/rootfs.tar"
	assert_contains "$ERR" "File exists" "save over a file"
	! "$CT" images | grep -v REPOSITORY | grep -qv '^app ' || fail "a failed import was listed"
	check_clean
}

test_concurrent_tags() {
	setup
	local i pids=""
	for i in 1 2 3 4; do
		"$CT" image import "$W/rootfs.tar" "par$i" >/dev/null &
		pids="$pids $!"
	done
	for i in $pids; do wait "$i" || fail "an import failed"; done
	assert_eq "$(jq '.manifests | length' "$VCLAB_STORE/index.json")" 4 "four tags"
	check_clean
}

test_signals() {
	setup
	local pid
	import_test app
	# SIGTERM: passed to the container (pid 1 ignores it; a second one
	# kills it); the run ends and cleans up
	"$CT" run app /bin/sleep 30 &
	pid=$!
	for _ in $(seq 50); do [ -d "$RUNDIR/$pid" ] && break; sleep 0.1; done
	[ -d "$RUNDIR/$pid" ] || fail "the run never mounted its overlay"
	sleep 0.3
	kill -TERM "$pid"
	sleep 0.3
	kill -TERM "$pid"
	wait_exit "$pid" 10
	[ ! -e "$RUNDIR/$pid" ] || fail "SIGTERM: $RUNDIR/$pid left"
	check_clean
	# SIGKILL: nothing can clean up then; the next image run does
	"$CT" run app /bin/sleep 30 &
	pid=$!
	for _ in $(seq 50); do [ -d "$RUNDIR/$pid" ] && break; sleep 0.1; done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	sleep 0.2
	"$CT" run app /bin/true || fail "the next run failed"
	[ ! -e "$RUNDIR/$pid" ] || fail "SIGKILL: $RUNDIR/$pid not swept"
	check_clean
}

test_full_disk() {
	setup
	local before
	mkdir -p "$VCLAB_STORE"
	mount -t tmpfs -o size=2m vclab-images-full "$VCLAB_STORE" || skip "cannot mount a tmpfs"
	# shellcheck disable=SC2064
	trap "umount '$VCLAB_STORE'; cleanup_w" EXIT
	import_test app # the 1.4 MB layer blob fits; unpacked (2.8 MB) it does not
	before=$(store_state)
	expect_clean_failure "$CT" run app /bin/true
	assert_contains "$ERR" "layer" "error names the layer"
	assert_eq "$(store_state)" "$before" "store unchanged"
	# and importing into the full store fails without a trace either
	expect_clean_failure "$CT" image import "$W/rootfs.tar" app2
	assert_eq "$(store_state)" "$before" "store unchanged after import"
	check_clean
}

# short_layout DIR CUT: an OCI layout DIR (tag short:1) whose one layer is
# the test rootfs plus short.txt, its tar ending right after short.txt's
# data (as umoci 0.4 writes layers: no padding, no zero blocks), CUT bytes
# before that (CUT=0: the whole file is there).
short_layout() {
	python3 - "$ROOTFS" "$1" "$2" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
root, out, cut = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = b'made by a short tar\n'
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as t:
    t.add(root, arcname='.')
    ti = tarfile.TarInfo('short.txt')
    ti.size, ti.mode = len(data), 0o644
    t.addfile(ti, io.BytesIO(data))
raw = buf.getvalue()
raw = raw[:raw.rindex(data) + len(data) - cut]
os.makedirs(out + '/blobs/sha256')
def blob(b):
    d = hashlib.sha256(b).hexdigest()
    open(out + '/blobs/sha256/' + d, 'wb').write(b)
    return 'sha256:' + d, len(b)
gz = gzip.compress(raw, mtime=0)
layer, lsize = blob(gz)
cfg, csize = blob(json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {},
    'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + hashlib.sha256(raw).hexdigest()]}}).encode())
man, msize = blob(json.dumps({'schemaVersion': 2,
    'mediaType': 'application/vnd.oci.image.manifest.v1+json',
    'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cfg, 'size': csize},
    'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': layer, 'size': lsize}]}).encode())
json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
    'digest': man, 'size': msize, 'annotations': {'org.opencontainers.image.ref.name': '1'}}]},
    open(out + '/index.json', 'w'))
json.dump({'imageLayoutVersion': '1.0.0'}, open(out + '/oci-layout', 'w'))
PY
}

# A layer whose tar stops right after its last file's data is read (umoci
# writes such layers); one cut inside that file's data is refused.
test_layer_cut_after_last_file() {
	setup
	command -v python3 >/dev/null || skip "no python3"
	short_layout "$W/whole" 0 || fail "making the layout failed"
	"$CT" image load "$W/whole" short:1 >/dev/null || fail "load failed"
	assert_status 0 "$CT" run short:1 cat /short.txt
	assert_eq "$OUT" "made by a short tar" "the last file of the layer"
	short_layout "$W/cut" 5 || fail "making the layout failed"
	"$CT" image load "$W/cut" cut:1 >/dev/null || fail "load failed"
	assert_one_line_error "$CT" run cut:1 cat /short.txt
	assert_contains "$ERR" "short.txt" "the error names the entry"
}

run_tests "$@"
