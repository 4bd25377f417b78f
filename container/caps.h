/* Capabilities: the five sets of process.capabilities, applied with libcap
 * in the order the kernel needs (bounding first, ambient last). */
#ifndef CT_CAPS_H
#define CT_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "timeline.h"

/* "CAP_SYS_ADMIN" -> 21; -1 when unknown. */
int caps_from_name(const char *name);

/* "CAP_KILL,CAP_NET_BIND_SERVICE" (or "none") into buf, for --trace. */
const char *caps_describe(uint64_t set, char *buf, size_t len);

/* Drop every capability that is not in bounding from the bounding set
 * (needs CAP_SETPCAP, so this runs before the user changes). */
int caps_drop_bounding(uint64_t bounding, vc_err *err);

/* Set effective, permitted and inheritable, then raise the ambient ones the
 * kernel allows (an ambient cap must be permitted and inheritable too).
 * Returns how many ambient capabilities were skipped for that reason. */
int caps_set(const uint64_t sets[5], vc_err *err);

#endif
