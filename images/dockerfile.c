#include "dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

static const struct {
	const char *name;
	enum df_kind kind;
} known[] = {
    {"FROM", DF_FROM},     {"ARG", DF_ARG},         {"ENV", DF_ENV},
    {"LABEL", DF_LABEL},   {"WORKDIR", DF_WORKDIR}, {"USER", DF_USER},
    {"EXPOSE", DF_EXPOSE}, {"COPY", DF_COPY},       {"ADD", DF_ADD},
    {"RUN", DF_RUN},       {"CMD", DF_CMD},         {"ENTRYPOINT", DF_ENTRYPOINT},
};

/* Docker knows these; vclab's builder does not do them. */
static const char *const unsupported[] = {"ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
                                          "VOLUME",  "MAINTAINER", NULL};

const char *df_kind_name(enum df_kind k)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].kind == k)
			return known[i].name;
	return "?";
}

void df_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void df_free(struct df_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->ins[i].keyword);
		free(f->ins[i].args);
		free(f->ins[i].chown);
		df_strv_free(f->ins[i].argv);
	}
	free(f->ins);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

/* --- a growing string ----------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 64);
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

/* --- parsing ---------------------------------------------------------------- */

struct line {
	const char *s;
	size_t len;
};

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static bool comment(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	return i < len && s[i] == '#';
}

/* "# name = value" at the top of the file: a parser directive. Returns
 * true and fills name/value (lower-cased name) when the line is one. */
static bool directive(const char *s, size_t len, char *name, size_t nlen, char *value, size_t vlen)
{
	size_t i = 0, n = 0, v = 0;

	if (!len || s[0] != '#')
		return false;
	i = 1;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_') && n + 1 < nlen)
		name[n++] = (char)tolower((unsigned char)s[i++]);
	name[n] = '\0';
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (!n || i >= len || s[i] != '=')
		return false;
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < len && !isspace((unsigned char)s[i]) && v + 1 < vlen)
		value[v++] = s[i++];
	value[v] = '\0';
	return true;
}

static int line_error(vc_err *err, const struct df_file *f, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int line_error(vc_err *err, const struct df_file *f, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vc_error(err, 0, "%s:%d: %s", f->name, line, msg);
}

/* The exec form: a JSON array of strings. NULL when s is not one. */
static char **json_argv(const char *s, size_t *argc)
{
	json_t *j = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	char **v = NULL;
	size_t i, n;

	if (!j || !json_is_array(j))
		goto out;
	n = json_array_size(j);
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(j, i)))
			goto out;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		goto out;
	for (i = 0; i < n; i++) {
		v[i] = strdup(json_string_value(json_array_get(j, i)));
		if (!v[i]) {
			df_strv_free(v);
			v = NULL;
			goto out;
		}
	}
	*argc = n;
out:
	json_decref(j);
	return v;
}

static bool uses_json(enum df_kind k)
{
	return k == DF_RUN || k == DF_CMD || k == DF_ENTRYPOINT || k == DF_COPY || k == DF_ADD;
}

/* Leading --flags of COPY/ADD (--chown), FROM and RUN (none supported). */
static int take_flags(struct df_file *f, struct df_instr *in, char **rest, vc_err *err)
{
	char *p = *rest;

	while (p[0] == '-' && p[1] == '-') {
		char *end = p;
		while (*end && !isspace((unsigned char)*end))
			end++;
		char save = *end;
		*end = '\0';
		if ((in->kind == DF_COPY || in->kind == DF_ADD) && !strncmp(p, "--chown=", 8) &&
		    p[8]) {
			free(in->chown);
			in->chown = strdup(p + 8);
			if (!in->chown)
				return vc_error(err, ENOMEM, "%s", f->name);
		} else {
			line_error(err, f, in->line, "%s: flag '%s' is not supported", in->keyword,
			           p);
			*end = save;
			return -1;
		}
		*end = save;
		while (*end && isspace((unsigned char)*end))
			end++;
		p = end;
	}
	*rest = p;
	return 0;
}

static int add_instr(struct df_file *f, int line, const char *text, vc_err *err)
{
	const char *p = text, *kw_end;
	char *kw, *rest;
	struct df_instr in = {0};
	bool found = false;
	size_t len;

	while (isspace((unsigned char)*p))
		p++;
	kw_end = p;
	while (*kw_end && !isspace((unsigned char)*kw_end))
		kw_end++;
	kw = strndup(p, (size_t)(kw_end - p));
	if (!kw)
		return vc_error(err, ENOMEM, "%s", f->name);
	in.keyword = kw;
	in.line = line;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcasecmp(kw, known[i].name)) {
			in.kind = known[i].kind;
			found = true;
		}
	if (!found) {
		for (size_t i = 0; unsupported[i]; i++)
			if (!strcasecmp(kw, unsupported[i])) {
				line_error(err, f, line,
				           "instruction '%s' is not supported by vclab build", kw);
				free(kw);
				return -1;
			}
		line_error(err, f, line, "unknown instruction '%s'", kw);
		free(kw);
		return -1;
	}

	p = kw_end;
	while (isspace((unsigned char)*p))
		p++;
	rest = strdup(p);
	if (!rest) {
		free(kw);
		return vc_error(err, ENOMEM, "%s", f->name);
	}
	len = strlen(rest);
	while (len && isspace((unsigned char)rest[len - 1]))
		rest[--len] = '\0';
	in.args = rest;

	if (in.kind == DF_COPY || in.kind == DF_ADD || in.kind == DF_FROM || in.kind == DF_RUN) {
		char *q = rest;
		if (take_flags(f, &in, &q, err) < 0)
			goto fail;
		memmove(rest, q, strlen(q) + 1);
	}
	if (uses_json(in.kind) && rest[0] == '[') {
		in.argv = json_argv(rest, &in.argc);
		in.json = in.argv != NULL;
	}
	if (!rest[0]) {
		line_error(err, f, line, "%s requires at least one argument", kw);
		goto fail;
	}
	if (in.json && (in.kind == DF_COPY || in.kind == DF_ADD) && in.argc < 2) {
		line_error(err, f, line, "%s requires a source and a destination", kw);
		goto fail;
	}
	if (in.json && in.kind == DF_RUN && in.argc == 0) {
		line_error(err, f, line, "%s requires at least one argument", kw);
		goto fail;
	}

	struct df_instr *ins = realloc(f->ins, (f->n + 1) * sizeof(*ins));
	if (!ins) {
		vc_error(err, ENOMEM, "%s", f->name);
		goto fail;
	}
	f->ins = ins;
	f->ins[f->n++] = in;
	return 0;
fail:
	free(in.keyword);
	free(in.args);
	free(in.chown);
	df_strv_free(in.argv);
	return -1;
}

/* Structure: ARGs, one FROM, then the rest. */
static int check_structure(struct df_file *f, vc_err *err)
{
	size_t from = 0;
	bool seen = false;

	for (size_t i = 0; i < f->n; i++) {
		struct df_instr *in = &f->ins[i];
		if (in->kind == DF_FROM) {
			if (seen)
				return line_error(
				    err, f, in->line,
				    "a second FROM: multi-stage builds are not supported");
			seen = true;
			from = i;
		} else if (!seen && in->kind != DF_ARG) {
			return line_error(err, f, in->line,
			                  "%s before FROM (only ARG may come before FROM)",
			                  df_kind_name(in->kind));
		}
	}
	if (!seen)
		return vc_error(err, 0, "%s: no FROM instruction", f->name);
	(void)from;
	return 0;
}

int df_parse(const char *name, const char *text, size_t len, struct df_file *out, vc_err *err)
{
	struct line *lines = NULL;
	size_t n = 0, i = 0;
	struct sbuf b = {0};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->escape = '\\';
	out->name = strdup(name);
	if (!out->name)
		return vc_error(err, ENOMEM, "%s", name);
	if (memchr(text, '\0', len)) {
		vc_error(err, 0, "%s: not a text file (a NUL byte)", name);
		goto out;
	}

	/* split into lines, without \n and a trailing \r */
	for (size_t start = 0; start <= len;) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (!nl && start == len)
			break;
		struct line *l = realloc(lines, (n + 1) * sizeof(*l));
		if (!l) {
			vc_error(err, ENOMEM, "%s", name);
			goto out;
		}
		lines = l;
		lines[n].s = text + start;
		lines[n].len = end - start;
		if (lines[n].len && lines[n].s[lines[n].len - 1] == '\r')
			lines[n].len--;
		n++;
		start = end + 1;
	}

	/* parser directives: only at the very top */
	for (; i < n; i++) {
		char dname[32], dval[64];
		if (!directive(lines[i].s, lines[i].len, dname, sizeof(dname), dval, sizeof(dval)))
			break;
		if (!strcmp(dname, "escape")) {
			if (strcmp(dval, "\\") && strcmp(dval, "`")) {
				line_error(err, out, (int)i + 1,
				           "escape directive '%s': must be \\ or `", dval);
				goto out;
			}
			out->escape = dval[0];
		}
		/* syntax=, check=: ignored (no frontends here) */
	}

	while (i < n) {
		int first;
		if (blank(lines[i].s, lines[i].len) || comment(lines[i].s, lines[i].len)) {
			i++;
			continue;
		}
		first = (int)i + 1;
		b.len = 0;
		sb_add(&b, "", 0);
		for (;;) {
			const char *s = lines[i].s;
			size_t l = lines[i].len, t = l;
			bool cont = false;

			i++;
			while (t && (s[t - 1] == ' ' || s[t - 1] == '\t'))
				t--;
			/* as Docker: a line ending in the escape character (blanks
			 * after it allowed) goes on, even after another escape */
			if (t && s[t - 1] == out->escape) {
				cont = true;
				l = t - 1;
			}
			sb_add(&b, s, l);
			if (!cont)
				break;
			/* comment and empty lines inside a continuation are dropped */
			while (i < n && (comment(lines[i].s, lines[i].len) ||
			                 blank(lines[i].s, lines[i].len)))
				i++;
			if (i >= n)
				break;
		}
		if (b.oom) {
			vc_error(err, ENOMEM, "%s", name);
			goto out;
		}
		if (add_instr(out, first, b.s, err) < 0)
			goto out;
	}
	if (check_structure(out, err) < 0)
		goto out;
	rc = 0;
out:
	free(lines);
	free(b.s);
	if (rc < 0)
		df_free(out);
	return rc;
}

/* --- substitution -------------------------------------------------------------- */

struct lex {
	const char *s;
	size_t i;
	char esc;
	df_lookup_fn lookup;
	void *ctx;
	const char *whole;
	vc_err *err;
};

static bool var_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool var_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Expand a "word" inside ${VAR:-word}: it ends at the matching '}'. */
static int lex_word_until_brace(struct lex *x, struct sbuf *out);

/* At x->s[x->i] == '$': append the expansion. */
static int lex_dollar(struct lex *x, struct sbuf *out)
{
	char name[256];
	size_t n = 0;
	const char *val;

	x->i++;
	if (x->s[x->i] == '{') {
		x->i++;
		while (var_char(x->s[x->i]) && n + 1 < sizeof(name))
			name[n++] = x->s[x->i++];
		name[n] = '\0';
		if (!n)
			return vc_error(x->err, 0, "'%s': bad substitution", x->whole);
		val = x->lookup(name, x->ctx);
		if (x->s[x->i] == '}') {
			x->i++;
			if (val)
				sb_add(out, val, strlen(val));
			return 0;
		}
		if (!x->s[x->i])
			return vc_error(x->err, 0, "'%s': missing '}'", x->whole);
		bool colon = false;
		if (x->s[x->i] == ':') {
			colon = true;
			x->i++;
		}
		char op = x->s[x->i];
		if (op != '-' && op != '+')
			return vc_error(x->err, 0, "'%s': unsupported modifier in ${%s...}",
			                x->whole, name);
		x->i++;
		struct sbuf word = {0};
		sb_add(&word, "", 0);
		if (lex_word_until_brace(x, &word) < 0) {
			free(word.s);
			return -1;
		}
		bool set = val && (!colon || *val);
		if (op == '-')
			sb_add(out, set ? val : word.s, strlen(set ? val : word.s));
		else if (set)
			sb_add(out, word.s, word.len);
		free(word.s);
		return 0;
	}
	if (!var_start(x->s[x->i])) {
		sb_addc(out, '$'); /* a lone $ stays */
		return 0;
	}
	while (var_char(x->s[x->i]) && n + 1 < sizeof(name))
		name[n++] = x->s[x->i++];
	name[n] = '\0';
	val = x->lookup(name, x->ctx);
	if (val)
		sb_add(out, val, strlen(val));
	return 0;
}

static int lex_word_until_brace(struct lex *x, struct sbuf *out)
{
	for (;;) {
		char c = x->s[x->i];
		if (!c)
			return vc_error(x->err, 0, "'%s': missing '}'", x->whole);
		if (c == '}') {
			x->i++;
			return 0;
		}
		if (c == x->esc && x->s[x->i + 1]) {
			sb_addc(out, x->s[x->i + 1]);
			x->i += 2;
		} else if (c == '$') {
			if (lex_dollar(x, out) < 0)
				return -1;
		} else {
			sb_addc(out, c);
			x->i++;
		}
	}
}

/* The words of s: split (or not) on unquoted blanks. */
static int lex_words(const char *s, char esc, df_lookup_fn lookup, void *ctx, bool split,
                     char ***words, size_t *nw, vc_err *err)
{
	struct lex x = {s, 0, esc, lookup, ctx, s, err};
	struct sbuf cur = {0};
	char **v = NULL;
	size_t n = 0;
	bool have = false;
	int rc = -1;

	for (;;) {
		char c = s[x.i];
		if (!c || (split && isspace((unsigned char)c))) {
			if (have || (!split && !n)) {
				char **nv = realloc(v, (n + 2) * sizeof(*nv));
				if (!nv)
					goto oom;
				v = nv;
				v[n] = strdup(cur.s ? cur.s : "");
				if (!v[n])
					goto oom;
				v[++n] = NULL;
			}
			have = false;
			cur.len = 0;
			if (cur.s)
				cur.s[0] = '\0';
			if (!c)
				break;
			x.i++;
			continue;
		}
		have = true;
		if (c == esc) {
			if (s[x.i + 1]) {
				sb_addc(&cur, s[x.i + 1]);
				x.i += 2;
			} else {
				sb_addc(&cur, c);
				x.i++;
			}
		} else if (c == '\'') {
			const char *end = strchr(s + x.i + 1, '\'');
			if (!end) {
				vc_error(err, 0, "'%s': unmatched single quote", s);
				goto out;
			}
			sb_add(&cur, s + x.i + 1, (size_t)(end - s - x.i - 1));
			x.i = (size_t)(end - s) + 1;
		} else if (c == '"') {
			x.i++;
			for (;;) {
				char d = s[x.i];
				if (!d) {
					vc_error(err, 0, "'%s': unmatched double quote", s);
					goto out;
				}
				if (d == '"') {
					x.i++;
					break;
				}
				if (d == esc &&
				    (s[x.i + 1] == '"' || s[x.i + 1] == esc || s[x.i + 1] == '$')) {
					sb_addc(&cur, s[x.i + 1]);
					x.i += 2;
				} else if (d == '$') {
					if (lex_dollar(&x, &cur) < 0)
						goto out;
				} else {
					sb_addc(&cur, d);
					x.i++;
				}
			}
			if (!cur.s)
				sb_add(&cur, "", 0);
		} else if (c == '$') {
			if (lex_dollar(&x, &cur) < 0)
				goto out;
		} else {
			sb_addc(&cur, c);
			x.i++;
		}
		if (cur.oom)
			goto oom;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			goto oom;
	}
	*words = v;
	*nw = n;
	v = NULL;
	rc = 0;
	goto out;
oom:
	vc_error(err, ENOMEM, "expanding '%s'", s);
out:
	free(cur.s);
	df_strv_free(v);
	return rc;
}

int df_expand_words(const char *s, char escape, df_lookup_fn lookup, void *ctx, char ***words,
                    size_t *n, vc_err *err)
{
	return lex_words(s, escape, lookup, ctx, true, words, n, err);
}

int df_expand_word(const char *s, char escape, df_lookup_fn lookup, void *ctx, char **out,
                   vc_err *err)
{
	char **v;
	size_t n;

	if (lex_words(s, escape, lookup, ctx, false, &v, &n, err) < 0)
		return -1;
	*out = v[0];
	v[0] = NULL;
	free(v);
	return 0;
}
