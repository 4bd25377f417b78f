/* Dockerfile parsing (the subset vclab builds) and the variable
 * substitution Docker applies to some instructions.
 *
 * Parsing (df_parse) follows Docker's reference: parser directives at the
 * top (`# syntax=` ignored, `# escape=` honoured), comment lines, line
 * continuations with the escape character, instructions in any case, the
 * JSON (exec) form of RUN/CMD/ENTRYPOINT/COPY/ADD when the arguments are a
 * valid JSON array of strings, the shell form otherwise. Only the
 * instructions below are known; anything else is an error naming the file
 * and line ("Dockerfile:3: unknown instruction 'FRUM'").
 *
 * Substitution is not done while parsing: ENV and ARG values change as the
 * build goes, so the builder expands each instruction when it reaches it
 * (df_expand_word / df_expand_words), in the instructions Docker expands:
 * FROM, ARG, ENV, LABEL, WORKDIR, USER, EXPOSE, COPY, ADD. RUN, CMD and
 * ENTRYPOINT are left to the shell, as in Docker. */
#ifndef IMG_DOCKERFILE_H
#define IMG_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum df_kind {
	DF_FROM,
	DF_ARG,
	DF_ENV,
	DF_LABEL,
	DF_WORKDIR,
	DF_USER,
	DF_EXPOSE,
	DF_COPY,
	DF_ADD,
	DF_RUN,
	DF_CMD,
	DF_ENTRYPOINT,
};

struct df_instr {
	enum df_kind kind;
	int line;      /* first line of the instruction, 1-based */
	char *keyword; /* as written: "run", "COPY" */
	char *args;    /* the arguments, continuations joined, flags removed */
	bool json;     /* exec form: argv below holds the JSON array */
	char **argv;   /* exec form only: NULL terminated */
	size_t argc;
	char *chown; /* COPY/ADD --chown=USER[:GROUP], NULL when absent */
};

struct df_file {
	char *name; /* the Dockerfile's name, for messages */
	struct df_instr *ins;
	size_t n;
	char escape; /* '\\' or '`' (the escape directive) */
};

/* Parse text (len bytes, need not be NUL terminated) of the Dockerfile
 * called name (used in messages). Checks the structure too: a FROM after
 * nothing but ARGs, one stage only, flags that are known, arguments
 * where they are needed. */
int df_parse(const char *name, const char *text, size_t len, struct df_file *out, vc_err *err);
void df_free(struct df_file *f);

const char *df_kind_name(enum df_kind k); /* "FROM", "RUN", ... */

/* Variable lookup for substitution: the value of name, or NULL when it
 * is not set. */
typedef const char *(*df_lookup_fn)(const char *name, void *ctx);

/* Substitute $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word} (and ${VAR-word},
 * ${VAR+word}) in s and remove quotes and escapes the way Docker's shell
 * lexer does, as one word (no splitting): for WORKDIR, USER, a JSON
 * element. *out is malloc()ed. Errors name the bad text. */
int df_expand_word(const char *s, char escape, df_lookup_fn lookup, void *ctx, char **out,
                   vc_err *err);

/* The same, splitting on unquoted white space: COPY/ADD sources and
 * destination, EXPOSE ports, ENV/LABEL/ARG key=value pairs, FROM.
 * *words is a malloc()ed NULL-terminated array of malloc()ed strings
 * (df_strv_free). */
int df_expand_words(const char *s, char escape, df_lookup_fn lookup, void *ctx, char ***words,
                    size_t *n, vc_err *err);

void df_strv_free(char **v);

#endif
