/* A small HTTP layer on libcurl for the registry client: one request at a
 * time on a reused handle (keep-alive), redirects followed, the response
 * body buffered or streamed into a callback, the request body from memory
 * or from a file descriptor. Errors are one line naming the method, the
 * URL and the reason. */
#ifndef IMAGES_HTTP_H
#define IMAGES_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "error.h"

#define HTTP_MAX_HEADERS  8
#define HTTP_MAX_BUFFERED (8u << 20) /* a buffered body (manifest, token) */

/* Streamed response body: return 0 to go on, < 0 to stop the transfer
 * (the callback filled err; http_do returns -1 with it). */
typedef int (*http_sink_fn)(const void *buf, size_t n, void *arg, vc_err *err);
/* Progress of a body going up or coming down, in bytes. */
typedef void (*http_progress_fn)(uint64_t done, void *arg);

struct http_req {
	const char *method; /* GET, HEAD, PUT, POST, PATCH */
	const char *url;
	const char *headers[HTTP_MAX_HEADERS]; /* "Name: value", NULL-ended */
	/* request body: from memory, or size bytes of fd from offset */
	const void *body;
	size_t body_len;
	int body_fd; /* >= 0 to send from a file; set to -1 otherwise */
	off_t body_off;
	uint64_t body_size;
	/* response body: streamed into sink when set (2xx responses only),
	 * else buffered (up to HTTP_MAX_BUFFERED) into resp->body */
	http_sink_fn sink;
	void *sink_arg;
	http_progress_fn progress;
	void *progress_arg;
};

struct http_resp {
	long status;
	char *body; /* NUL-terminated; NULL when streamed or empty */
	size_t body_len;
	/* headers of the final response (after redirects), or NULL */
	char *content_type, *location, *docker_digest, *www_authenticate, *range;
	int64_t content_length; /* -1 when unknown */
};

struct http_client;

/* Set (from a SIGINT/SIGTERM handler) to stop the transfer under way: it
 * fails with "interrupted" within a second. */
extern volatile sig_atomic_t http_interrupted;

/* timeout_s: the most seconds one request may be stalled (no byte for
 * that long) or take to connect. */
struct http_client *http_client_new(long timeout_s, vc_err *err);
void http_client_free(struct http_client *c);

/* Run one request. Returns 0 with resp filled whatever the HTTP status
 * (check resp->status), -1 on a transport failure (connection refused,
 * timeout, TLS, the sink's error). resp must be freed in both cases. */
int http_do(struct http_client *c, const struct http_req *req, struct http_resp *resp, vc_err *err);
void http_resp_free(struct http_resp *resp);

/* "404 Not Found" style text for a status */
const char *http_reason(long status);

/* Make a request with defaults (no body, body_fd -1). */
static inline struct http_req http_req_init(const char *method, const char *url)
{
	struct http_req r = {.method = method, .url = url, .body_fd = -1};
	return r;
}

#endif
