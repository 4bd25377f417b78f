/* A timeline of named setup steps, shared by `container` and `vmm`:
 * --trace prints each step as it happens (with how long it took), and
 * --timings FILE writes the same steps as JSON for the bench, or with
 * --timings-format chrome as Chrome trace events (Perfetto, chrome://tracing).
 *
 * Phases group steps: a phase is an event whose interval covers the steps it
 * holds (e.g. "child setup" > "mounts" > each "mount"). Tools add them after
 * the run (vc_timeline_phase), from the steps' own times; they are not
 * printed by --trace. A track is a thread of the picture: container's runtime
 * is track 0, the container process before its execve track 1.
 *
 * Times are CLOCK_MONOTONIC; each event also records the absolute monotonic
 * time in ns so the bench can line it up with its own clock. */
#ifndef VC_TIMELINE_H
#define VC_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define VC_TIMELINE_MAX 256

struct vc_event {
	char name[48];    /* machine name, e.g. "vm_created" */
	char detail[208]; /* what a student reads, e.g. "KVM_CREATE_VM -> fd 4" */
	uint64_t at_ns;   /* CLOCK_MONOTONIC when the step ended */
	uint64_t took_ns; /* duration of the step (0 for a point event) */
	uint8_t track;    /* 0: the tool itself; 1: container's child process */
	uint8_t phase;    /* 1: a phase (a group of steps), not a step */
};

#define VC_TRACKS 2

enum vc_timings_format {
	VC_TIMINGS_JSON,   /* {"tool":..., "steps":[...]} (the default) */
	VC_TIMINGS_CHROME, /* Chrome trace-event JSON: complete ("X") events */
};

struct vc_timeline {
	const char *tool; /* "vmm" or "container": prefix of trace lines */
	FILE *trace;      /* where --trace lines go, NULL when off */
	/* Nobody reads the steps (no --trace, no --timings): vc_step formats
	 * nothing and only restarts the step clock. Set after init. */
	int unread;
	uint64_t start_ns;                 /* when the timeline began */
	uint64_t step_ns;                  /* start of the step in progress */
	int pid;                           /* the tool's pid, for the Chrome format */
	const char *track_name[VC_TRACKS]; /* thread names in the Chrome format */
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

/* Add a phase named name on track, from begin_ns to end_ns (monotonic). */
void vc_timeline_phase(struct vc_timeline *tl, unsigned track, const char *name, uint64_t begin_ns,
                       uint64_t end_ns, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The first step named name on track, or NULL. */
const struct vc_event *vc_timeline_find(const struct vc_timeline *tl, unsigned track,
                                        const char *name);

/* The interval covering the steps on track whose name is in names (a NULL-
 * terminated list; NULL: any name) and that lie within [from_ns, to_ns];
 * false if none. */
bool vc_timeline_span(const struct vc_timeline *tl, unsigned track, const char *const *names,
                      uint64_t from_ns, uint64_t to_ns, uint64_t *begin_ns, uint64_t *end_ns);

/* --timings-format NAME: "json" or "chrome". */
int vc_timings_format_parse(const char *name, enum vc_timings_format *f, vc_err *err);

/* Write the Chrome trace-event format: {"traceEvents":[...]}, one complete
 * event ("ph":"X", "ts"/"dur" in microseconds since the timeline began) per
 * step and phase, "pid" the tool's, "tid" 1 + the track. */
int vc_timeline_write_chrome(const struct vc_timeline *tl, const char *path, vc_err *err);

/* vc_timeline_write_json or vc_timeline_write_chrome. */
int vc_timeline_write(const struct vc_timeline *tl, const char *path, enum vc_timings_format f,
                      vc_err *err);

/* Write s as a JSON string literal (with quotes) to f. */
void vc_json_string(FILE *f, const char *s);

#endif
