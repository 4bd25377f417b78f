#include "timeline.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t vc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vc_timeline_init(struct vc_timeline *tl, const char *tool, FILE *trace)
{
	memset(tl, 0, sizeof(*tl));
	tl->tool = tool;
	tl->trace = trace;
	tl->start_ns = vc_now_ns();
	tl->step_ns = tl->start_ns;
	tl->pid = (int)getpid();
	tl->track_name[0] = tool;
	tl->track_name[1] = "child";
}

void vc_step_begin(struct vc_timeline *tl)
{
	tl->step_ns = vc_now_ns();
}

void vc_step(struct vc_timeline *tl, const char *name, const char *fmt, ...)
{
	uint64_t now = vc_now_ns();
	struct vc_event *e;
	va_list ap;

	if (tl->unread && !tl->trace) {
		tl->step_ns = now;
		return;
	}
	if (tl->n < VC_TIMELINE_MAX) {
		e = &tl->ev[tl->n++];
		snprintf(e->name, sizeof(e->name), "%s", name);
		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
		e->at_ns = now;
		e->took_ns = now - tl->step_ns;
		e->track = 0;
		e->phase = 0;
		if (tl->trace)
			fprintf(tl->trace, "[%s %9.3f ms] %-18s %s (%.3f ms)\n", tl->tool,
			        (double)(now - tl->start_ns) / 1e6, name, e->detail,
			        (double)e->took_ns / 1e6);
	}
	tl->step_ns = vc_now_ns();
}

void vc_trace(struct vc_timeline *tl, const char *fmt, ...)
{
	va_list ap;

	if (!tl->trace)
		return;
	fprintf(tl->trace, "[%s %9.3f ms] ", tl->tool, (double)(vc_now_ns() - tl->start_ns) / 1e6);
	va_start(ap, fmt);
	vfprintf(tl->trace, fmt, ap);
	va_end(ap);
	fputc('\n', tl->trace);
}

void vc_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int vc_timeline_write_json(const struct vc_timeline *tl, const char *path, vc_err *err)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return vc_error(err, errno, "--timings '%s': cannot open for writing", path);
	fprintf(f, "{\"tool\": ");
	vc_json_string(f, tl->tool);
	fprintf(f, ", \"clock\": \"CLOCK_MONOTONIC\", \"start_ns\": %llu, \"steps\": [",
	        (unsigned long long)tl->start_ns);
	for (i = 0; i < tl->n; i++) {
		const struct vc_event *e = &tl->ev[i];

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		vc_json_string(f, e->name);
		fprintf(f, ", \"detail\": ");
		vc_json_string(f, e->detail);
		fprintf(f, ", \"at_ns\": %llu, \"since_start_ms\": %.3f, \"took_ms\": %.3f",
		        (unsigned long long)e->at_ns, (double)(e->at_ns - tl->start_ns) / 1e6,
		        (double)e->took_ns / 1e6);
		if (e->track)
			fprintf(f, ", \"track\": %u", e->track);
		fprintf(f, "%s}", e->phase ? ", \"phase\": true" : "");
	}
	fprintf(f, "\n]}\n");
	if (fclose(f) != 0)
		return vc_error(err, errno, "--timings '%s': write failed", path);
	return 0;
}

void vc_timeline_phase(struct vc_timeline *tl, unsigned track, const char *name, uint64_t begin_ns,
                       uint64_t end_ns, const char *fmt, ...)
{
	struct vc_event *e;
	va_list ap;

	if (tl->n >= VC_TIMELINE_MAX || track >= VC_TRACKS || end_ns < begin_ns)
		return;
	e = &tl->ev[tl->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	e->at_ns = end_ns;
	e->took_ns = end_ns - begin_ns;
	e->track = (uint8_t)track;
	e->phase = 1;
}

const struct vc_event *vc_timeline_find(const struct vc_timeline *tl, unsigned track,
                                        const char *name)
{
	for (size_t i = 0; i < tl->n; i++)
		if (!tl->ev[i].phase && tl->ev[i].track == track && !strcmp(tl->ev[i].name, name))
			return &tl->ev[i];
	return NULL;
}

static bool name_in(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(name, *names))
			return true;
	return false;
}

bool vc_timeline_span(const struct vc_timeline *tl, unsigned track, const char *const *names,
                      uint64_t from_ns, uint64_t to_ns, uint64_t *begin_ns, uint64_t *end_ns)
{
	bool found = false;

	for (size_t i = 0; i < tl->n; i++) {
		const struct vc_event *e = &tl->ev[i];
		uint64_t b = e->at_ns - e->took_ns;

		if (e->phase || e->track != track || b < from_ns || e->at_ns > to_ns ||
		    (names && !name_in(e->name, names)))
			continue;
		if (!found || b < *begin_ns)
			*begin_ns = b;
		if (!found || e->at_ns > *end_ns)
			*end_ns = e->at_ns;
		found = true;
	}
	return found;
}

int vc_timings_format_parse(const char *name, enum vc_timings_format *f, vc_err *err)
{
	if (!strcmp(name, "json"))
		*f = VC_TIMINGS_JSON;
	else if (!strcmp(name, "chrome"))
		*f = VC_TIMINGS_CHROME;
	else
		return vc_error(err, 0, "--timings-format '%s': expected json or chrome", name);
	return 0;
}

/* Chrome's viewer nests complete events of one thread by their intervals:
 * list them by track, then start, the longer (the parent) first. */
static bool chrome_before(const struct vc_event *a, const struct vc_event *b)
{
	uint64_t ba = a->at_ns - a->took_ns, bb = b->at_ns - b->took_ns;

	if (a->track != b->track)
		return a->track < b->track;
	if (ba != bb)
		return ba < bb;
	if (a->took_ns != b->took_ns)
		return a->took_ns > b->took_ns;
	return a->phase > b->phase;
}

static void chrome_meta(FILE *f, const struct vc_timeline *tl, const char *what, unsigned tid,
                        const char *name)
{
	fprintf(f,
	        "%s  {\"name\": \"%s\", \"ph\": \"M\", \"pid\": %d, \"tid\": %u, "
	        "\"args\": {\"name\": ",
	        strcmp(what, "process_name") ? ",\n" : "", what, tl->pid, tid);
	vc_json_string(f, name);
	fprintf(f, "}}");
}

int vc_timeline_write_chrome(const struct vc_timeline *tl, const char *path, vc_err *err)
{
	size_t order[VC_TIMELINE_MAX], i, j, n = tl->n < VC_TIMELINE_MAX ? tl->n : VC_TIMELINE_MAX;
	bool used[VC_TRACKS] = {false};
	FILE *f;

	for (i = 0; i < n; i++) { /* insertion sort: a few hundred events at most */
		size_t k = i;

		for (j = i; j > 0 && chrome_before(&tl->ev[k], &tl->ev[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = k;
		if (tl->ev[i].track < VC_TRACKS)
			used[tl->ev[i].track] = true;
	}
	f = fopen(path, "w");
	if (!f)
		return vc_error(err, errno, "--timings '%s': cannot open for writing", path);
	fprintf(f, "{\"displayTimeUnit\": \"ms\", \"otherData\": {\"tool\": ");
	vc_json_string(f, tl->tool);
	fprintf(f, ", \"clock\": \"CLOCK_MONOTONIC\", \"start_ns\": %llu},\n\"traceEvents\": [\n",
	        (unsigned long long)tl->start_ns);
	chrome_meta(f, tl, "process_name", 1, tl->tool);
	for (i = 0; i < VC_TRACKS; i++)
		if (used[i] || i == 0)
			chrome_meta(f, tl, "thread_name", (unsigned)i + 1,
			            tl->track_name[i] ? tl->track_name[i] : tl->tool);
	for (i = 0; i < n; i++) {
		const struct vc_event *e = &tl->ev[order[i]];
		uint64_t b = e->at_ns - e->took_ns;

		if (b < tl->start_ns)
			b = tl->start_ns;
		fprintf(f, ",\n  {\"name\": ");
		vc_json_string(f, e->name);
		fprintf(
		    f,
		    ", \"cat\": \"%s\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": %d, "
		    "\"tid\": %u, \"args\": {\"detail\": ",
		    e->phase ? "phase" : "step", (double)(b - tl->start_ns) / 1e3,
		    (double)(e->at_ns - b) / 1e3, tl->pid, e->track + 1u);
		vc_json_string(f, e->detail);
		fprintf(f, "}}");
	}
	fprintf(f, "\n]}\n");
	if (fclose(f) != 0)
		return vc_error(err, errno, "--timings '%s': write failed", path);
	return 0;
}

int vc_timeline_write(const struct vc_timeline *tl, const char *path, enum vc_timings_format f,
                      vc_err *err)
{
	return f == VC_TIMINGS_CHROME ? vc_timeline_write_chrome(tl, path, err)
	                              : vc_timeline_write_json(tl, path, err);
}
