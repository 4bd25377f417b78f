#!/usr/bin/env bash
# `bench run --compare --image REF`: an image built in the test (busybox
# base imported from the test rootfs, one COPY layer on it) run by every
# runner that can here. Checked: the three files, the container rows ran
# the image's program (its Cmd, WorkingDir, Env) with one config.json, the
# image sizes against the store's blobs recomputed here (stat, jq, gzip),
# --cmd and --ready-line, the VM rows' state, podman and docker
# (--engines, when installed), and each bad input: one line, non-zero, no
# files written, nothing left behind.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../container/lib.sh
. "$VCLAB_ROOT/tests/container/lib.sh"

BENCH=$BIN/bench
W=$(mktemp -d /tmp/e2e-bench-image.XXXXXX)
trap 'rm -rf "$W"' EXIT
export VCLAB_STORE=$W/store
IMG=bench-test/app:1

need_tools() {
	require_container
	[ -x "$BENCH" ] || fail "$BENCH not built (make build/bin/bench)"
	command -v jq >/dev/null || skip "jq not installed (scripts/deps.sh testhost)"
	command -v gzip >/dev/null || skip "needs gzip"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip "no overlayfs"
}

# base:1 (the test rootfs, one layer) and IMG (base:1 + a script), built once.
image_built() {
	need_tools
	[ -f "$W/image.done" ] && return 0
	tar -C "$ROOTFS" -cf "$W/base.tar" . || fail "tar of $ROOTFS failed"
	"$CT" image import "$W/base.tar" base:1 >/dev/null || fail "image import failed"
	mkdir -p "$W/ctx"
	# shellcheck disable=SC2016 # expanded by the image's shell
	printf 'echo "hello $GREETING in $(pwd)"\necho second line\n' >"$W/ctx/hello.sh"
	cat >"$W/ctx/Dockerfile" <<'DF'
FROM base:1
ENV GREETING=bench
WORKDIR /srv/app
COPY hello.sh .
CMD ["/bin/sh", "hello.sh"]
DF
	"$CT" build -t "$IMG" "$W/ctx" >"$W/build.out" 2>&1 || fail "build failed: $(tail -n 3 "$W/build.out")"
	touch "$W/image.done"
}

# One shared --compare run (the slow part). In the test host a microVM
# boots under nested KVM on TCG: far slower than here.
compare_run() {
	image_built
	local timeout=30
	[ -z "${VCLAB_TESTHOST:-}" ] || timeout=300
	if [ ! -f "$W/compare.done" ]; then
		"$BENCH" run --compare --image "$IMG" --runs 2 --warmup 1 --timeout "$timeout" --quiet \
			--json "$W/b.json" --markdown "$W/b.md" --svg "$W/b.svg" >"$W/compare.out" 2>&1 ||
			fail "bench run --image failed: $(tail -c 600 "$W/compare.out")"
		touch "$W/compare.done"
	fi
	J=$W/b.json
}

runner() { # NAME FIELD
	jq -r --arg n "$1" ".runners[] | select(.name == \$n) | $2" "$J"
}

blob() { # DIGEST: its file in the store
	echo "$VCLAB_STORE/blobs/sha256/${1#sha256:}"
}

manifest_of() { # REF: the manifest digest the store's index names
	jq -r --arg r "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r) | .digest' \
		"$VCLAB_STORE/index.json"
}

test_image_run_writes_three_files() {
	compare_run
	for f in b.json b.md b.svg; do
		[ -s "$W/$f" ] || fail "$f not written"
	done
	assert_eq "$(jq -r .schema "$J")" "vclab-bench/1" "schema"
	assert_eq "$(jq -r .settings.image.ref "$J")" "$IMG" "settings.image.ref"
	assert_eq "$(jq -r .settings.image.id "$J")" "$(manifest_of "$IMG")" "the manifest digest"
	assert_eq "$(jq -r .settings.image.command "$J")" "/bin/sh hello.sh" "the image's Cmd"
	assert_eq "$(jq -r .settings.image.ready_line "$J")" "" "ready line: the first line"
	assert_contains "$(cat "$W/b.md")" "# vclab bench: the image $IMG as process, container and VM" "title"
	assert_contains "$(cat "$W/b.md")" "| image | unpacked |" "size columns"
	assert_contains "$(cat "$W/b.svg")" "Image to ship (registry view" "SVG size panel"
	assert_contains "$(cat "$W/b.svg")" "Memory overhead at peak" "SVG memory panel"
	tail -n 1 "$W/b.svg" | grep -q '</svg>' || fail "SVG not closed"
}

test_container_rows_ran_the_image() {
	compare_run
	local rows="process container container-image"
	for r in runc crun; do
		command -v "$r" >/dev/null && rows="$rows $r"
	done
	for r in $rows; do
		assert_eq "$(runner "$r" .state)" ok "$r state ($(runner "$r" .reason))"
		assert_eq "$(runner "$r" .runs_ok)" 2 "$r runs"
		jq -e --arg n "$r" '.runners[] | select(.name == $n) | .metrics.startup_ms.median > 0
			and .metrics.completion_ms.median >= .metrics.startup_ms.median' "$J" >/dev/null ||
			fail "$r figures: $(runner "$r" -c .metrics.startup_ms)"
	done
	assert_contains "$(runner container-image .command)" " $IMG" "container-image runs the image by name"
	assert_contains "$(runner container .command)" "--bundle $BUILD/bench/image." "container runs the bundle"
	for r in runc crun; do
		assert_eq "$(runner $r .command | sed 's/.*--bundle \([^ ]*\) .*/\1/')" \
			"$(runner container .command | sed 's/.*--bundle \([^ ]*\) .*/\1/')" "$r runs the same bundle"
	done
}

# The one config.json of container, runc and crun is the image's program.
test_one_config_is_the_images() {
	compare_run
	local cfg
	cfg=$(jq -c '.containers.config' "$J")
	assert_eq "$(jq -c '.process.args' <<<"$cfg")" '["/bin/sh","hello.sh"]' "args"
	assert_eq "$(jq -r '.process.cwd' <<<"$cfg")" /srv/app "WorkingDir"
	assert_contains "$(jq -r '.process.env | join(" ")' <<<"$cfg")" "GREETING=bench" "Env"
	assert_eq "$(jq -r '.mounts | length' <<<"$cfg")" 7 "runc spec's mounts"
	assert_eq "$(jq -r '.root.readonly' <<<"$cfg")" true "read-only root"
}

# The program's own output, under a runtime: the ready line by text.
test_ready_line_and_cmd() {
	image_built
	assert_status 0 "$BENCH" run --image "$IMG" --runner container --runs 1 --warmup 0 --quiet \
		--ready-line "second line" --json "$W/r.json" --markdown "$W/r.md" --svg "$W/r.svg"
	J=$W/r.json
	assert_eq "$(runner container .state)" ok "--ready-line 'second line' ($(runner container .reason))"
	assert_eq "$(jq -r .settings.image.ready_line "$J")" "second line" "recorded"
	# a line that never comes: the runner fails, saying which line it waited for
	assert_status 0 "$BENCH" run --image "$IMG" --runner container --runs 1 --warmup 0 --quiet \
		--ready-line "never printed" --json "$W/n.json" --markdown "$W/n.md" --svg "$W/n.svg"
	J=$W/n.json
	assert_eq "$(runner container .state)" failed "a ready line that never comes"
	assert_contains "$(runner container .reason)" "without printing a line with 'never printed'" "reason"
	# --cmd replaces the image's Cmd for every runner
	assert_status 0 "$BENCH" run --image "$IMG" --runner container,container-image --runs 1 \
		--warmup 0 --quiet --cmd "echo other" --json "$W/c.json" --markdown "$W/c.md" --svg "$W/c.svg"
	J=$W/c.json
	assert_eq "$(jq -r .settings.image.command "$J")" "echo other" "--cmd recorded"
	assert_eq "$(runner container .state)" ok "container with --cmd ($(runner container .reason))"
	assert_contains "$(runner container-image .command)" "$IMG echo other" "container-image gets --cmd"
}

# Sizes from the store's files, recomputed here without the bench.
test_image_sizes_match_the_blobs() {
	compare_run
	local man cfg_d total unpacked shared base_layers d
	man=$(blob "$(manifest_of "$IMG")")
	cfg_d=$(jq -r .config.digest "$man")
	total=$(($(stat -c %s "$man") + $(stat -c %s "$(blob "$cfg_d")")))
	unpacked=0
	shared=0
	base_layers=$(jq -r '.layers[].digest' "$(blob "$(manifest_of base:1)")")
	for d in $(jq -r '.layers[].digest' "$man"); do
		total=$((total + $(stat -c %s "$(blob "$d")")))
		unpacked=$((unpacked + $(gzip -dc "$(blob "$d")" | wc -c)))
		if printf '%s\n' "$base_layers" | grep -qx "$d"; then
			shared=$((shared + $(stat -c %s "$(blob "$d")")))
		fi
	done
	[ "$shared" -gt 0 ] || fail "the base layer is not shared with base:1?"
	for r in container container-image runc crun podman docker; do
		assert_eq "$(runner "$r" .image.bytes)" "$total" "$r: manifest + config + layers"
		assert_eq "$(runner "$r" .image.unpacked_bytes)" "$unpacked" "$r: the layers unpacked"
		assert_eq "$(runner "$r" .image.shared_bytes)" "$shared" "$r: the base layer shared with base:1"
	done
	assert_eq "$(runner container '[.image.parts[].bytes] | add')" "$total" "the parts add up"
	assert_eq "$(runner process .image.unpacked_bytes)" "$unpacked" "process: the unpacked rootfs"
	assert_contains "$(cat "$W/b.md")" "layers (gzip) shared with other stored images" "shared part shown"
}

# VM rows: measured where Linux guests run and vmm boots images, else
# unavailable with the reason; never made-up figures.
test_vm_rows_are_real_or_explained() {
	compare_run
	for r in microvm qemu-microvm; do
		case $(runner "$r" .state) in
		ok) assert_eq "$(runner "$r" .runs_ok)" 2 "$r runs" ;;
		unavailable)
			[ -n "$(runner "$r" .reason)" ] || fail "$r without a reason"
			assert_eq "$(runner "$r" '.metrics.startup_ms.samples | length')" 0 "$r has no fake samples"
			;;
		failed) [ -n "$(runner "$r" .reason)" ] || fail "$r failed without a reason" ;;
		*) fail "$r: state $(runner "$r" .state)" ;;
		esac
		jq -e --arg n "$r" '.runners[] | select(.name == $n) | .image.parts[0].name == "bzImage"
			and .image.parts[0].bytes > 0' "$J" >/dev/null || fail "$r image: $(runner "$r" -c .image)"
	done
	# the contract of the microVM half: vmm run --image REF boots the image
	assert_contains "$(runner microvm .command)" "--kernel $BUILD/guest/bzImage --image $IMG" "microvm command"
	if ! "$BIN/vmm" run --help 2>&1 | grep -q -- --image; then
		assert_contains "$(runner microvm .reason)" "has no --image" "microvm reason without vmm --image"
	elif [ "$(jq -r .host.kvm "$J")" = true ]; then
		# the test host: Linux guests boot, so the image must run as a microVM
		assert_eq "$(runner microvm .state)" ok "microvm state ($(runner microvm .reason))"
		assert_eq "$(runner microvm .runs_ok)" 2 "microvm runs"
		jq -e '.runners[] | select(.name == "microvm") | .image.parts[1].bytes > 0
			and .image.unpacked_bytes > .image.parts[1].bytes' "$J" >/dev/null ||
			fail "microvm image: $(runner microvm -c .image)"
	fi
}

test_no_debris_after_run() {
	compare_run
	assert_not_contains "$(cat /proc/self/mountinfo)" "$BUILD/bench/image" "the rootfs went with the bench"
	[ -z "$(find "$BUILD/bench" -maxdepth 1 -name 'image.*' -newer "$W/image.done")" ] ||
		fail "the run's bundle folder left: $(find "$BUILD/bench" -maxdepth 1 -name 'image.*')"
	ls "$BUILD"/bench/timings-* 2>/dev/null && fail "timings files left"
	[ ! -e "$BUILD/bench/engines" ] || fail "build/bench/engines left"
	if command -v runc >/dev/null; then
		assert_not_contains "$(runc list -q 2>/dev/null)" "vclab-bench-$$" "runc containers left"
	fi
	[ -z "$(ls -A "$VCLAB_STORE/containers" 2>/dev/null)" ] || fail "image runs left: $(ls "$VCLAB_STORE/containers")"
}

# podman and docker run the image loaded into them (a dockerd of the
# bench's own, stopped at the end).
test_engines_run_the_image() {
	image_built
	local want=""
	command -v podman >/dev/null && command -v conmon >/dev/null && want="$want podman"
	command -v docker >/dev/null && command -v dockerd >/dev/null && want="$want docker"
	command -v skopeo >/dev/null || skip "skopeo not installed (scripts/deps.sh engines)"
	[ -n "$want" ] || skip "neither podman nor docker installed (scripts/deps.sh engines)"
	assert_status 0 "$BENCH" run --image "$IMG" --runner podman,docker --engines --runs 1 --warmup 0 \
		--timeout 60 --quiet --json "$W/e.json" --markdown "$W/e.md" --svg "$W/e.svg"
	J=$W/e.json
	for r in $want; do
		assert_eq "$(runner "$r" .state)" ok "$r state ($(runner "$r" .reason))"
		assert_eq "$(runner "$r" .kind)" engine "$r kind"
	done
	[ ! -e "$BUILD/bench/engines" ] || fail "build/bench/engines left"
	assert_not_contains "$(ps -eo args)" "dockerd --data-root $BUILD/bench/engines" "dockerd left running"
	# without --engines they stay in the table, with the reason
	assert_status 0 "$BENCH" run --image "$IMG" --runner podman --runs 1 --warmup 0 --quiet \
		--json "$W/e2.json" --markdown "$W/e2.md" --svg "$W/e2.svg"
	J=$W/e2.json
	assert_eq "$(runner podman .state)" unavailable "podman without --engines"
	assert_contains "$(runner podman .reason)" "add --engines" "reason"
}

# bad_input ARGS...: one line naming the input, non-zero, no file written.
bad_input() {
	rm -f "$W/x.json" "$W/x.md" "$W/x.svg"
	assert_one_line_error "$BENCH" run --quiet --json "$W/x.json" --markdown "$W/x.md" --svg "$W/x.svg" "$@"
	if [ -e "$W/x.json" ] || [ -e "$W/x.md" ] || [ -e "$W/x.svg" ]; then
		fail "files written after: $*"
	fi
	[ -z "$(find "$BUILD/bench" -maxdepth 1 -name 'image.*' -newer "$W/image.done")" ] ||
		fail "a bundle folder left after: $*"
}

test_bad_input() {
	image_built
	local before
	before=$(wc -l </proc/self/mountinfo)
	bad_input --image no/such-image:1
	assert_contains "$ERR" "--image no/such-image:1: no such image in the store" "unknown image"
	bad_input --image 127.0.0.1:9/none:1
	assert_contains "$ERR" "container pull" "an unreachable registry"
	bad_input --ready-line x
	assert_contains "$ERR" "--ready-line needs --image" "--ready-line without --image"
	bad_input --image "$IMG" --ready-line ""
	assert_contains "$ERR" "--ready-line: empty" "an empty --ready-line"
	bad_input --cmd "echo x"
	assert_contains "$ERR" "--cmd needs --image" "--cmd without --image"
	bad_input --image "$IMG" --workload "sha256=1"
	assert_contains "$ERR" "--workload" "--workload with --image"
	bad_input --image "$IMG" --runner unikernel
	assert_contains "$ERR" "unknown runner 'unikernel'" "no unikernel for images"
	bad_input --image "$IMG" --cmd "   "
	assert_contains "$ERR" "no Entrypoint or Cmd" "a --cmd of blanks"
	assert_eq "$(wc -l </proc/self/mountinfo)" "$before" "no mount left"
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -path '*/vclab/vclab-bench-*' -type d 2>/dev/null)" ] ||
		fail "cgroups left"
}

run_tests "$@"
