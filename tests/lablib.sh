# shellcheck shell=bash
# Shared helpers for the lab tests (tests/labs/NN-name.sh). Each lab test
# sources this file, runs the lab's commands and hands each observation to
# `lab_expect`, which reads the expectation from the lab's markdown
# (docs/labs/NN-name.md): the text students read is the one source of what
# the test asserts, so editing an expectation in the lab changes the test.
#
# In the markdown, an observation is one line of the form
#
#   **Expect** `NAME`: KIND ARGUMENT[ free text]
#
# optionally after "- " or "> ". KIND and ARGUMENT are one of:
#   contains `TEXT`          the output contains TEXT
#   does not contain `TEXT`  the output does not contain TEXT
#   equals `TEXT`            the output (one value, spaces trimmed) is TEXT
#   matches `ERE`            some line of the output matches the extended regex
#   between A and B          the output is a number, A <= it <= B
#   at least A / at most B   the output is a number, >= A / <= B
# Anything after the argument is free text for the reader ("(the init)").
#
# Every expectation of a lab must be checked by its test:
# `test_zz_every_expectation_checked` (defined here, runs last) fails
# otherwise; a test that cannot run here (no KVM, not cgroup v2) calls
# `lab_skip REASON`, and the coverage check is then skipped too. Source
# tests/lib.sh first, then this file, set LAB to the markdown path, and end
# with `run_tests "$@"`.

LAB_CHECKED=${LAB_CHECKED:-$(mktemp "${TMPDIR:-/tmp}/vclab-lab-checked.XXXXXX")}
export LAB_CHECKED
# the checked list is removed when the test file's own shell exits
trap 'rm -f "$LAB_CHECKED"' EXIT

# lab_spec NAME: print the text after "NAME`:" of the lab's line for NAME.
lab_spec() {
	local line
	[ -f "${LAB:-}" ] || fail "LAB '${LAB:-}' is not a lab file"
	line=$(grep -E '^[[:space:]]*([-*>][[:space:]]*)?\*\*Expect\*\* `'"$1"'`:' "$LAB") ||
		fail "$(basename "$LAB") has no expectation named '$1'"
	[ "$(printf '%s\n' "$line" | wc -l)" = 1 ] || fail "$(basename "$LAB") names '$1' twice"
	printf '%s\n' "${line#*\`"$1"\`:}" | sed -E 's/^[[:space:]]+//'
}

# lab_names: every expectation name of the lab, one per line.
lab_names() {
	# shellcheck disable=SC2016 # backquotes are markdown here
	sed -nE 's/^[[:space:]]*([-*>][[:space:]]*)?\*\*Expect\*\* `([A-Za-z0-9_.-]+)`:.*/\2/p' "$LAB"
}

# first backticked string of $1
lab_quoted() {
	# shellcheck disable=SC2016 # backquotes are markdown here
	printf '%s\n' "$1" | sed -nE 's/^[^`]*`([^`]*)`.*/\1/p'
}

lab_number() { # value what
	printf '%s\n' "$1" | grep -Eq '^-?[0-9]+(\.[0-9]+)?$' || fail "$2: '$1' is not a number"
}

# lab_expect NAME ACTUAL: check ACTUAL against the lab's expectation NAME.
lab_expect() {
	local name=$1 actual=$2 spec arg a b what
	spec=$(lab_spec "$name")
	what="$(basename "$LAB") expectation '$name' ($spec)"
	case "$spec" in
	"does not contain "*)
		arg=$(lab_quoted "$spec")
		[ -n "$arg" ] || fail "$what: no \`TEXT\`"
		case "$actual" in *"$arg"*) fail "$what: found in: $(printf '%s' "$actual" | head -c 600)" ;; esac
		;;
	"contains "*)
		arg=$(lab_quoted "$spec")
		[ -n "$arg" ] || fail "$what: no \`TEXT\`"
		case "$actual" in *"$arg"*) ;; *) fail "$what: not in: $(printf '%s' "$actual" | head -c 600)" ;; esac
		;;
	"equals "*)
		arg=$(lab_quoted "$spec")
		a=$(printf '%s' "$actual" | sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//')
		[ "$a" = "$arg" ] || fail "$what: got '$a'"
		;;
	"matches "*)
		arg=$(lab_quoted "$spec")
		[ -n "$arg" ] || fail "$what: no \`ERE\`"
		printf '%s\n' "$actual" | grep -Eq -- "$arg" || fail "$what: no line matches in: $(printf '%s' "$actual" | head -c 600)"
		;;
	"between "*)
		read -r a b <<<"$(printf '%s\n' "$spec" | sed -nE 's/^between (-?[0-9.]+) and (-?[0-9.]+).*/\1 \2/p')"
		{ [ -n "$a" ] && [ -n "$b" ]; } || fail "$what: write 'between A and B'"
		lab_number "$actual" "$what"
		awk -v x="$actual" -v a="$a" -v b="$b" 'BEGIN { exit !(x >= a && x <= b) }' || fail "$what: got $actual"
		;;
	"at least "* | "at most "*)
		a=$(printf '%s\n' "$spec" | sed -nE 's/^at (least|most) (-?[0-9.]+).*/\2/p')
		[ -n "$a" ] || fail "$what: write 'at least N' or 'at most N'"
		lab_number "$actual" "$what"
		case "$spec" in
		"at least "*) awk -v x="$actual" -v a="$a" 'BEGIN { exit !(x >= a) }' || fail "$what: got $actual" ;;
		*) awk -v x="$actual" -v a="$a" 'BEGIN { exit !(x <= a) }' || fail "$what: got $actual" ;;
		esac
		;;
	*) fail "$what: unknown kind (contains, does not contain, equals, matches, between, at least, at most)" ;;
	esac
	echo "$name" >>"$LAB_CHECKED"
	echo "    ok $name: $spec"
}

# lab_skip REASON: skip this test (and so the coverage check).
lab_skip() {
	echo "-skipped-" >>"$LAB_CHECKED"
	skip "$@"
}

# Runs last (declare -F lists the tests in name order): every expectation
# the lab states was checked by a test that ran in this file. Left out when
# only some tests were named on the command line.
lab_coverage() {
	local missing="" n
	! grep -qxF -- "-skipped-" "$LAB_CHECKED" || skip "a test of this lab was skipped here"
	for n in $(lab_names); do
		grep -qxF "$n" "$LAB_CHECKED" || missing="$missing $n"
	done
	[ -n "$(lab_names)" ] || fail "$(basename "$LAB") states no expectation"
	[ -z "$missing" ] || fail "$(basename "$LAB"): expectations no test checked (or whose test was skipped):$missing"
}
test_zz_every_expectation_checked() { lab_coverage; }
