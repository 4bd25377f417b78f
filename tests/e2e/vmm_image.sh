#!/usr/bin/env bash
# `container image export --initramfs` and the parts of `vmm run --image`
# that run before a boot (a Linux guest boots only in the test host:
# tests/kvm/vmm_image.sh). Checked: the path printed and the cache (a second
# export flattens nothing), the same bytes from two exports, what the cpio
# holds (whiteouts applied, the init, the image config), the init itself
# run as pid 1 of a pid namespace on the exported tree (same output and
# status as `container run`), and every refusal: one line, non-zero, no
# temp file left in the store.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"
# shellcheck source=SCRIPTDIR/../vmm/image.sh
. "$VCLAB_ROOT/tests/vmm/image.sh"

VMM=$BIN/vmm

# no_temp_left: nothing half-written in the store's initramfs directory.
no_temp_left() {
	[ ! -d "$VCLAB_STORE/initramfs" ] ||
		assert_eq "$(find "$VCLAB_STORE/initramfs" -name '*.tmp-*' | head -3)" "" "no temp file left"
}

# unpack_cpio FILE DIR
unpack_cpio() {
	mkdir -p "$2"
	# GNU or busybox cpio (the test host): no --quiet; its block count to a file
	(cd "$2" && gzip -dc "$1" | cpio -i -d 2>"$W/cpio.err") || fail "cannot unpack $1: $(cat "$W/cpio.err")"
}

test_export_prints_the_cache_path_and_reuses_it() {
	image_setup
	local digest path mtime
	assert_status 0 "$CT" image export --initramfs "$IMG"
	assert_contains "$OUT" "flattened" "the first export flattens"
	path=$("$CT" image export --initramfs "$IMG" 2>"$W/err") || fail "second export failed"
	assert_contains "$(cat "$W/err")" "cached (no flattening)" "the second export is a cache hit"
	digest=$("$CT" image inspect "$IMG" | jq -r '.[0].Id') || fail "image inspect failed"
	case $path in
	"$VCLAB_STORE"/initramfs/[0-9a-f]*-[0-9a-f]*.cpio.gz) ;;
	*) fail "unexpected path: $path" ;;
	esac
	assert_contains "$path" "/${digest#sha256:}-" "named by the manifest digest"
	[ "$(printf '%s\n' "$path" | wc -l)" = 1 ] || fail "stdout is not one line: $path"
	mtime=$(stat -c %Y "$path")
	sleep 1
	"$CT" image export --initramfs "$IMG" >/dev/null 2>&1 || fail "third export failed"
	assert_eq "$(stat -c %Y "$path")" "$mtime" "a cache hit does not rewrite the file"
	no_temp_left
}

test_prune_removes_the_cache_of_images_no_longer_stored() {
	image_setup
	local kept gone out
	kept=$("$CT" image export --initramfs base:1 2>/dev/null) || fail "export of base:1 failed"
	gone=$("$CT" image export --initramfs "$IMG" 2>/dev/null) || fail "export of $IMG failed"
	# what a killed export leaves: a half-written file
	echo partial >"$gone.tmp-99999"
	"$CT" image prune >/dev/null || fail "prune with both images failed"
	{ [ -f "$kept" ] && [ -f "$gone" ]; } || fail "prune removed the cache of a stored image"
	[ ! -e "$gone.tmp-99999" ] || fail "prune left a half-written export"
	"$CT" image rm "$IMG" >/dev/null || fail "image rm failed"
	out=$("$CT" image prune) || fail "prune failed"
	[ ! -e "$gone" ] || fail "prune left the cache of the removed $IMG: $gone"
	[ -f "$kept" ] || fail "prune removed the cache of base:1, still stored"
	assert_contains "$out" "blobs and cached files" "prune's summary"
	# the cache is rebuilt from the store, not from the removed file
	"$CT" image export --initramfs base:1 >/dev/null 2>&1 || fail "export after prune failed"
}

test_export_is_reproducible() {
	image_setup
	local cached
	"$CT" image export --initramfs "$IMG" -o "$W/a.cpio.gz" >/dev/null 2>&1 || fail "export -o failed"
	sleep 1
	"$CT" image export --initramfs "$IMG" -o "$W/b.cpio.gz" >/dev/null 2>&1 || fail "export -o failed"
	cmp -s "$W/a.cpio.gz" "$W/b.cpio.gz" || fail "two exports differ"
	cached=$("$CT" image export --initramfs "$IMG" 2>/dev/null) || fail "export failed"
	cmp -s "$W/a.cpio.gz" "$cached" || fail "the cached file differs from -o's"
	[ "$(od -An -tx1 -j4 -N4 "$W/a.cpio.gz" | tr -d ' ')" = 00000000 ] || fail "gzip header holds a time"
}

test_export_holds_the_flattened_image_init_and_config() {
	image_setup
	local d=$W/x
	"$CT" image export --initramfs "$IMG" -o "$W/i.cpio.gz" >/dev/null 2>&1 || fail "export failed"
	unpack_cpio "$W/i.cpio.gz" "$d"
	[ -f "$d/app/app.sh" ] || fail "the COPY layer's file is missing"
	[ -x "$d/bin/busybox" ] || fail "the base layer's busybox is missing"
	if [ -e "$d/bin/ls" ] || [ -L "$d/bin/ls" ]; then
		fail "the deleted /bin/ls is there (whiteout not applied)"
	fi
	[ -z "$(find "$d" -name '.wh.*' | head -1)" ] || fail "a whiteout file is in the cpio"
	# the hard link stays one file: same inode, two links, the data once
	assert_eq "$(stat -c %i "$d/app/app.link")" "$(stat -c %i "$d/app/app.sh")" "app.link's inode"
	assert_eq "$(stat -c %h "$d/app/app.sh")" 2 "links of app.sh"
	cmp -s "$d/app/app.link" "$d/app/app.sh" || fail "app.link's content differs"
	# shellcheck disable=SC2016 # the script's own text, not expanded
	assert_eq "$(gzip -dc "$W/i.cpio.gz" | grep -c 'exit "${1:-0}"')" 1 "copies of the script's data in the cpio"
	cmp -s "$d/.vclab/init" "$BIN/vclab-init" || fail "/.vclab/init is not vclab-init"
	assert_eq "$(tr '\0' ' ' <"$d/.vclab/cmd")" "/bin/sh app.sh " "Cmd"
	assert_eq "$(cat "$d/.vclab/workdir")" "/app" "WorkingDir"
	assert_eq "$(cat "$d/.vclab/user")" "0:0" "User"
	assert_contains "$(tr '\0' '\n' <"$d/.vclab/env")" "GREETING=hello" "Env"
	assert_contains "$(tr '\0' '\n' <"$d/.vclab/env")" "PATH=/usr/local/sbin" "the default PATH"
}

test_user_names_are_resolved_from_the_image() {
	image_setup
	local d=$W/x
	mkdir "$W/u"
	printf 'FROM %s\nUSER nobody:nogroup\n' "$IMG" >"$W/u/Dockerfile"
	"$CT" build -t vclab-vmimg-user:1 "$W/u" >/dev/null 2>&1 || fail "build failed"
	"$CT" image export --initramfs vclab-vmimg-user:1 -o "$W/u.cpio.gz" >/dev/null 2>&1 || fail "export failed"
	unpack_cpio "$W/u.cpio.gz" "$d"
	assert_eq "$(cat "$d/.vclab/user")" "65534:65534" "User nobody:nogroup from the image's files"
	printf 'FROM %s\nUSER ghost\n' "$IMG" >"$W/u/Dockerfile"
	"$CT" build -t vclab-vmimg-ghost:1 "$W/u" >/dev/null 2>&1 || fail "build failed"
	assert_one_line_error "$CT" image export --initramfs vclab-vmimg-ghost:1
	assert_contains "$ERR" "no such user" "an unknown user"
	no_temp_left
}

# The init on the exported tree, as pid 1 of a pid namespace, without the
# rights to write the exit port or reboot: it then exits with the status.
test_init_runs_the_image_like_container_run() {
	image_setup
	command -v setpriv >/dev/null || skip "no setpriv"
	unshare --kill-child true 2>/dev/null || skip "no util-linux unshare (busybox's has no --kill-child)"
	local d=$W/x rc=0 out want
	"$CT" image export --initramfs "$IMG" -o "$W/i.cpio.gz" >/dev/null 2>&1 || fail "export failed"
	unpack_cpio "$W/i.cpio.gz" "$d"
	want=$(image_expected 7 two words)
	out=$(timeout -s KILL 60 unshare -m -p -f -u --kill-child \
		setpriv --bounding-set -sys_rawio,-sys_boot chroot "$d" /.vclab/init \
		console=ttyS0 vclab.cmd /bin/sh app.sh 7 "two words" </dev/null 2>"$W/err") || rc=$?
	assert_eq "$rc" 7 "the init's status (stderr: $(cat "$W/err"))"
	assert_eq "$out" "$want" "the init's output"
	assert_contains "$(cat "$W/err")" "exit port did not end the VM" "no exit port here"
	rc=0
	out=$("$CT" run "$IMG" /bin/sh app.sh 7 "two words" </dev/null 2>"$W/err") || rc=$?
	assert_eq "$rc" 7 "container run's status (stderr: $(cat "$W/err"))"
	assert_eq "$out" "$want" "container run's output"
	# the image's own Cmd, status 0
	rc=0
	out=$(timeout -s KILL 60 unshare -m -p -f -u --kill-child \
		setpriv --bounding-set -sys_rawio,-sys_boot chroot "$d" /.vclab/init </dev/null 2>"$W/err") || rc=$?
	assert_eq "$rc" 0 "the init's status with the image's Cmd"
	assert_eq "$out" "$(image_expected)" "the init's output with the image's Cmd"
	rc=0
	timeout -s KILL 60 unshare -m -p -f -u --kill-child setpriv --bounding-set -sys_rawio,-sys_boot \
		chroot "$d" /.vclab/init vclab.cmd no-such-program </dev/null >/dev/null 2>"$W/err" || rc=$?
	assert_eq "$rc" 127 "a missing program"
	assert_contains "$(cat "$W/err")" "no-such-program: executable file not found in \$PATH" "its error"
}

test_bad_ref_is_refused() {
	image_setup
	assert_one_line_error "$CT" image export --initramfs no-such-image:1
	assert_contains "$ERR" "no-such-image:1" "the error names the image"
	assert_one_line_error "$CT" image export --initramfs 'Bad//Ref'
	assert_one_line_error "$CT" image export "$IMG"
	assert_contains "$ERR" "--initramfs" "the only export there is"
	assert_one_line_error "$CT" image export --initramfs "$IMG" extra
	assert_status 120 "$VMM" run --image no-such-image:1
	assert_one_line_error "$VMM" run --image no-such-image:1
	assert_contains "$ERR" "no-such-image:1" "vmm's error names the image"
	assert_eq "$(ls "$VCLAB_STORE/initramfs" 2>/dev/null)" "" "nothing exported"
	no_temp_left
}

test_missing_init_is_refused() {
	image_setup
	VCLAB_INIT=$W/no-init assert_one_line_error "$CT" image export --initramfs "$IMG"
	assert_contains "$ERR" "$W/no-init" "names the init"
	printf 'not an elf' >"$W/bad-init"
	VCLAB_INIT=$W/bad-init assert_one_line_error "$CT" image export --initramfs "$IMG"
	assert_contains "$ERR" "not an ELF" "a bad init"
	assert_eq "$(ls "$VCLAB_STORE/initramfs" 2>/dev/null)" "" "nothing exported"
}

test_unwritable_output_is_refused() {
	image_setup
	assert_one_line_error "$CT" image export --initramfs "$IMG" -o "$W/no-dir/i.cpio.gz"
	assert_contains "$ERR" "$W/no-dir" "names the file"
	assert_eq "$(ls "$W")" "$(printf 'base.tar\nbuild.log\nctx\nstore')" "no file left"
}

test_vmm_refuses_too_little_memory_before_boot() {
	image_setup
	local before
	before=$(debris_snapshot)
	assert_status 120 "$VMM" run --image "$IMG" --mem 24M -- /bin/true
	assert_contains "$OUT" "--mem 24M: image $IMG needs at least" "names --mem and the image"
	assert_contains "$OUT" "unpacked rootfs" "says where the memory goes"
	assert_one_line_error "$VMM" run --image "$IMG" --mem 24M
	no_debris_after "$before"
	no_temp_left
}

test_vmm_refuses_what_the_kernel_command_line_cannot_carry() {
	image_setup
	assert_one_line_error "$VMM" run --image "$IMG" -- /bin/sh -c 'echo "quoted"'
	assert_contains "$ERR" "double quote" "a double quote"
	assert_one_line_error "$VMM" run --image "$IMG" -- /bin/sh -c 'exit 1' -- x
	assert_contains "$ERR" '"--"' "a -- word"
	assert_one_line_error "$VMM" run --image "$IMG" -- echo ''
	assert_contains "$ERR" "empty" "an empty word"
	assert_one_line_error "$VMM" run --image "$IMG" -- echo "$(printf 'a\tb')"
	assert_contains "$ERR" "control character" "a tab"
	# shellcheck disable=SC2046 # 30 words
	assert_one_line_error "$VMM" run --image "$IMG" -- echo $(seq 30)
	assert_contains "$ERR" "31 command words" "too many words"
	assert_one_line_error "$VMM" run --image "$IMG" --initrd /dev/null
	assert_eq "$(ls "$VCLAB_STORE/initramfs" 2>/dev/null)" "" "refused before the export"
}

test_vmm_help_says_how_the_image_becomes_guest_ram() {
	[ -x "$VMM" ] || fail "$VMM not built"
	assert_status 0 "$VMM" run --help
	assert_contains "$OUT" "--image REF" "--image in --help"
	assert_contains "$OUT" "unpacked" "the RAM an image needs"
}

run_tests "$@"
