/* Unit tests of the bare-metal guest's pure parts, run on the host: the
 * command-line parser, the PVH start-info reader, the touch= heap and the
 * fault report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../guest/baremetal/cmdline.h"
#include "../../guest/baremetal/fault.h"
#include "../../guest/baremetal/heap.h"
#include "../../guest/baremetal/pvh.h"

static void test_cmdline_words(void **state)
{
	struct job j;
	enum bm_fault f;
	char err[160];

	(void)state;
	assert_int_equal(bm_parse_cmdline(&j, &f, "  sha256=3\ttouch=8  exit=7 ", err, sizeof(err)),
	                 0);
	assert_int_equal(j.sha256_mib, 3);
	assert_int_equal(j.touch_mib, 8);
	assert_int_equal(j.exit_code, 7);
}

static void test_cmdline_empty_keeps_defaults(void **state)
{
	struct job j;
	enum bm_fault f;
	char err[160];

	(void)state;
	assert_int_equal(bm_parse_cmdline(&j, &f, NULL, err, sizeof(err)), 0);
	assert_int_equal(j.sha256_mib, 1);
	assert_int_equal(j.touch_mib, 0);
	assert_int_equal(j.exit_code, 0);
	assert_int_equal(bm_parse_cmdline(&j, &f, "   ", err, sizeof(err)), 0);
	assert_int_equal(j.sha256_mib, 1);
}

static void expect_cmdline_error(const char *cmdline, const char *part)
{
	struct job j;
	enum bm_fault f;
	char err[160];

	memset(err, 'x', sizeof(err));
	assert_int_equal(bm_parse_cmdline(&j, &f, cmdline, err, sizeof(err)), -1);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_non_null(strstr(err, part));
	assert_null(strchr(err, '\n'));
}

static void test_cmdline_errors(void **state)
{
	char long_word[200];

	(void)state;
	expect_cmdline_error("sha256=1 console=ttyS0", "unknown argument 'console=ttyS0'");
	expect_cmdline_error("exit=300", "'exit=300': expected a whole number from 0 to 255");
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	expect_cmdline_error(long_word, "longer than any valid argument");
}

/* A word of exactly BM_WORD_MAX bytes still reaches the job's parser. */
static void test_cmdline_longest_word(void **state)
{
	char word[BM_WORD_MAX + 1];
	char err[160];
	struct job j;
	enum bm_fault f;

	(void)state;
	memcpy(word, "exit=", 5);
	memset(word + 5, '0', BM_WORD_MAX - 6);
	word[BM_WORD_MAX - 1] = '9';
	word[BM_WORD_MAX] = '\0';
	assert_int_equal(bm_parse_cmdline(&j, &f, word, err, sizeof(err)), 0);
	assert_int_equal(j.exit_code, 9);
}

static void test_cmdline_error_fits_small_buffer(void **state)
{
	struct job j;
	enum bm_fault f;
	char err[6];
	char long_word[100];

	(void)state;
	memset(long_word, 'b', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	assert_int_equal(bm_parse_cmdline(&j, &f, long_word, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

static void test_cmdline_fault(void **state)
{
	struct job j;
	enum bm_fault f;
	char err[160];

	(void)state;
	assert_int_equal(bm_parse_cmdline(&j, &f, "sha256=2", err, sizeof(err)), 0);
	assert_int_equal(f, BM_FAULT_NONE);
	assert_int_equal(bm_parse_cmdline(&j, &f, "fault=hlt sha256=2", err, sizeof(err)), 0);
	assert_int_equal(f, BM_FAULT_HLT);
	assert_int_equal(j.sha256_mib, 2);
	assert_int_equal(bm_parse_cmdline(&j, &f, "fault=read", err, sizeof(err)), 0);
	assert_int_equal(f, BM_FAULT_READ);
	assert_int_equal(bm_parse_cmdline(&j, &f, "fault=ud2", err, sizeof(err)), 0);
	assert_int_equal(f, BM_FAULT_UD2);
	expect_cmdline_error("fault=hltx",
	                     "'fault=hltx': expected fault=hlt, fault=read or fault=ud2");
	expect_cmdline_error("fault=", "'fault=': expected");
}

static void test_fault_report(void **state)
{
	struct bm_fault_frame fr = {.vector = 14, .error = 4, .rip = 0x1015d1, .cs = 0x23};
	char line[200], small[12];
	size_t n;

	(void)state;
	n = bm_fault_format(line, sizeof(line), &fr, 0x40000000);
	assert_string_equal(line,
	                    "baremetal: CPU exception 14 (#PF page fault) in ring 3 at rip "
	                    "0x1015d1, error code 0x4, cr2 0x40000000: VM ends with status 119\n");
	assert_int_equal(n, strlen(line));
	fr.vector = 13;
	fr.cs = 0x08;
	fr.error = 0;
	bm_fault_format(line, sizeof(line), &fr, 0);
	assert_non_null(strstr(line, "13 (#GP general protection) in ring 0 "));
	assert_non_null(strstr(line, "error code 0x0, cr2 0x0:"));
	/* Cut to fit, still one line. */
	n = bm_fault_format(small, sizeof(small), &fr, 0);
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(small[n - 1], '\n');
	assert_null(memchr(small, '\n', n - 1));
}

static void test_pvh_start_info(void **state)
{
	struct hvm_memmap_entry map[] = {
	    {0, 0x9fc00, HVM_MEMMAP_RAM, 0},
	    {0xf0000, 0x10000, 2, 0},
	    {0x100000, 0x7f00000, HVM_MEMMAP_RAM, 0},
	    {0xfffc0000, 0x40000, 2, 0}, /* reserved, above RAM: not counted */
	};
	const char *line = "sha256=1";
	struct hvm_start_info si = {0};
	const char *cmdline = NULL;
	uint64_t ram = 1;

	(void)state;
	si.magic = HVM_START_MAGIC;
	si.version = 1;
	si.cmdline_paddr = (uint64_t)(uintptr_t)line;
	si.memmap_paddr = (uint64_t)(uintptr_t)map;
	si.memmap_entries = 4;
	assert_int_equal(pvh_boot_args(&si, &cmdline, &ram), 0);
	assert_ptr_equal(cmdline, line);
	assert_int_equal(ram, 0x8000000);

	si.version = 0; /* no memory map before version 1 */
	assert_int_equal(pvh_boot_args(&si, &cmdline, &ram), 0);
	assert_int_equal(ram, 0);

	si.magic = 0x12345678;
	assert_int_equal(pvh_boot_args(&si, &cmdline, &ram), -1);
}

static void test_heap(void **state)
{
	struct bm_heap h;
	uintptr_t a, b;

	(void)state;
	bm_heap_init(&h, 0x125001, 64ull << 20);
	a = (uintptr_t)bm_heap_alloc(&h, 100);
	assert_int_equal(a, 0x126000);
	b = (uintptr_t)bm_heap_alloc(&h, 8192);
	assert_int_equal(b, 0x127000);
	assert_null(bm_heap_alloc(&h, 64ull << 20));
	assert_non_null(bm_heap_alloc(&h, (64ull << 20) - 0x129000));
	assert_null(bm_heap_alloc(&h, 1));
}

static void test_heap_capped_at_identity_map(void **state)
{
	struct bm_heap h;

	(void)state;
	bm_heap_init(&h, 0x200000, 4ull << 30);
	assert_int_equal(h.end, BM_IDENTITY_MAPPED);
	assert_null(bm_heap_alloc(&h, BM_IDENTITY_MAPPED));
	bm_heap_init(&h, 0x200000, 0); /* RAM size unknown: nothing to give */
	assert_null(bm_heap_alloc(&h, 4096));
	bm_heap_init(&h, 0x200000, 0x100000); /* RAM smaller than the image */
	assert_null(bm_heap_alloc(&h, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmdline_words),
	    cmocka_unit_test(test_cmdline_empty_keeps_defaults),
	    cmocka_unit_test(test_cmdline_errors),
	    cmocka_unit_test(test_cmdline_fault),
	    cmocka_unit_test(test_fault_report),
	    cmocka_unit_test(test_cmdline_longest_word),
	    cmocka_unit_test(test_cmdline_error_fits_small_buffer),
	    cmocka_unit_test(test_pvh_start_info),
	    cmocka_unit_test(test_heap),
	    cmocka_unit_test(test_heap_capped_at_identity_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
