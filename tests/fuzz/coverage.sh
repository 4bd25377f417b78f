#!/usr/bin/env bash
# Line coverage of the code each fuzz target exercises: every harness built
# with clang's source-based coverage, run once over its corpora (the
# committed seeds and regression inputs, and build/fuzz/corpus/NAME that
# `make fuzz` grew), then `llvm-cov report` of the files under test.
#   tests/fuzz/coverage.sh [NAME...]     (make fuzz-coverage)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/fuzz-cov
mkdir -p "$out"
flags=(-std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer -fprofile-instr-generate
	-fcoverage-mapping -Wno-gnu-variable-sized-type-not-at-end -Icommon)
common=(common/*.c)

build_one() { # NAME -> sources, include flags, libraries, files to report
	case $1 in
	fuzz_oci_config)
		srcs=(container/*.c) inc=(-iquote container)
		srcs=("${srcs[@]/container\/main.c/}")
		libs=(-lcap -ljansson -lseccomp) files=(container/spec.c container/seccomp.c) ;;
	fuzz_kernel_image)
		srcs=(vmm/loader.c vmm/elf.c vmm/bzimage.c vmm/memory.c vmm/x86.c) inc=(-iquote vmm)
		libs=(-pthread) files=(vmm/elf.c vmm/bzimage.c vmm/loader.c) ;;
	fuzz_bench_json)
		srcs=(bench/*.c) inc=(-iquote bench)
		srcs=("${srcs[@]/bench\/main.c/}")
		libs=(-ljansson -lm) files=(bench/report_json.c bench/diff.c bench/report_md.c bench/report_svg.c) ;;
	fuzz_devices)
		srcs=(vmm/bus.c vmm/hw/*.c) inc=(-iquote vmm)
		libs=(-pthread) files=(vmm/bus.c vmm/hw/uart16550.c vmm/hw/i8042.c vmm/hw/debugport.c) ;;
	fuzz_image_ref)
		srcs=(images/ref.c images/layers.c images/store.c) inc=(-iquote images)
		libs=(-larchive -lcrypto -ljansson -lz) files=(images/ref.c) ;;
	*) echo "coverage.sh: unknown target $1" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2068 # the emptied main.c entry must vanish
	clang "${flags[@]}" "${inc[@]}" -o "$out/$1" "tests/fuzz/$1.c" ${srcs[@]} "${common[@]}" "${libs[@]}"
}

for t in "${@:-fuzz_oci_config fuzz_kernel_image fuzz_bench_json fuzz_devices fuzz_image_ref}"; do
	for name in $t; do
		build_one "$name"
		dirs=("tests/fuzz/corpus/$name")
		[ -d "tests/fuzz/regress/$name" ] && dirs+=("tests/fuzz/regress/$name")
		[ -d "$BUILD/fuzz/corpus/$name" ] && dirs+=("$BUILD/fuzz/corpus/$name")
		rm -f "$out/$name.profraw"
		LLVM_PROFILE_FILE=$out/$name.profraw "$out/$name" -runs=0 "${dirs[@]}" >/dev/null 2>&1
		llvm-profdata merge -sparse -o "$out/$name.profdata" "$out/$name.profraw"
		echo "== $name (inputs: ${dirs[*]})"
		llvm-cov report "$out/$name" -instr-profile="$out/$name.profdata" "${files[@]}" |
			awk '$1 ~ /\.c$/ || $1 == "TOTAL" { printf "%-28s %5s lines, %7s of them run\n", $1, $8, $10 }'
	done
done
