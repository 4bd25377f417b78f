/* results/bench.svg: one panel per metric, one horizontal bar per runner.
 * Bar = median, whisker = min..p95 of the measured runs; runners that did
 * not run say why instead of showing a bar. Plain SVG 1.1, no script. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PANEL_W 520
#define LABEL_W 110
#define VALUE_W 90
#define ROW_H   24
#define HEAD_H  34
#define COLS    2
#define GAP     16

/* One panel: a value with its spread per runner. */
struct bar {
	double value, lo, hi; /* NaN = nothing to draw */
};

struct panel {
	const char *title;
	void (*fmt)(double, char *, size_t);
	struct bar bar[BENCH_MAX_RUNNERS];
};

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

static struct bar from_stats(const struct stats *st, double shift)
{
	struct bar b = {NAN, NAN, NAN};

	if (st->n == 0)
		return b;
	b.value = st->median - shift;
	b.lo = st->min - shift;
	b.hi = st->p95 - shift;
	return b;
}

static void fmt_image(double kib, char *out, size_t len)
{
	fmt_bytes(kib * 1024, out, len);
}

static void fill_panels(const struct bench_result *res, struct panel p[4])
{
	const struct runner_result *base = NULL;

	for (size_t i = 0; i < res->nrunners; i++)
		if (!strcmp(res->runner[i].name, "process") && res->runner[i].state == RUNNER_OK)
			base = &res->runner[i];
	p[0] = (struct panel){"Startup: spawn to ready line (ms)", fmt_ms, .bar = {{0, 0, 0}}};
	p[1] =
	    (struct panel){"Completion: spawn to launcher exit (ms)", fmt_ms, .bar = {{0, 0, 0}}};
	p[2] = (struct panel){"Memory overhead at peak vs process", fmt_kib, .bar = {{0, 0, 0}}};
	p[3] = (struct panel){res->image_ref[0] ? "Image to ship (registry view; VMs: kernel + "
	                                          "initramfs)"
	                                        : "Image to ship",
	                      fmt_image, .bar = {{0, 0, 0}}};
	for (size_t i = 0; i < res->nrunners; i++) {
		const struct runner_result *r = &res->runner[i];
		struct bar none = {NAN, NAN, NAN};

		if (r->state != RUNNER_OK) {
			for (int k = 0; k < 3; k++)
				p[k].bar[i] = none;
		} else {
			p[0].bar[i] = from_stats(&r->stats[MET_STARTUP], 0);
			p[1].bar[i] = from_stats(&r->stats[MET_COMPLETION], 0);
			p[2].bar[i] = base ? from_stats(&r->stats[MET_MEM_PEAK],
			                                base->stats[MET_MEM_PEAK].median)
			                   : none;
		}
		p[3].bar[i] =
		    r->image.bytes ? (struct bar){(double)r->image.bytes / 1024, NAN, NAN} : none;
	}
}

static double panel_max(const struct panel *p, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(p->bar[i].value) && p->bar[i].value > m)
			m = p->bar[i].value;
		if (!isnan(p->bar[i].hi) && p->bar[i].hi > m)
			m = p->bar[i].hi;
	}
	return m > 0 ? m : 1;
}

/* The startup bar split into the launcher's phases (from its --timings,
 * common/timeline.h), stacked from the left in the order they happen; the
 * rest of the bar, up to the ready line, stays plain. Each segment is a
 * median, so together they may pass the bar's median: they are cut there.
 * Hover a segment for its name. */
static void draw_phases(FILE *f, const struct runner_result *r, double bar, double scale, double x0,
                        double w, double y)
{
	static const struct {
		const char *name, *color;
	} seg[] = {
	    {"spawn -> launcher start", "#9ecae1"},
	    {"runtime setup", "#fdae6b"},
	    {"child setup", "#e6550d"},
	    {"vmm setup", "#a1d99b"},
	    {"guest boot", "#31a354"},
	};
	double at = 0;

	for (size_t k = 0; k < sizeof(seg) / sizeof(seg[0]); k++)
		for (size_t i = 0; i < r->nphases; i++) {
			double ms = r->phase[i].st.median;

			if (strcmp(r->phase[i].name, seg[k].name) || r->phase[i].st.n == 0 ||
			    !(ms > 0) || at >= bar)
				continue;
			ms = fmin(ms, bar - at);
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
			        "class=\"seg\" fill=\"%s\"><title>",
			        x0 + at * scale * w, y + 4, ms * scale * w, ROW_H - 8,
			        seg[k].color);
			xml_text(f, seg[k].name);
			fprintf(f, ": %.3f ms (median)</title></rect>\n", r->phase[i].st.median);
			at += ms;
		}
}

static void draw_row(FILE *f, const struct runner_result *r, const struct bar *b,
                     const struct panel *p, double scale, double y)
{
	const double x0 = LABEL_W, w = PANEL_W - LABEL_W - VALUE_W;
	char v[48];

	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LABEL_W - 6, y + 15);
	xml_text(f, r->name);
	fprintf(f, "</text>\n");
	if (isnan(b->value)) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"na\">", x0 + 4, y + 15);
		xml_text(f, r->state == RUNNER_OK ? "not measured" : runner_state_name(r->state));
		if (r->reason[0]) { /* the reason shows on hover */
			fprintf(f, "<title>");
			xml_text(f, r->reason);
			fprintf(f, "</title>");
		}
		fprintf(f, "</text>\n");
		return;
	}
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" class=\"bar\"/>\n", x0,
	        y + 4, b->value > 0 ? b->value * scale * w : 0, ROW_H - 8);
	if (!strncmp(p->title, "Startup", 7))
		draw_phases(f, r, b->value, scale, x0, w, y);
	if (!isnan(b->lo) && !isnan(b->hi)) {
		double lo = fmax(b->lo, 0) * scale * w + x0, hi = fmax(b->hi, 0) * scale * w + x0;

		fprintf(f,
		        "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" "
		        "class=\"err\"/>\n",
		        lo, y + ROW_H / 2.0, hi, lo, y + 7, y + ROW_H - 7, hi, y + 7,
		        y + ROW_H - 7);
	}
	p->fmt(b->value, v, sizeof(v));
	fprintf(f, "<text x=\"%d\" y=\"%.1f\">", PANEL_W - VALUE_W + 4, y + 15);
	xml_text(f, v);
	fprintf(f, "</text>\n");
}

static void draw_panel(FILE *f, const struct bench_result *res, const struct panel *p, int px,
                       int py)
{
	double scale = 1 / panel_max(p, res->nrunners);

	fprintf(f, "<g transform=\"translate(%d,%d)\">\n", px, py);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%zu\" class=\"panel\"/>\n", PANEL_W,
	        HEAD_H + res->nrunners * ROW_H + 8);
	fprintf(f, "<text x=\"8\" y=\"22\" class=\"title\">");
	xml_text(f, p->title);
	fprintf(f, "</text>\n");
	for (size_t i = 0; i < res->nrunners; i++)
		draw_row(f, &res->runner[i], &p->bar[i], p, scale, HEAD_H + (double)i * ROW_H);
	fprintf(f, "</g>\n");
}

void report_svg_print(const struct bench_result *res, FILE *f)
{
	struct panel p[4];
	int ph = HEAD_H + (int)res->nrunners * ROW_H + 8;
	int width = COLS * PANEL_W + (COLS + 1) * GAP;
	int height = 2 * ph + 3 * GAP + 40;

	fill_panels(res, p);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
	        "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	        "font-size=\"12\">\n",
	        width, height, width, height);
	fprintf(f, "<style>.bar{fill:#4a7fb5}.err{stroke:#222;stroke-width:1.2;fill:none}"
	           ".panel{fill:#fafafa;stroke:#ccc}.title{font-weight:bold}"
	           ".na{fill:#999;font-style:italic}</style>\n");
	fprintf(f, "<title>vclab bench: ");
	xml_text(f, res->workload);
	fprintf(f, "</title>\n");
	for (int i = 0; i < 4; i++)
		draw_panel(f, res, &p[i], GAP + (i % COLS) * (PANEL_W + GAP),
		           GAP + (i / COLS) * (ph + GAP));
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\">bar: median; whisker: min to p95 over %u runs; "
	        "startup in colours: the launcher's phases (hover). "
	        "vclab ",
	        GAP, height - 14, res->runs);
	xml_text(f, res->host.git);
	fprintf(f, ", ");
	xml_text(f, res->host.date);
	fprintf(f, ", workload ");
	xml_text(f, res->workload);
	fprintf(f, "</text>\n</svg>\n");
}

int report_svg_write(const struct bench_result *res, const char *path, vc_err *err)
{
	return report_write_file(path, report_svg_print, res, err);
}
