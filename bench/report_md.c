/* The Markdown report. The same text is the table printed on the terminal,
 * so it is kept readable as plain text too. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NA "n/a"

void fmt_ms(double ms, char *out, size_t len)
{
	if (isnan(ms))
		snprintf(out, len, NA);
	else if (ms < 10)
		snprintf(out, len, "%.2f ms", ms);
	else if (ms < 1000)
		snprintf(out, len, "%.1f ms", ms);
	else
		snprintf(out, len, "%.2f s", ms / 1000);
}

void fmt_kib(double kib, char *out, size_t len)
{
	if (isnan(kib))
		snprintf(out, len, NA);
	else if (fabs(kib) < 1024)
		snprintf(out, len, "%.0f KiB", kib);
	else
		snprintf(out, len, "%.1f MiB", kib / 1024);
}

void fmt_bytes(double bytes, char *out, size_t len)
{
	if (isnan(bytes) || bytes <= 0)
		snprintf(out, len, NA);
	else if (bytes < 1024)
		snprintf(out, len, "%.0f B", bytes);
	else
		fmt_kib(bytes / 1024, out, len);
}

static void fmt_ratio(double r, char *out, size_t len)
{
	if (isnan(r))
		snprintf(out, len, NA);
	else
		snprintf(out, len, "%.1fx", r);
}

/* A signed memory overhead: "+1.2 MiB". */
static void fmt_overhead(double kib, char *out, size_t len)
{
	char v[24];

	fmt_kib(fabs(kib), v, sizeof(v));
	if (isnan(kib))
		snprintf(out, len, NA);
	else
		snprintf(out, len, "%s%s", kib < 0 ? "-" : "+", v);
}

static void print_host(const struct bench_result *res, FILE *f)
{
	const struct host_info *h = &res->host;

	fprintf(f, "- Host: %s, %u cores, %s, cgroup %s, KVM: %s%s%s\n", h->cpu, h->cores,
	        h->kernel, h->cgroup, h->accel[0] ? h->accel : (h->kvm ? "yes" : "no"),
	        h->kvm ? "" : " - ", h->kvm ? "" : h->kvm_detail);
	fprintf(f, "- Peers: runc %s; crun %s; qemu %s\n", h->runc, h->crun, h->qemu);
	fprintf(f,
	        "- vclab %s, %s; %u runs after %u warm-up rounds, runners interleaved; "
	        "workload `%s`",
	        h->git, h->date, res->runs, res->warmup, res->workload);
	if (res->guest_mem_mib)
		fprintf(f, "; VM guest RAM %llu MiB", (unsigned long long)res->guest_mem_mib);
	fprintf(f, "\n");
	if (res->image_ref[0]) {
		fprintf(f, "- Image `%s` (%s): the command `%s`; ready line: ", res->image_ref,
		        res->image_id, res->image_cmd);
		if (res->ready_line[0])
			fprintf(f, "the first line holding `%s`", res->ready_line);
		else
			fprintf(f, "the first line printed");
		if (res->done_line[0])
			fprintf(f, "; done line: `%s`", res->done_line);
		fprintf(f, "; a run succeeds when the program exits with 0\n");
	}
	if (res->oci_summary[0])
		fprintf(f,
		        "- Container runners (container, runc, crun): one bundle, one config.json "
		        "(in the JSON report): %s; cgroups: %s\n",
		        res->oci_summary, res->oci_cgroups);
	fprintf(f, "\n");
}

/* Text inside a table cell: a '|' would end the cell. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

/* A VM row's name carries how it ran: "unikernel [kvm-pvm]". */
static void row_name(const struct runner_result *r, char *out, size_t len)
{
	if (r->accel[0])
		snprintf(out, len, "%s [%s]", r->name, r->accel);
	else
		snprintf(out, len, "%s", r->name);
}

static void print_main_row(const struct runner_result *r, bool unpacked, FILE *f)
{
	const struct stats *su = &r->stats[MET_STARTUP];
	char med[32], p95[32], sd[32], ratio[32], done[32], ovr[32], ovp[32], img[80], name[64];

	fmt_bytes((double)r->image.bytes, img, sizeof(img));
	if (unpacked) { /* --image: "1.3 MiB | 2.9 MiB" */
		size_t off = strlen(img);

		snprintf(img + off, sizeof(img) - off, " | ");
		fmt_bytes((double)r->image.unpacked, img + off + 3, sizeof(img) - off - 3);
	}
	row_name(r, name, sizeof(name));
	if (r->state != RUNNER_OK) {
		fprintf(f, "| %s | %s: ", name, runner_state_name(r->state));
		md_cell(f, r->reason);
		fprintf(f, " | | | | | | | | %s |\n", img);
		return;
	}
	fmt_ms(su->median, med, sizeof(med));
	fmt_ms(su->p95, p95, sizeof(p95));
	fmt_ms(su->stddev, sd, sizeof(sd));
	fmt_ratio(r->startup_ratio, ratio, sizeof(ratio));
	fmt_ms(r->stats[MET_COMPLETION].median, done, sizeof(done));
	fmt_overhead(r->overhead_ready_kib, ovr, sizeof(ovr));
	fmt_overhead(r->overhead_peak_kib, ovp, sizeof(ovp));
	fprintf(f, "| %s | ok (%u runs) | %s | %s | %s | %s | %s | %s | %s | %s |\n", name,
	        r->runs_ok, med, p95, sd, ratio, done, ovr, ovp, img);
}

static void print_main_table(const struct bench_result *res, FILE *f)
{
	bool unpacked = res->image_ref[0] != '\0';

	fprintf(f,
	        "| runner | status | startup median | p95 | σ | vs process | completion | "
	        "memory overhead at ready | at peak | image |%s\n",
	        unpacked ? " unpacked |" : "");
	fprintf(f, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|%s\n",
	        unpacked ? "---:|" : "");
	for (size_t i = 0; i < res->nrunners; i++)
		print_main_row(&res->runner[i], unpacked, f);
	fprintf(f, "\n");
}

/* The "Notes:" heading goes before the first note only. */
static FILE *note(FILE *f, bool *any)
{
	if (!*any)
		fprintf(f, "Notes:\n\n");
	*any = true;
	return f;
}

static void print_notes(const struct bench_result *res, FILE *f)
{
	bool any = false, marked = false;

	for (size_t i = 0; i < res->nrunners && !marked; i++)
		if (res->runner[i].accel[0]) {
			fprintf(
			    note(f, &any),
			    "- [kvm] hardware KVM; [nested] hardware KVM inside a VM (functional "
			    "figures only); [kvm-pvm] software KVM: guest ring 0 emulated, ring 3 "
			    "native (docs/pvm.md). `bench diff` compares only rows of one kind.\n");
			marked = true;
		}
	for (size_t i = 0; i < res->nrunners; i++) {
		const struct runner_result *r = &res->runner[i];
		const struct stats *su = &r->stats[MET_STARTUP];

		if (r->note[0])
			fprintf(note(f, &any), "- %s: %s\n", r->name, r->note);
		if (r->state == RUNNER_OK && su->outliers)
			fprintf(note(f, &any),
			        "- %s: warning: %zu startup outlier(s) (modified z-score > %.1f); "
			        "other programs or I/O may have interfered\n",
			        r->name, su->outliers, STATS_OUTLIER_Z);
		if (r->state == RUNNER_OK && su->slow_first)
			fprintf(note(f, &any),
			        "- %s: warning: the first run was much slower than the rest (cold "
			        "caches?); more --warmup rounds may help\n",
			        r->name);
	}
	if (any)
		fprintf(f, "\n");
}

static bool any_ok_with(const struct bench_result *res, int metric)
{
	for (size_t i = 0; i < res->nrunners; i++)
		if (res->runner[i].state == RUNNER_OK && res->runner[i].stats[metric].n)
			return true;
	return false;
}

static void print_memory_details(const struct bench_result *res, FILE *f)
{
	fprintf(f, "Memory (medians; PSS of the instance's processes + its cgroup's kernel "
	           "memory):\n\n");
	fprintf(f, "| runner | at ready | at peak | cgroup kmem | VMM RSS without guest RAM | "
	           "guest RAM touched |\n|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < res->nrunners; i++) {
		const struct runner_result *r = &res->runner[i];
		char v[5][32];
		const int m[5] = {MET_MEM_READY, MET_MEM_PEAK, MET_KMEM, MET_VMM_RSS,
		                  MET_GUEST_TOUCHED};

		if (r->state != RUNNER_OK)
			continue;
		for (int j = 0; j < 5; j++)
			fmt_kib(r->stats[m[j]].median, v[j], sizeof(v[j]));
		fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", r->name, v[0], v[1], v[2], v[3],
		        v[4]);
	}
	fprintf(f, "\n");
}

static void print_phases(const struct bench_result *res, FILE *f)
{
	bool header = false;

	for (size_t i = 0; i < res->nrunners; i++) {
		const struct runner_result *r = &res->runner[i];

		for (size_t j = 0; j < r->nphases; j++) {
			char med[32], p95[32];

			if (!header) {
				fprintf(f, "Launcher phases (from --timings; median and p95 of "
				           "each step's duration):\n\n| runner | phase | median "
				           "| p95 |\n|---|---|---:|---:|\n");
				header = true;
			}
			fmt_ms(r->phase[j].st.median, med, sizeof(med));
			fmt_ms(r->phase[j].st.p95, p95, sizeof(p95));
			fprintf(f, "| %s | %s | %s | %s |\n", r->name, r->phase[j].name, med, p95);
		}
	}
	if (header)
		fprintf(f, "\n");
}

static void print_images(const struct bench_result *res, FILE *f)
{
	if (res->image_ref[0])
		fprintf(f, "Image (what must be stored and shipped: for containers the registry's "
		           "view, manifest + config + gzip layers, the layers other stored images "
		           "share shown apart; for VMs the kernel + the gzip initramfs; unpacked: "
		           "the layers' tars on disk, the initramfs in guest RAM):\n\n");
	else
		fprintf(f, "Image (what must be shipped to run the workload):\n\n");
	for (size_t i = 0; i < res->nrunners; i++) {
		const struct runner_result *r = &res->runner[i];

		fprintf(f, "- %s:%s", r->name, r->image.nparts ? "" : " n/a (not prepared)");
		for (size_t j = 0; j < r->image.nparts; j++) {
			char b[32];

			fmt_bytes((double)r->image.part[j].bytes, b, sizeof(b));
			fprintf(f, "%s %s %s", j ? "," : "", r->image.part[j].name, b);
		}
		if (r->image.unpacked) {
			char b[32];

			fmt_bytes((double)r->image.unpacked, b, sizeof(b));
			fprintf(f, "; unpacked %s", b);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

static void print_scale(const struct bench_result *res, FILE *f)
{
	bool header = false;

	for (size_t i = 0; i < res->nrunners; i++) {
		const struct runner_result *r = &res->runner[i];

		for (size_t j = 0; j < r->nscale; j++) {
			const struct scale_point *p = &r->scale[j];
			char su[32], mem[32], host[32];

			if (!header) {
				fprintf(f, "Scale (N instances launched at once):\n\n| runner | N "
				           "| startup median | PSS per instance at ready | host "
				           "MemAvailable drop per instance "
				           "|\n|---|---:|---:|---:|---:|\n");
				header = true;
			}
			fmt_ms(p->st_startup.median, su, sizeof(su));
			fmt_kib(p->st_mem.median, mem, sizeof(mem));
			fmt_kib(p->st_host.median, host, sizeof(host));
			fprintf(f, "| %s | %u | %s | %s | %s |\n", r->name, p->n, su, mem, host);
		}
	}
	if (header)
		fprintf(f, "\n");
}

static void print_commands(const struct bench_result *res, FILE *f)
{
	fprintf(f, "Commands (one run each):\n\n");
	for (size_t i = 0; i < res->nrunners; i++)
		if (res->runner[i].command[0])
			fprintf(f, "- %s: `%s`\n", res->runner[i].name, res->runner[i].command);
	fprintf(f, "\n");
}

void report_md_print(const struct bench_result *res, FILE *f)
{
	if (res->image_ref[0])
		fprintf(f, "# vclab bench: the image %s as process, container and VM\n\n",
		        res->image_ref);
	else
		fprintf(f, "# vclab bench: one workload as process, container and VM\n\n");
	print_host(res, f);
	print_main_table(res, f);
	print_notes(res, f);
	if (any_ok_with(res, MET_MEM_READY))
		print_memory_details(res, f);
	print_phases(res, f);
	print_scale(res, f);
	print_images(res, f);
	print_commands(res, f);
	fprintf(f,
	        "Startup: launcher spawned -> %s read from its stdout. Completion: "
	        "spawned -> launcher exited. Memory overhead: the instance's memory minus the "
	        "bare process's (medians). See docs/measurement.md.\n",
	        res->image_ref[0] ? "the ready line" : "VCLAB-READY");
}

int report_write_file(const char *path, void (*print)(const struct bench_result *, FILE *),
                      const struct bench_result *res, vc_err *err)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "we");
	if (!f)
		return vc_error(err, errno, "%s", tmp);
	print(res, f);
	if (ferror(f) | (fclose(f) != 0)) {
		unlink(tmp);
		return vc_error(err, errno, "write %s", path);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return vc_error(err, e, "rename to %s", path);
	}
	return 0;
}

int report_md_write(const struct bench_result *res, const char *path, vc_err *err)
{
	return report_write_file(path, report_md_print, res, err);
}
