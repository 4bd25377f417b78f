/* Unit tests of images/dockerfile.c (parsing, substitution) and
 * images/dockerignore.c (pattern matching). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dockerfile.h"
#include "dockerignore.h"

static int parse(const char *text, struct df_file *f, vc_err *err)
{
	return df_parse("Dockerfile", text, strlen(text), f, err);
}

static void expect_error(const char *text, const char *msg)
{
	struct df_file f;
	vc_err err = {0};

	assert_int_equal(parse(text, &f, &err), -1);
	if (!strstr(err.msg, msg))
		fail_msg("error '%s' lacks '%s'", err.msg, msg);
	assert_null(strchr(err.msg, '\n'));
}

static void test_basic(void **state)
{
	struct df_file f;
	vc_err err;
	const char *text = "# syntax=docker/dockerfile:1\n"
	                   "FROM busybox:latest\n"
	                   "\n"
	                   "# a comment\n"
	                   "workdir /app\n"
	                   "Copy --chown=1:2 a b /app/\n"
	                   "RUN echo one && \\\n"
	                   "    echo two\n"
	                   "CMD [\"sh\", \"-c\", \"echo hi\"]\n"
	                   "ENTRYPOINT echo x\n"
	                   "USER 1000\nEXPOSE 80/tcp\nLABEL a=b\nENV K=V\nADD x.tar /\n";

	(void)state;
	assert_int_equal(parse(text, &f, &err), 0);
	assert_int_equal(f.n, 11);
	assert_int_equal(f.ins[0].kind, DF_FROM);
	assert_int_equal(f.ins[0].line, 2);
	assert_string_equal(f.ins[0].args, "busybox:latest");
	assert_int_equal(f.ins[1].kind, DF_WORKDIR);
	assert_string_equal(f.ins[1].keyword, "workdir");
	assert_int_equal(f.ins[2].kind, DF_COPY);
	assert_string_equal(f.ins[2].chown, "1:2");
	assert_string_equal(f.ins[2].args, "a b /app/");
	assert_false(f.ins[2].json);
	assert_int_equal(f.ins[3].kind, DF_RUN);
	assert_int_equal(f.ins[3].line, 7);
	assert_string_equal(f.ins[3].args, "echo one &&     echo two");
	assert_int_equal(f.ins[4].kind, DF_CMD);
	assert_true(f.ins[4].json);
	assert_int_equal(f.ins[4].argc, 3);
	assert_string_equal(f.ins[4].argv[2], "echo hi");
	assert_null(f.ins[4].argv[3]);
	assert_int_equal(f.ins[5].kind, DF_ENTRYPOINT);
	assert_false(f.ins[5].json);
	assert_int_equal(f.ins[10].kind, DF_ADD);
	assert_string_equal(df_kind_name(f.ins[6].kind), "USER");
	df_free(&f);
}

static void test_continuations_and_comments(void **state)
{
	struct df_file f;
	vc_err err;
	const char *text = "FROM scratch\r\n"
	                   "RUN a \\\n"
	                   "# inside a continuation\n"
	                   "\n"
	                   "  b \\   \n"
	                   "  c\n"
	                   "RUN d \\\\\n"
	                   "RUN e\n"
	                   "  # indented comment\n"
	                   "RUN f \\";

	(void)state;
	assert_int_equal(parse(text, &f, &err), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.ins[0].args, "scratch");
	assert_string_equal(f.ins[1].args, "a   b   c");
	assert_int_equal(f.ins[2].line, 7);
	/* Docker's rule: a trailing escape continues, even after another one */
	assert_string_equal(f.ins[2].args, "d \\RUN e");
	assert_int_equal(f.ins[3].line, 10);
	assert_string_equal(f.ins[3].args, "f");
	df_free(&f);
}

static void test_escape_directive(void **state)
{
	struct df_file f;
	vc_err err;

	(void)state;
	assert_int_equal(parse("# escape=`\nFROM scratch\nRUN a `\n b\\\n", &f, &err), 0);
	assert_int_equal(f.escape, '`');
	assert_int_equal(f.n, 2);
	assert_string_equal(f.ins[1].args, "a  b\\");
	df_free(&f);
	expect_error("# escape=x\nFROM scratch\n", "Dockerfile:1: escape directive 'x'");
	/* a directive after an instruction is a comment */
	assert_int_equal(parse("FROM scratch\n# escape=`\nRUN a \\\n b\n", &f, &err), 0);
	assert_int_equal(f.n, 2);
	df_free(&f);
}

static void test_json_forms(void **state)
{
	struct df_file f;
	vc_err err;

	(void)state;
	assert_int_equal(parse("FROM scratch\nRUN [\"/bin/echo\", \"a b\"]\nRUN [not json]\n"
	                       "CMD []\nCOPY [\"a b\", \"/c\"]\nRUN [\"x\", 1]\n",
	                       &f, &err),
	                 0);
	assert_true(f.ins[1].json);
	assert_int_equal(f.ins[1].argc, 2);
	assert_string_equal(f.ins[1].argv[1], "a b");
	assert_false(f.ins[2].json); /* not JSON: the shell form */
	assert_string_equal(f.ins[2].args, "[not json]");
	assert_true(f.ins[3].json);
	assert_int_equal(f.ins[3].argc, 0);
	assert_true(f.ins[4].json);
	assert_string_equal(f.ins[4].argv[0], "a b");
	assert_false(f.ins[5].json); /* not all strings */
	df_free(&f);
	expect_error("FROM scratch\nCOPY [\"a\"]\n", "Dockerfile:2: COPY requires a source");
	expect_error("FROM scratch\nRUN []\n", "Dockerfile:2: RUN requires at least one");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("FROM scratch\nRUN true\nFRUM x\n",
	             "Dockerfile:3: unknown instruction 'FRUM'");
	expect_error("FROM scratch\nVOLUME /x\n",
	             "Dockerfile:2: instruction 'VOLUME' is not supported");
	expect_error("RUN true\nFROM scratch\n", "Dockerfile:1: RUN before FROM");
	expect_error("ARG A\n", "Dockerfile: no FROM instruction");
	expect_error("", "Dockerfile: no FROM instruction");
	expect_error("FROM a\nFROM b\n", "Dockerfile:2: a second FROM");
	expect_error("FROM scratch\nRUN\n", "Dockerfile:2: RUN requires at least one argument");
	expect_error("FROM scratch\nCOPY --from=x a b\n",
	             "Dockerfile:2: COPY: flag '--from=x' is not supported");
	expect_error("FROM scratch\nRUN --mount=type=cache true\n", "Dockerfile:2: RUN: flag");
	expect_error("FROM --platform=linux/arm64 scratch\n", "Dockerfile:1: FROM: flag");
	expect_error("FROM scratch\nEXPOSE \\\n\n", "Dockerfile:2: EXPOSE requires");

	struct df_file f;
	vc_err err;
	char nul[] = "FROM scratch\n\0RUN x\n";
	assert_int_equal(df_parse("Df", nul, sizeof(nul) - 1, &f, &err), -1);
	assert_non_null(strstr(err.msg, "Df: not a text file"));
}

static void test_arg_before_from(void **state)
{
	struct df_file f;
	vc_err err;

	(void)state;
	assert_int_equal(parse("ARG BASE=busybox\nARG V\nfrom ${BASE}:${V:-latest}\n", &f, &err),
	                 0);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.ins[0].kind, DF_ARG);
	assert_int_equal(f.ins[2].kind, DF_FROM);
	df_free(&f);
}

/* --- substitution --- */

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "A"))
		return "alpha";
	if (!strcmp(name, "E"))
		return "";
	if (!strcmp(name, "SP"))
		return "x y";
	return NULL;
}

static char *word(const char *s)
{
	char *out = NULL;
	vc_err err;
	assert_int_equal(df_expand_word(s, '\\', lookup, NULL, &out, &err), 0);
	return out;
}

#define WORD_EQ(in, want)                                                                          \
	do {                                                                                       \
		char *w_ = word(in);                                                               \
		assert_string_equal(w_, want);                                                     \
		free(w_);                                                                          \
	} while (0)

static void test_substitution(void **state)
{
	(void)state;
	WORD_EQ("$A", "alpha");
	WORD_EQ("${A}/x", "alpha/x");
	WORD_EQ("$A_x", "");
	WORD_EQ("${A}_x", "alpha_x");
	WORD_EQ("${NOPE:-def}", "def");
	WORD_EQ("${E:-def}", "def");
	WORD_EQ("${E-def}", "");
	WORD_EQ("${NOPE-def}", "def");
	WORD_EQ("${A:+set}", "set");
	WORD_EQ("${NOPE:+set}", "");
	WORD_EQ("${NOPE:-${A}}", "alpha");
	WORD_EQ("'$A'", "$A");
	WORD_EQ("\"$A b\"", "alpha b");
	WORD_EQ("\\$A", "$A");
	WORD_EQ("a b  c", "a b  c");
	WORD_EQ("cost $5", "cost $5");
	WORD_EQ("", "");

	char *out = NULL;
	vc_err err;
	assert_int_equal(df_expand_word("${A", '\\', lookup, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "'${A': missing '}'"));
	assert_int_equal(df_expand_word("${A:?x}", '\\', lookup, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "unsupported modifier"));
	assert_int_equal(df_expand_word("${}", '\\', lookup, NULL, &out, &err), -1);
	assert_int_equal(df_expand_word("'open", '\\', lookup, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "unmatched single quote"));
	assert_int_equal(df_expand_word("\"open", '\\', lookup, NULL, &out, &err), -1);
}

static void test_words(void **state)
{
	char **w;
	size_t n;
	vc_err err;

	(void)state;
	assert_int_equal(df_expand_words("  K=$A  L=\"two words\" M='$SP' N=$SP ", '\\', lookup,
	                                 NULL, &w, &n, &err),
	                 0);
	assert_int_equal(n, 4);
	assert_string_equal(w[0], "K=alpha");
	assert_string_equal(w[1], "L=two words");
	assert_string_equal(w[2], "M=$SP");
	assert_string_equal(w[3], "N=x y"); /* no splitting of a value */
	assert_null(w[4]);
	df_strv_free(w);
	assert_int_equal(df_expand_words("", '\\', lookup, NULL, &w, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(w[0]);
	df_strv_free(w);
	assert_int_equal(df_expand_words("a\\ b \"\" c", '\\', lookup, NULL, &w, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(w[0], "a b");
	assert_string_equal(w[1], "");
	df_strv_free(w);
	assert_int_equal(df_expand_words("a `$A", '`', lookup, NULL, &w, &n, &err), 0);
	assert_string_equal(w[1], "$A");
	df_strv_free(w);
}

/* --- .dockerignore --- */

static void test_dockerignore(void **state)
{
	struct dockerignore di;
	vc_err err;
	const char *text = "# comment\n"
	                   "\n"
	                   "  *.log  \n"
	                   "/build\n"
	                   "docs/**/*.tmp\n"
	                   "**/secret\n"
	                   "!keep.log\n"
	                   "cache/\n"
	                   "!cache/keep\n"
	                   "./a//b/../c\n"
	                   "t?p\n"
	                   "[xy]z\n";

	(void)state;
	assert_int_equal(di_parse(text, strlen(text), &di, &err), 0);
	assert_int_equal(di.n, 10);
	assert_true(di.has_negation);
	assert_true(di_excluded(&di, "x.log"));
	assert_false(di_excluded(&di, "sub/x.log")); /* '*' does not cross '/' */
	assert_false(di_excluded(&di, "keep.log"));
	assert_true(di_excluded(&di, "build"));
	assert_true(di_excluded(&di, "build/deep/file"));
	assert_false(di_excluded(&di, "src/build"));
	assert_true(di_excluded(&di, "docs/a.tmp"));
	assert_true(di_excluded(&di, "docs/x/y/a.tmp"));
	assert_false(di_excluded(&di, "docs/a.txt"));
	assert_true(di_excluded(&di, "secret"));
	assert_true(di_excluded(&di, "a/b/secret"));
	assert_true(di_excluded(&di, "a/b/secret/inner"));
	assert_true(di_excluded(&di, "cache"));
	assert_true(di_excluded(&di, "cache/other"));
	assert_false(di_excluded(&di, "cache/keep"));
	assert_true(di_excluded(&di, "a/c"));
	assert_false(di_excluded(&di, "a/b"));
	assert_true(di_excluded(&di, "tmp"));
	assert_false(di_excluded(&di, "tmmp"));
	assert_true(di_excluded(&di, "yz"));
	assert_false(di_excluded(&di, "zz"));
	assert_false(di_excluded(&di, "Dockerfile"));
	di_free(&di);

	assert_int_equal(di_parse("", 0, &di, &err), 0);
	assert_int_equal(di.n, 0);
	assert_false(di_excluded(&di, "anything"));
	di_free(&di);

	/* the last match wins */
	assert_int_equal(di_parse("!a\na\n", 4 + 2, &di, &err), 0);
	assert_true(di_excluded(&di, "a"));
	di_free(&di);
	assert_int_equal(di_parse("*\n!src\n", 7, &di, &err), 0);
	assert_false(di_excluded(&di, "src/main.c"));
	assert_true(di_excluded(&di, "README"));
	di_free(&di);
}

static void test_dockerignore_load(void **state)
{
	struct dockerignore di;
	vc_err err;
	char dir[] = "/tmp/i10build-unit-XXXXXX", path[64];
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(di_load(dir, &di, &err), 0); /* missing: empty */
	assert_int_equal(di.n, 0);
	snprintf(path, sizeof(path), "%s/.dockerignore", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("node_modules\n", fp);
	fclose(fp);
	assert_int_equal(di_load(dir, &di, &err), 0);
	assert_int_equal(di.n, 1);
	assert_true(di_excluded(&di, "node_modules/x"));
	di_free(&di);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_continuations_and_comments),
	    cmocka_unit_test(test_escape_directive),
	    cmocka_unit_test(test_json_forms),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_arg_before_from),
	    cmocka_unit_test(test_substitution),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_dockerignore),
	    cmocka_unit_test(test_dockerignore_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
