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

int bm_parse_cmdline(struct job *j, const char *cmdline, char *err, size_t errlen)
{
	char word[BM_WORD_MAX + 1];
	const char *s = cmdline;
	size_t n;

	job_defaults(j);
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
		if (job_parse_word(j, word, err, errlen) < 0)
			return -1;
		s += n;
	}
	return 0;
}
