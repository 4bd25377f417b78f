/* A timeline of named setup steps, shared by `container` and `vmm`:
 * --trace prints each step as it happens (with how long it took), and
 * --timings FILE writes the same steps as JSON for the bench.
 *
 * Times are CLOCK_MONOTONIC; each event also records the absolute monotonic
 * time in ns so the bench can line it up with its own clock. */
#ifndef VC_TIMELINE_H
#define VC_TIMELINE_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define VC_TIMELINE_MAX 256

struct vc_event {
	char name[48];    /* machine name, e.g. "vm_created" */
	char detail[208]; /* what a student reads, e.g. "KVM_CREATE_VM -> fd 4" */
	uint64_t at_ns;   /* CLOCK_MONOTONIC when the step ended */
	uint64_t took_ns; /* duration of the step (0 for a point event) */
};

struct vc_timeline {
	const char *tool; /* "vmm" or "container": prefix of trace lines */
	FILE *trace;      /* where --trace lines go, NULL when off */
	/* Nobody reads the steps (no --trace, no --timings): vc_step formats
	 * nothing and only restarts the step clock. Set after init. */
	int unread;
	uint64_t start_ns; /* when the timeline began */
	uint64_t step_ns;  /* start of the step in progress */
	size_t n;
	struct vc_event ev[VC_TIMELINE_MAX];
};

uint64_t vc_now_ns(void);

void vc_timeline_init(struct vc_timeline *tl, const char *tool, FILE *trace);

/* Start timing a step; the next vc_step() measures from here. */
void vc_step_begin(struct vc_timeline *tl);

/* Record a step that ran since the last vc_step_begin()/vc_step(), and
 * print it when tracing. */
void vc_step(struct vc_timeline *tl, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print a trace line that is not a timed step (only when tracing). */
void vc_trace(struct vc_timeline *tl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write {"tool":..., "clock":"CLOCK_MONOTONIC", "start_ns":..., "steps":[...]} */
int vc_timeline_write_json(const struct vc_timeline *tl, const char *path, vc_err *err);

/* Write s as a JSON string literal (with quotes) to f. */
void vc_json_string(FILE *f, const char *s);

#endif
