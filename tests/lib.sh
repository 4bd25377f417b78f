# shellcheck shell=bash disable=SC2034 # OUT, ERR, ... are set for the tests
# Shared helpers for the end-to-end tests (bash). Each test file sources it,
# defines functions named test_*, and ends with `run_tests "$@"`.
#
# Each test runs in its own subshell with `set -eu`; it passes when it
# returns 0, fails otherwise, and is skipped when it calls `skip REASON`.
# VCLAB_E2E_SKIP="FILE:TEST ..." leaves those tests out (they ran already;
# FILE as run, e.g. tests/kvm/vmm.sh); VCLAB_E2E_PROGRESS=PATH gets
# "FILE TEST" written into it before each test.
# The file ends with one line "FILE: N passed, N failed, N skipped" and exits
# non-zero when anything failed.

VCLAB_ROOT=${VCLAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${BIN:-$VCLAB_ROOT/build/bin}
BUILD=${BUILD:-$VCLAB_ROOT/build}
export VCLAB_ROOT BIN BUILD

# In the test host (pure cgroup v2, real KVM) this is set to 1.
VCLAB_TESTHOST=${VCLAB_TESTHOST:-0}

fail() {
	echo "    FAIL: $*" >&2
	exit 1
}

skip() {
	echo "    SKIP: $*" >&2
	exit 77
}

assert_eq() { # actual expected message
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

assert_ne() { # actual unexpected message
	[ "$1" != "$2" ] || fail "$3: did not expect '$2'"
}

assert_contains() { # haystack needle message
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not found in: $(printf '%s' "$1" | head -c 600)" ;;
	esac
}

assert_not_contains() { # haystack needle message
	case "$1" in
	*"$2"*) fail "$3: '$2' unexpectedly found in: $(printf '%s' "$1" | head -c 600)" ;;
	*) ;;
	esac
}

# assert_status EXPECTED CMD...: run CMD, check its exit status. The command's
# stdout+stderr are left in $OUT for further checks.
assert_status() {
	local want=$1 got=0
	shift
	OUT=$("$@" 2>&1) || got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; output: $(printf '%s' "$OUT" | tail -c 800)"
}

# assert_one_line_error CMD...: CMD must fail with exactly one line on stderr.
assert_one_line_error() {
	local err got=0
	err=$("$@" 2>&1 >/dev/null) || got=$?
	[ "$got" != 0 ] || fail "'$*' succeeded, expected an error"
	[ -n "$err" ] || fail "'$*' failed ($got) without an error message"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "'$*': error is not one line: $err"
	ERR=$err
}

run_tests() {
	local fns fn rc pass=0 failn=0 skipn=0 name
	name=$(basename "$0")
	if [ $# -gt 0 ]; then
		fns="$*"
	else
		fns=$(declare -F | awk '{print $3}' | grep '^test_')
	fi
	for fn in $fns; do
		# A test that already ran in an earlier boot of the test host
		# (tests/testhost/run-suite.sh resumes after a freeze) is left out.
		case " ${VCLAB_E2E_SKIP:-} " in *" $0:$fn "*) continue ;; esac
		# The test host's heartbeat says which test is running.
		[ -z "${VCLAB_E2E_PROGRESS:-}" ] || echo "$0 $fn" >"$VCLAB_E2E_PROGRESS"
		rc=0
		(set -eu; "$fn") || rc=$?
		case $rc in
		0) pass=$((pass + 1)); echo "PASS $name $fn" ;;
		77) skipn=$((skipn + 1)); echo "SKIP $name $fn" ;;
		*) failn=$((failn + 1)); echo "FAIL $name $fn" ;;
		esac
	done
	echo "$name: $pass passed, $failn failed, $skipn skipped"
	[ "$failn" = 0 ]
}
