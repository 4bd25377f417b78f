#!/usr/bin/env bash
# Real container engines drive build/bin/container as their OCI runtime:
# podman 4 (+ conmon, `podman --runtime`) and Docker 20.10 (a dockerd of our
# own, `--add-runtime vclab=...`, then `docker run --runtime vclab`). Every
# case runs twice per engine: with runc, the reference (a failure there is
# the host's, not ours), and with vclab. Each test asserts what the engine
# shows: the container's output, the exit status, `ps`/`inspect`.
#
# Tests are named test_ENGINE_RUNTIME_CASE (e.g. test_podman_vclab_tty), so
# one can be run alone: bash tests/e2e/engines.sh test_docker_vclab_echo.
# Needs root, podman + conmon and/or docker.io (scripts/deps.sh engines),
# runc for the reference; each test skips cleanly without them (the test
# host has none of them).
#
# Everything lives under one temporary directory: podman's --root, --runroot
# and --tmpdir, and dockerd's --data-root, --exec-root, socket and pidfile.
# dockerd is started by the first Docker test and stopped by its pid when
# this file ends, however it ends.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

CT=${CT:-$BIN/container}
ROOTFS=${ROOTFS:-$BUILD/rootfs/test}
IMAGE=vclab-engines/busybox
W=""

engines_cleanup() {
	local pid mnt
	[ -n "$W" ] && [ -d "$W" ] || return 0
	if [ -e "$W/podman/.used" ]; then
		timeout 60 podman "${PODMAN_GLOBAL[@]}" rm -af -t 0 >/dev/null 2>&1 || true
	fi
	if [ -s "$W/docker/dockerd.pid" ]; then
		pid=$(cat "$W/docker/dockerd.pid")
		# shellcheck disable=SC2046 # one word per id
		timeout 30 docker -H "unix://$W/docker.sock" rm -f \
			$(timeout 10 docker -H "unix://$W/docker.sock" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# whatever the engines left mounted under W (shm, overlay of a crash)
	awk -v w="$W/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
	rm -rf "$W"
}

if [ "$(id -u)" = 0 ]; then
	W=$(mktemp -d /tmp/vclab-engines.XXXXXX)
	trap engines_cleanup EXIT
	trap 'exit 130' INT TERM
fi

PODMAN_GLOBAL=(--root "$W/podman/root" --runroot "$W/podman/run" --tmpdir "$W/podman/tmp"
	--cgroup-manager cgroupfs --events-backend file --storage-driver vfs)

# This host's shell lacks CAP_SYS_RESOURCE and its hard NOFILE limit is
# 20000: podman's default rlimits (nofile 1048576) cannot be set, by runc and
# crun as much as by us, so every podman run passes limits below the hard
# ones (tests/e2e/engines.sh test_*_ulimit checks that they arrive).
ULIMITS=(--ulimit nofile=20000:20000 --ulimit nproc=4096:4096)

runtime_path() { # runc|vclab
	case $1 in
	runc) command -v runc ;;
	vclab) echo "$CT" ;;
	esac
}

# need ENGINE RUNTIME: skip unless both can run here; start/import once.
need() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$CT" ] || fail "$CT missing: make build/bin/container"
	[ -d "$ROOTFS/bin" ] || fail "$ROOTFS missing: make $BUILD/rootfs/test/.stamp"
	[ "$2" != runc ] || command -v runc >/dev/null || skip "runc not installed (the reference)"
	case $1 in
	podman)
		if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
			skip "podman/conmon not installed (scripts/deps.sh engines)"
		fi
		mkdir -p "$W/podman"
		touch "$W/podman/.used"
		if ! podman "${PODMAN_GLOBAL[@]}" image exists "$IMAGE" 2>/dev/null; then
			tar -C "$ROOTFS" -c . | timeout 120 podman "${PODMAN_GLOBAL[@]}" import - "$IMAGE" \
				>"$W/podman/import.log" 2>&1 ||
				fail "podman import of $ROOTFS failed: $(tail -3 "$W/podman/import.log")"
		fi
		;;
	docker)
		if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
			skip "docker.io not installed (scripts/deps.sh engines)"
		fi
		start_dockerd
		if ! eng_docker image inspect "$IMAGE" >/dev/null 2>&1; then
			tar -C "$ROOTFS" -c . | timeout 120 docker -H "unix://$W/docker.sock" import - "$IMAGE" \
				>"$W/docker/import.log" 2>&1 ||
				fail "docker import of $ROOTFS failed: $(tail -3 "$W/docker/import.log")"
		fi
		;;
	esac
}

start_dockerd() {
	local d=$W/docker
	[ -s "$d/dockerd.pid" ] && kill -0 "$(cat "$d/dockerd.pid")" 2>/dev/null && return 0
	mkdir -p "$d"
	echo '{}' >"$d/daemon.json"
	# vclab is the default runtime (what `docker build` uses for RUN; the
	# runc cases name theirs), through a wrapper that logs each call
	printf '#!/bin/sh\necho "$*" >>%s/vclab-calls.log\nexec %s "$@"\n' "$d" "$CT" >"$d/vclab-rt"
	chmod +x "$d/vclab-rt"
	# setsid: not in our process group, so a ^C reaches only us; we stop it
	setsid dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" \
		--pidfile "$d/dockerd.pid" -H "unix://$W/docker.sock" --bridge none --iptables=false \
		--ip-masq=false --storage-driver vfs --add-runtime "vclab=$d/vclab-rt" --default-runtime vclab \
		</dev/null >"$d/dockerd.log" 2>&1 &
	for _ in $(seq 150); do
		docker -H "unix://$W/docker.sock" version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "dockerd did not answer in 30 s: $(tail -5 "$d/dockerd.log")"
}

# --foreground: under script(1)'s terminal the engine must stay in the
# foreground process group (run -t sets the terminal up)
eng_podman() { timeout --foreground 120 podman "${PODMAN_GLOBAL[@]}" --runtime "$RT_PATH" "$@"; }
eng_docker() { timeout --foreground 120 docker -H "unix://$W/docker.sock" "$@"; }

# ENG CMD...: the engine under test; RUN: its `run` with our options.
setup_case() { # ENGINE RUNTIME
	need "$1" "$2"
	ENGINE=$1 RUNTIME=$2 RT_PATH=$(runtime_path "$2")
	NAME=vclab-eng-$$-$RANDOM
	case $1 in
	podman) RUN=(run --network none "${ULIMITS[@]}") ;;
	docker) RUN=(run --network none --runtime "$2") ;;
	esac
	# shellcheck disable=SC2064 # the name is fixed now
	trap "rm_force '$NAME' >/dev/null 2>&1 || true" EXIT
}

# podman's rm -f stops with a 10 s grace period first: no grace here
rm_force() {
	case $ENGINE in
	podman) ENG rm -f -t 0 "$1" ;;
	docker) ENG rm -f "$1" ;;
	esac
}

ENG() { "eng_$ENGINE" "$@"; }

# run_ok CMD...: the engine command must succeed; its output in OUT.
run_ok() {
	local rc=0
	OUT=$(ENG "$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || fail "$ENGINE ($RUNTIME) $* exited $rc: $(printf '%s' "$OUT" | head -c 900)"
}

# ---- the cases -------------------------------------------------------

case_echo() {
	run_ok "${RUN[@]}" --rm "$IMAGE" echo hello from "$RUNTIME"
	assert_eq "$OUT" "hello from $RUNTIME" "output"
}

case_exit_status() {
	local rc=0
	OUT=$(ENG "${RUN[@]}" --rm "$IMAGE" sh -c 'exit 7' 2>&1) || rc=$?
	assert_eq "$rc" 7 "exit status (output: $OUT)"
}

case_memory() {
	run_ok "${RUN[@]}" --rm --memory 64m "$IMAGE" sh -c \
		'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
	assert_eq "$OUT" 67108864 "memory limit seen inside"
}

case_pids_limit() {
	run_ok "${RUN[@]}" --rm --pids-limit 33 "$IMAGE" sh -c \
		'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'
	assert_eq "$OUT" 33 "pids limit seen inside"
}

case_env() {
	# shellcheck disable=SC2016 # expanded inside the container
	run_ok "${RUN[@]}" --rm -e VCLAB_ENG=forty-two "$IMAGE" sh -c 'echo "$VCLAB_ENG"'
	assert_eq "$OUT" forty-two "environment"
}

case_workdir() {
	run_ok "${RUN[@]}" --rm -w /etc "$IMAGE" pwd
	assert_eq "$OUT" /etc "working directory"
}

case_read_only() {
	run_ok "${RUN[@]}" --rm --read-only "$IMAGE" sh -c 'touch /x 2>&1; echo "rc=$?"'
	assert_contains "$OUT" "Read-only file system" "touch on a read-only root"
	assert_contains "$OUT" "rc=1" "touch status"
}

case_user() {
	run_ok "${RUN[@]}" --rm --user 1000:1001 "$IMAGE" id
	assert_contains "$OUT" "uid=1000" "uid"
	assert_contains "$OUT" "gid=1001" "gid"
}

case_hostname() {
	run_ok "${RUN[@]}" --rm --hostname vclab-eng-host "$IMAGE" hostname
	assert_eq "$OUT" vclab-eng-host "hostname"
}

case_volume() {
	local v
	v=$(mktemp -d "$W/vol.XXXXXX")
	echo from-host >"$v/in"
	run_ok "${RUN[@]}" --rm -v "$v:/mnt" "$IMAGE" sh -c 'cat /mnt/in; echo from-container >/mnt/out'
	assert_eq "$OUT" from-host "file read through -v"
	assert_eq "$(cat "$v/out")" from-container "file written through -v"
}

case_ulimit() {
	# below this host's hard limits, see ULIMITS above
	run_ok "${RUN[@]}" --rm "${ULIMITS[@]}" "$IMAGE" sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
	assert_eq "$(echo "$OUT" | tr '\n' ' ')" "20000 20000 4096 " "nofile soft, hard; nproc"
}

case_detached() {
	local id st
	run_ok "${RUN[@]}" -d --name "$NAME" "$IMAGE" sleep 300
	id=$(echo "$OUT" | tail -n 1)
	run_ok ps --format '{{.Names}}'
	assert_contains "$OUT" "$NAME" "ps lists the running container"
	run_ok exec "$NAME" sh -c 'echo in exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_contains "$OUT" "in exec" "exec output"
	assert_contains "$OUT" "sleep 300" "exec sees the container's pid 1"
	run_ok stop -t 1 "$NAME"
	st=$(ENG inspect -f '{{.State.Status}}' "$NAME")
	assert_eq "$st" exited "status after stop"
	run_ok rm "$NAME"
	run_ok ps -a --format '{{.Names}}'
	assert_not_contains "$OUT" "$NAME" "ps -a after rm"
	if [ "$RUNTIME" = vclab ]; then
		# nothing of ours left: no cgroup vclab/ID, no process in one
		[ -z "$(find /sys/fs/cgroup -maxdepth 4 -path "*/vclab/$id" 2>/dev/null)" ] ||
			fail "cgroup vclab/$id left after rm"
	fi
}

case_tty() {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	local f=$W/tty-$NAME.sh
	# script(1) gives the engine a terminal, as a user's shell would
	{
		declare -p PODMAN_GLOBAL
		printf 'W=%q RT_PATH=%q\n' "$W" "$RT_PATH"
		declare -f eng_podman eng_docker
		printf '%q ' "eng_$ENGINE" "${RUN[@]}" --rm -t "$IMAGE" \
			sh -c 'tty; test -t 0 && echo stdin-is-a-tty'
		echo
	} >"$f"
	OUT=$(timeout 120 script -qec "bash $f" /dev/null </dev/null 2>&1 | tr -d '\r') ||
		fail "$ENGINE ($RUNTIME) run -t failed: $OUT"
	assert_contains "$OUT" "/dev/pts/" "tty inside"
	assert_contains "$OUT" "stdin-is-a-tty" "stdin is the terminal"
}

case_pause() {
	local st id left
	run_ok "${RUN[@]}" -d --name "$NAME" "$IMAGE" sleep 300
	run_ok pause "$NAME"
	st=$(ENG inspect -f '{{.State.Status}}' "$NAME")
	assert_eq "$st" paused "status after pause"
	run_ok unpause "$NAME"
	st=$(ENG inspect -f '{{.State.Status}}' "$NAME")
	assert_eq "$st" running "status after unpause"
	id=$(ENG inspect -f '{{.Id}}' "$NAME")
	rm_force "$NAME" >/dev/null || fail "$ENGINE rm -f of the unpaused container failed"
	# nothing of it left in any hierarchy, the freezer that pause made too
	for _ in $(seq 50); do
		left=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$id*" 2>/dev/null)
		[ -z "$left" ] && break
		sleep 0.1
	done
	assert_eq "$left" "" "cgroup directories left after rm"
}

# `docker update` / `podman update` of a running container: the engine
# calls the runtime's update (containerd's shim and podman's libpod:
# update --resources - ID), and the new limits show inside the container.
# (podman 4.3's update has no --pids-limit: the pids limit is Docker's.)
case_update() {
	local pids=30
	[ "$ENGINE" = podman ] && pids=50
	run_ok "${RUN[@]}" -d --name "$NAME" --memory 256m --pids-limit 50 "$IMAGE" sleep 300
	if [ "$ENGINE" = docker ]; then
		run_ok update --memory 128m --pids-limit 30 --cpu-quota 50000 --cpu-period 100000 \
			--cpuset-cpus 0 "$NAME"
		run_ok exec "$NAME" sh -c "grep Cpus_allowed_list /proc/1/status"
		assert_contains "$OUT" "$(printf 'Cpus_allowed_list:\t0')" "the container's process pinned by --cpuset-cpus"
	else
		run_ok update --memory 128m --cpu-quota 50000 --cpu-period 100000 "$NAME"
	fi
	run_ok exec "$NAME" sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes
		cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max
		cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
	assert_eq "$(echo "$OUT" | sed -n 1p)" 134217728 "memory limit after update"
	assert_eq "$(echo "$OUT" | sed -n 2p)" "$pids" "pids limit after update"
	assert_contains "$(echo "$OUT" | sed -n 3p)" 50000 "cpu quota after update"
	rm_force "$NAME" >/dev/null || fail "$ENGINE rm -f failed"
}

case_exec_tty() {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	local f=$W/exectty-$NAME.sh
	run_ok "${RUN[@]}" -d --name "$NAME" "$IMAGE" sleep 300
	{
		declare -p PODMAN_GLOBAL
		printf 'W=%q RT_PATH=%q\n' "$W" "$RT_PATH"
		declare -f eng_podman eng_docker
		printf '%q ' "eng_$ENGINE" exec -t "$NAME" sh -c 'tty; test -t 0 && echo stdin-is-a-tty; cat /proc/1/cmdline'
		echo
	} >"$f"
	OUT=$(timeout 120 script -qec "bash $f" /dev/null </dev/null 2>&1 | tr -d '\r\000') ||
		fail "$ENGINE ($RUNTIME) exec -t failed: $OUT"
	rm_force "$NAME" >/dev/null || true
	assert_contains "$OUT" "/dev/pts/" "tty inside"
	assert_contains "$OUT" "stdin-is-a-tty" "stdin is the terminal"
	assert_contains "$OUT" "sleep" "pid 1 of the container"
}

# The course's flow on our runtime: `docker build` with the classic builder
# runs each RUN step in a container of the default runtime (vclab here),
# then `docker run --runtime vclab` of the result prints what CMD says.
test_docker_build_classic_on_vclab() {
	setup_case docker vclab
	local ctx=$W/build-ctx tag=vclab-engines/built:$$ before after
	mkdir -p "$ctx"
	echo "copied file" >"$ctx/hello.txt"
	cat >"$ctx/Dockerfile" <<EOF
FROM $IMAGE
WORKDIR /app
COPY hello.txt .
RUN echo "made by RUN" >/app/run.txt
ENV GREETING=hi
CMD ["sh", "-c", "cat /app/hello.txt /app/run.txt; echo \$GREETING from \$(pwd)"]
EOF
	before=$(grep -c ' create ' "$W/docker/vclab-calls.log" 2>/dev/null || true)
	OUT=$(DOCKER_BUILDKIT=0 timeout 300 docker -H "unix://$W/docker.sock" build -t "$tag" "$ctx" 2>&1) ||
		fail "docker build failed: $(printf '%s' "$OUT" | tail -5)"
	after=$(grep -c ' create ' "$W/docker/vclab-calls.log" 2>/dev/null || true)
	[ "${after:-0}" -gt "${before:-0}" ] || fail "the RUN step did not go through vclab (creates: $before -> $after)"
	run_ok run --rm --network none --runtime vclab "$tag"
	ENG rmi -f "$tag" >/dev/null 2>&1 || true
	assert_contains "$OUT" "copied file" "COPY"
	assert_contains "$OUT" "made by RUN" "RUN"
	assert_contains "$OUT" "hi from /app" "ENV and WORKDIR"
}

CASES="exec_tty echo exit_status memory pids_limit env workdir read_only user hostname volume ulimit
	detached tty pause update"
for engine in podman docker; do
	for runtime in runc vclab; do
		for c in $CASES; do
			eval "test_${engine}_${runtime}_$c() { setup_case $engine $runtime; case_$c; }"
		done
	done
done

run_tests "$@"
