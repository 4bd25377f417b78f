# shellcheck shell=bash disable=SC2034 # IMG is for the tests
# The test image of `vmm run --image` (tests/e2e/vmm_image.sh here,
# tests/kvm/vmm_image.sh in the test host), sourced after tests/lib.sh and
# tests/container/lib.sh.
#
# image_setup: a temp directory W (removed at exit) holding a store
# ($VCLAB_STORE) with base:1 (the busybox test rootfs imported) and IMG,
# built from it: Env, WorkingDir, a script with a hard link to it
# (/app/app.link), /bin/ls deleted (a whiteout in an upper layer), and a Cmd
# that runs the script. The script prints what a
# container and a microVM must both show, and exits with its first argument.
IMG=vclab-vmimg:1

image_setup() {
	require_container
	command -v tar >/dev/null || skip "no tar"
	W=$(mktemp -d /tmp/vclab-vmimg.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$W'" EXIT
	export VCLAB_STORE=$W/store
	tar -C "$ROOTFS" -cf "$W/base.tar" . || fail "tar of $ROOTFS failed"
	"$CT" image import "$W/base.tar" base:1 >/dev/null || fail "image import failed"
	mkdir "$W/ctx"
	# shellcheck disable=SC2016 # expanded by the image's shell
	printf '%s\n' 'echo "greeting: $GREETING"' 'echo "cwd: $(pwd)"' 'echo "uid: $(id -u)"' \
		'echo "args: $*"' '[ -e /bin/ls ] && echo "ls: present" || echo "ls: deleted"' \
		'echo "stdin: $(cat)"' 'exit "${1:-0}"' >"$W/ctx/app.sh"
	cat >"$W/ctx/Dockerfile" <<'DF'
FROM base:1
ENV GREETING=hello
WORKDIR /app
COPY app.sh ./
RUN rm /bin/ls && ln app.sh app.link
CMD ["/bin/sh", "app.sh"]
DF
	"$CT" build -t "$IMG" "$W/ctx" >"$W/build.log" 2>&1 ||
		fail "container build failed: $(tail -n 5 "$W/build.log")"
}

# The output the script gives for ARGS.
image_expected() {
	printf 'greeting: hello\ncwd: /app\nuid: 0\nargs: %s\nls: deleted\nstdin: \n' "$*"
}
