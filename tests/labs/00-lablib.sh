#!/usr/bin/env bash
# Self-test of tests/lablib.sh: each kind of expectation passes on a value
# that meets it and fails on one that does not, so a lab test whose
# observation breaks goes red. Uses a sample lab, not a real one.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lablib.sh
. "$(dirname "$0")/../lablib.sh"

sample_lab() {
	LAB=$(mktemp "${TMPDIR:-/tmp}/vclab-lablib.XXXXXX")
	cat >"$LAB" <<'MD'
# Sample lab
Run `ps` and look at the first process.

- **Expect** `pid1`: contains `PID 1` (the container's init)
**Expect** `absent`: does not contain `sshd`
> **Expect** `host`: equals `lab`
- **Expect** `mount`: matches `^proc on /proc type proc`
- **Expect** `ratio`: between 0.5 and 2.5 (times the process)
- **Expect** `exits`: at least 12
- **Expect** `size`: at most 4096 bytes
MD
}

# pass_fail NAME GOOD BAD: lab_expect passes on GOOD and fails on BAD.
pass_fail() {
	(lab_expect "$1" "$2" >/dev/null) || fail "'$1' failed on the good value '$2'"
	if (lab_expect "$1" "$3" >/dev/null 2>&1); then fail "'$1' passed on the bad value '$3'"; fi
}

test_each_kind_passes_and_fails() {
	sample_lab
	pass_fail pid1 "  PID 1 sh" "  PID 7 sh"
	pass_fail absent "init sh" "init sshd"
	pass_fail host " lab " "labs"
	pass_fail mount "$(printf 'sysfs on /sys type sysfs\nproc on /proc type proc (rw)')" "sysfs on /proc type proc"
	pass_fail ratio 1.7 2.6
	pass_fail exits 12 11.5
	pass_fail size 4096 4097
	if (lab_expect ratio "fast" >/dev/null 2>&1); then fail "a number check passed on 'fast'"; fi
	rm -f "$LAB"
}

test_unknown_or_missing_names_fail() {
	sample_lab
	if (lab_expect nosuch x >/dev/null 2>&1); then fail "an unknown name passed"; fi
	# shellcheck disable=SC2016 # backquotes are markdown here
	echo '- **Expect** `odd`: looks like `x`' >>"$LAB"
	if (lab_expect odd x >/dev/null 2>&1); then fail "an unknown kind passed"; fi
	rm -f "$LAB"
}

test_coverage_check_names_what_was_not_checked() {
	sample_lab
	: >"$LAB_CHECKED"
	lab_expect pid1 "PID 1" >/dev/null
	local out rc=0
	out=$(lab_coverage 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "the coverage check passed with six expectations unchecked"
	assert_contains "$out" "absent host mount ratio exits size" "the unchecked names"
	rm -f "$LAB"
}

# shellcheck disable=SC2317 # run by run_tests
test_zz_every_expectation_checked() { skip "the self-test has no lab of its own"; }

run_tests "$@"
