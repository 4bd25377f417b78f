/* Pull and push progress: see progress.h. */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double progress_elapsed(const struct progress *p)
{
	return now() - p->start;
}

const char *progress_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, len, "%.3g%s", v, units[u]);
	return buf;
}

void progress_init(struct progress *p, FILE *out, int tty)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = tty < 0 ? isatty(fileno(out)) : tty;
	p->start = now();
}

void progress_free(struct progress *p)
{
	free(p->lines);
	p->lines = NULL;
	p->n = 0;
}

static void format_line(const struct progress_line *l, char *buf, size_t len)
{
	char a[16], b[16];

	if (l->total && l->done && l->done < l->total)
		snprintf(buf, len, "%s: %-12s %8s/%s", l->id, l->state,
		         progress_size(l->done, a, sizeof(a)),
		         progress_size(l->total, b, sizeof(b)));
	else
		snprintf(buf, len, "%s: %s", l->id, l->state);
}

/* Redraw line i in place: up to it, clear, write, back down. */
static void redraw(struct progress *p, size_t i)
{
	char line[128];
	size_t up = p->n - i;

	format_line(&p->lines[i], line, sizeof(line));
	fprintf(p->out, "\033[%zuA\r\033[2K%s\033[%zuB\r", up, line, up);
	fflush(p->out);
}

int progress_add(struct progress *p, const char *digest, uint64_t total, const char *state)
{
	struct progress_line *nl = realloc(p->lines, (p->n + 1) * sizeof(*nl));
	const char *hex = strchr(digest, ':');
	struct progress_line *l;

	if (!nl)
		return -1;
	p->lines = nl;
	l = &nl[p->n];
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%.12s", hex ? hex + 1 : digest);
	snprintf(l->state, sizeof(l->state), "%s", state);
	l->total = total;
	if (p->tty) {
		char line[128];

		format_line(l, line, sizeof(line));
		fprintf(p->out, "%s\n", line);
		fflush(p->out);
	}
	return (int)p->n++;
}

void progress_update(struct progress *p, int i, const char *state, uint64_t done)
{
	struct progress_line *l;
	double t;

	if (i < 0 || (size_t)i >= p->n)
		return;
	l = &p->lines[i];
	l->done = done;
	snprintf(l->state, sizeof(l->state), "%s", state);
	if (!p->tty)
		return;
	t = now();
	if (t - p->last_draw < 0.1 && done < l->total)
		return;
	p->last_draw = t;
	redraw(p, (size_t)i);
}

void progress_done(struct progress *p, int i, const char *state)
{
	struct progress_line *l;

	if (i < 0 || (size_t)i >= p->n)
		return;
	l = &p->lines[i];
	l->done = l->total;
	snprintf(l->state, sizeof(l->state), "%s", state);
	if (p->tty) {
		redraw(p, (size_t)i);
	} else {
		char sz[16];

		fprintf(p->out, "%s: %s (%s)\n", l->id, state,
		        progress_size(l->total, sz, sizeof(sz)));
		fflush(p->out);
	}
}
