#include "cmdline.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Copy the n-byte word at s into err as "'word...': too long". */
static void too_long(const char *s, char *err, size_t errlen)
{
	static const char tail[] = "...': longer than any valid argument";
	size_t pos = 0, i;

	if (!errlen)
		return;
	err[pos++] = '\'';
	for (i = 0; i < 16 && s[i] && pos + 1 < errlen; i++)
		err[pos++] = s[i];
	for (i = 0; tail[i] && pos + 1 < errlen; i++)
		err[pos++] = tail[i];
	err[pos < errlen ? pos : errlen - 1] = '\0';
}

/* Copy a, b and c into err (NUL-terminated, cut to fit). */
static void message(char *err, size_t errlen, const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	size_t pos = 0, i;

	if (!errlen)
		return;
	for (i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p && pos + 1 < errlen; p++)
			err[pos++] = *p;
	err[pos] = '\0';
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* fault=KIND. Returns 1 if word is a fault= word (parsed into *fault), 0 if
 * it is not one, -1 for a fault= word with an unknown KIND. */
static int parse_fault(const char *word, enum bm_fault *fault, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum bm_fault kind;
	} kinds[] = {{"hlt", BM_FAULT_HLT}, {"read", BM_FAULT_READ}, {"ud2", BM_FAULT_UD2}};
	static const char key[] = "fault=";
	size_t i;

	for (i = 0; i + 1 < sizeof(key); i++)
		if (word[i] != key[i])
			return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (same(word + sizeof(key) - 1, kinds[i].name)) {
			*fault = kinds[i].kind;
			return 1;
		}
	message(err, errlen, "'", word, "': expected fault=hlt, fault=read or fault=ud2");
	return -1;
}

int bm_parse_cmdline(struct job *j, enum bm_fault *fault, const char *cmdline, char *err,
                     size_t errlen)
{
	int f;

	char word[BM_WORD_MAX + 1];
	const char *s = cmdline;
	size_t n;

	job_defaults(j);
	*fault = BM_FAULT_NONE;
	while (s && *s) {
		while (is_space(*s))
			s++;
		for (n = 0; s[n] && !is_space(s[n]); n++)
			if (n == BM_WORD_MAX) {
				too_long(s, err, errlen);
				return -1;
			}
		if (!n)
			break;
		for (size_t i = 0; i < n; i++)
			word[i] = s[i];
		word[n] = '\0';
		f = parse_fault(word, fault, err, errlen);
		if (f < 0 || (f == 0 && job_parse_word(j, word, err, errlen) < 0))
			return -1;
		s += n;
	}
	return 0;
}
