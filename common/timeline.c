#include "timeline.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

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
		fprintf(f, ", \"at_ns\": %llu, \"since_start_ms\": %.3f, \"took_ms\": %.3f}",
		        (unsigned long long)e->at_ns, (double)(e->at_ns - tl->start_ns) / 1e6,
		        (double)e->took_ns / 1e6);
	}
	fprintf(f, "\n]}\n");
	if (fclose(f) != 0)
		return vc_error(err, errno, "--timings '%s': write failed", path);
	return 0;
}
