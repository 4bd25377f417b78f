#include "diff.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* The medians compared: the figures the table leads with. */
static const int diff_metrics[] = {MET_STARTUP, MET_COMPLETION, MET_MEM_READY, MET_MEM_PEAK};

static struct diff_line *next_line(struct diff *d, const char *runner, const char *metric)
{
	struct diff_line *l;

	if (d->n >= DIFF_MAX_LINES)
		return NULL;
	l = &d->line[d->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->runner, sizeof(l->runner), "%s", runner);
	snprintf(l->metric, sizeof(l->metric), "%s", metric);
	l->base = l->now = l->change_pct = NAN;
	return l;
}

static void compare_value(struct diff *d, const char *runner, const char *metric, double base,
                          double now, double threshold)
{
	struct diff_line *l;

	if (isnan(base) || isnan(now))
		return;
	l = next_line(d, runner, metric);
	if (!l)
		return;
	l->base = base;
	l->now = now;
	l->change_pct = base != 0 ? (now - base) / fabs(base) * 100 : (now == 0 ? 0 : INFINITY);
	l->regression = l->change_pct > threshold;
	d->regressions += l->regression;
}

/* A runner that measured before and no longer does. Failing is a
 * regression; being unavailable (no KVM on this machine) is not. */
static void compare_state(struct diff *d, const struct runner_result *b,
                          const struct runner_result *n)
{
	struct diff_line *l;

	if (b->state == n->state)
		return;
	l = next_line(d, b->name, "state");
	if (!l)
		return;
	snprintf(l->detail, sizeof(l->detail), "%s -> %s%s%.60s", runner_state_name(b->state),
	         runner_state_name(n->state), n->reason[0] ? ": " : "", n->reason);
	l->regression = b->state == RUNNER_OK && n->state == RUNNER_FAILED;
	d->regressions += l->regression;
}

int diff_check_accel(const struct bench_result *base, const struct bench_result *now, vc_err *err)
{
	for (size_t i = 0; i < base->nrunners; i++) {
		const struct runner_result *b = &base->runner[i];

		for (size_t j = 0; j < now->nrunners; j++) {
			const struct runner_result *n = &now->runner[j];

			if (strcmp(n->name, b->name) || !b->accel[0] || !n->accel[0] ||
			    !strcmp(b->accel, n->accel))
				continue;
			return vc_error(
			    err, 0,
			    "%s ran on %s in BASE and on %s in NEW: results of different "
			    "kinds are not comparable (compare runs of one kind)",
			    b->name, b->accel, n->accel);
		}
	}
	return 0;
}

void diff_compute(const struct bench_result *base, const struct bench_result *now, double threshold,
                  struct diff *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < base->nrunners; i++) {
		const struct runner_result *b = &base->runner[i], *n = NULL;

		for (size_t j = 0; j < now->nrunners; j++)
			if (!strcmp(now->runner[j].name, b->name))
				n = &now->runner[j];
		if (!n)
			continue;
		compare_state(d, b, n);
		if (b->state == RUNNER_OK && n->state == RUNNER_OK)
			for (size_t k = 0; k < sizeof(diff_metrics) / sizeof(diff_metrics[0]); k++)
				compare_value(d, b->name, metric_info[diff_metrics[k]].key,
				              b->stats[diff_metrics[k]].median,
				              n->stats[diff_metrics[k]].median, threshold);
		if (b->image.bytes && n->image.bytes)
			compare_value(d, b->name, "image_bytes", (double)b->image.bytes,
			              (double)n->image.bytes, threshold);
	}
}

static void fmt_value(const struct diff_line *l, double v, char *out, size_t len)
{
	if (strstr(l->metric, "_ms"))
		fmt_ms(v, out, len);
	else if (strstr(l->metric, "_kib"))
		fmt_kib(v, out, len);
	else
		fmt_bytes(v, out, len);
}

void diff_print(const struct diff *d, double threshold, FILE *f)
{
	fprintf(f, "%-13s %-15s %12s %12s %9s\n", "runner", "metric (median)", "base", "new",
	        "change");
	for (size_t i = 0; i < d->n; i++) {
		const struct diff_line *l = &d->line[i];
		char b[32], n[32];

		if (!strcmp(l->metric, "state")) {
			fprintf(f, "%-13s %-15s %s%s\n", l->runner, "state", l->detail,
			        l->regression ? "  REGRESSION" : "");
			continue;
		}
		fmt_value(l, l->base, b, sizeof(b));
		fmt_value(l, l->now, n, sizeof(n));
		fprintf(f, "%-13s %-15s %12s %12s %+8.1f%%%s\n", l->runner, l->metric, b, n,
		        l->change_pct, l->regression ? "  REGRESSION" : "");
	}
	fprintf(f, "%zu regression(s) beyond +%.1f%%\n", d->regressions, threshold);
}

int diff_context_note(const struct bench_result *base, const struct bench_result *now, FILE *f)
{
	const struct host_info *a = &base->host, *b = &now->host;
	int noted = 0;

	if (strcmp(a->cpu, b->cpu) || a->cores != b->cores || strcmp(a->kernel, b->kernel) ||
	    strcmp(a->cgroup, b->cgroup)) {
		fprintf(f, "note: different hosts: base %s, %u cores, %s; new %s, %u cores, %s\n",
		        a->cpu, a->cores, a->kernel, b->cpu, b->cores, b->kernel);
		noted = 1;
	}
	if (strcmp(base->workload, now->workload) || base->guest_mem_mib != now->guest_mem_mib) {
		fprintf(f, "note: different settings: base workload `%s`, new `%s`\n",
		        base->workload, now->workload);
		noted = 1;
	}
	return noted;
}
