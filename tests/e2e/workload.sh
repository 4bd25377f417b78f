#!/usr/bin/env bash
# The shared workload as a plain process: markers, digest, status, bad input.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

W=$BIN/workload

test_markers_in_order() {
	assert_status 0 "$W"
	assert_eq "$(printf '%s\n' "$OUT" | head -n 1)" "VCLAB-READY" "first line"
	assert_eq "$(printf '%s\n' "$OUT" | sed -n 3p)" "VCLAB-DONE status=0" "third line"
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 3 "line count"
}

test_exit_status_is_passed_through() {
	assert_status 42 "$W" sha256=0 exit=42
	assert_contains "$OUT" "VCLAB-DONE status=42" "done line"
}

# The digest is recomputed independently (Python's hashlib over the same
# xorshift64* stream) where Python exists; the test host has none.
test_digest_matches_independent_sha256() {
	command -v python3 >/dev/null || skip "no python3 here"
	local want got
	want=$(python3 - <<'PY'
import hashlib, struct
s, m = 0x9E3779B97F4A7C15, (1 << 64) - 1
out = bytearray()
for _ in range(2 * 1024 * 1024 // 8):
    s ^= s >> 12; s ^= (s << 25) & m; s ^= s >> 27
    out += struct.pack('<Q', (s * 0x2545F4914F6CDD1D) & m)
print(hashlib.sha256(out).hexdigest())
PY
)
	got=$("$W" sha256=2 | sed -n 's/^sha256=//p')
	assert_eq "$got" "$want" "sha256=2 digest"
}

test_touch_allocates() {
	assert_status 0 "$W" sha256=0 touch=64
	assert_contains "$OUT" "VCLAB-DONE status=0" "done line"
}

test_bad_arguments() {
	local a
	for a in bogus=1 sha256=-1 sha256=abc touch=99999999 exit=256 plainword; do
		assert_status 2 "$W" "$a"
		assert_one_line_error "$W" "$a"
		assert_contains "$ERR" "workload: " "error for $a"
		assert_contains "$ERR" "$a" "error names the input"
	done
}

test_help() {
	assert_status 0 "$W" --help
	assert_contains "$OUT" "usage: workload" "help text"
}

test_binary_is_small_and_static() {
	local size
	size=$(stat -c %s "$W")
	[ "$size" -lt 16384 ] || fail "workload is $size bytes, expected < 16 KiB"
	if command -v file >/dev/null; then
		assert_contains "$(file "$W")" "statically linked" "static"
	fi
}

run_tests "$@"
