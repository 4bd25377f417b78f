/* HTTP on libcurl: see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

volatile sig_atomic_t http_interrupted;

struct http_client {
	CURL *curl;
	long timeout_s;
};

/* What one transfer collects. */
struct xfer {
	const struct http_req *req;
	struct http_resp *resp;
	vc_err *err;
	bool sink_failed;
	long status; /* of the response being received (redirects reset it) */
	size_t cap;
	uint64_t sent, got;
	const unsigned char *mem; /* in-memory body left to send */
	size_t mem_left;
};

struct http_client *http_client_new(long timeout_s, vc_err *err)
{
	static bool global_done;
	struct http_client *c;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			vc_error(err, 0, "libcurl: global initialisation failed");
			return NULL;
		}
		global_done = true;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		vc_error(err, ENOMEM, "http client");
		return NULL;
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		vc_error(err, 0, "libcurl: curl_easy_init failed");
		return NULL;
	}
	c->timeout_s = timeout_s > 0 ? timeout_s : 30;
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	free(r->content_type);
	free(r->location);
	free(r->docker_digest);
	free(r->www_authenticate);
	free(r->range);
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
}

const char *http_reason(long status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "";
	}
}

/* Keep a copy of a header's value, trimmed. */
static void keep(char **dst, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	free(*dst);
	*dst = strndup(v, n);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct http_resp *r = x->resp;
	size_t n = size * nmemb;
	static const struct {
		const char *name;
		size_t off;
	} wanted[] = {
	    {"content-type", offsetof(struct http_resp, content_type)},
	    {"location", offsetof(struct http_resp, location)},
	    {"docker-content-digest", offsetof(struct http_resp, docker_digest)},
	    {"www-authenticate", offsetof(struct http_resp, www_authenticate)},
	    {"range", offsetof(struct http_resp, range)},
	};
	const char *colon;

	if (n > 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new response (after a redirect or a 100 Continue) */
		const char *sp = memchr(line, ' ', n);
		long st = sp ? strtol(sp + 1, NULL, 10) : 0;

		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
			char **p = (char **)((char *)r + wanted[i].off);

			free(*p);
			*p = NULL;
		}
		r->content_length = -1;
		x->status = st;
		return n;
	}
	colon = memchr(line, ':', n);
	if (!colon)
		return n;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t len = strlen(wanted[i].name);

		if ((size_t)(colon - line) == len && !strncasecmp(line, wanted[i].name, len))
			keep((char **)((char *)r + wanted[i].off), colon + 1,
			     n - (size_t)(colon + 1 - line));
	}
	if ((size_t)(colon - line) == 14 && !strncasecmp(line, "content-length", 14))
		r->content_length = strtoll(colon + 1, NULL, 10);
	return n;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct http_resp *r = x->resp;
	size_t n = size * nmemb;

	if (x->status >= 300 && x->status < 400)
		return n; /* a redirect's body */
	if (x->req->sink && x->status >= 200 && x->status < 300) {
		if (x->req->sink(buf, n, x->req->sink_arg, x->err) < 0) {
			x->sink_failed = true;
			return 0;
		}
		x->got += n;
		if (x->req->progress)
			x->req->progress(x->got, x->req->progress_arg);
		return n;
	}
	/* buffered: a manifest, a token, or an error body */
	if (r->body_len + n + 1 > HTTP_MAX_BUFFERED) {
		vc_error(x->err, 0, "response body over %u bytes", HTTP_MAX_BUFFERED);
		x->sink_failed = true;
		return 0;
	}
	if (r->body_len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		char *nb;

		while (cap < r->body_len + n + 1)
			cap *= 2;
		nb = realloc(r->body, cap);
		if (!nb) {
			vc_error(x->err, ENOMEM, "response body");
			x->sink_failed = true;
			return 0;
		}
		r->body = nb;
		x->cap = cap;
	}
	memcpy(r->body + r->body_len, buf, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	const struct http_req *q = x->req;
	size_t want = size * nmemb;
	ssize_t got;

	if (q->body_fd < 0) {
		if (want > x->mem_left)
			want = x->mem_left;
		if (!want)
			return 0;
		memcpy(buf, x->mem, want);
		x->mem += want;
		x->mem_left -= want;
		return want;
	}
	if (want > q->body_size - x->sent)
		want = (size_t)(q->body_size - x->sent);
	if (!want)
		return 0;
	do
		got = pread(q->body_fd, buf, want, q->body_off + (off_t)x->sent);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		vc_error(x->err, got < 0 ? errno : 0, "reading the body to send%s",
		         got == 0 ? ": file ended early" : "");
		x->sink_failed = true;
		return CURL_READFUNC_ABORT;
	}
	x->sent += (uint64_t)got;
	if (q->progress)
		q->progress(x->sent, q->progress_arg);
	return (size_t)got;
}

/* Called about once a second, and on every chunk: a signal stops us. */
static int on_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	(void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return http_interrupted ? 1 : 0;
}

/* The reason of a transport failure, short: "connection refused". */
static const char *short_reason(struct http_client *c, CURLcode rc, const char *errbuf, char *buf,
                                size_t len)
{
	CURL *h = c->curl;
	long oserr = 0;

	if (rc == CURLE_ABORTED_BY_CALLBACK && http_interrupted)
		return "interrupted";
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(buf, len, "timed out (nothing received for %ld s)", c->timeout_s);
		return buf;
	}

	if (rc == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr) {
		if (oserr == ECONNREFUSED)
			return "connection refused";
		return strerror((int)oserr);
	}
	if (errbuf[0])
		return errbuf;
	return curl_easy_strerror(rc);
}

int http_do(struct http_client *c, const struct http_req *q, struct http_resp *r, vc_err *err)
{
	CURL *h = c->curl;
	struct curl_slist *hdrs = NULL, *t;
	struct xfer x = {.req = q, .resp = r, .err = err};
	char errbuf[CURL_ERROR_SIZE] = "", why[64];
	bool upload = q->body_fd >= 0 || q->body_len > 0 || !strcmp(q->method, "PUT") ||
	              !strcmp(q->method, "PATCH");
	CURLcode rc;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	x.mem = q->body;
	x.mem_left = q->body_len;
	curl_easy_reset(h);
	for (size_t i = 0; i < HTTP_MAX_HEADERS && q->headers[i]; i++) {
		t = curl_slist_append(hdrs, q->headers[i]);
		if (!t)
			goto nomem;
		hdrs = t;
	}
	/* no "Expect: 100-continue" round trip before a body */
	t = curl_slist_append(hdrs, "Expect:");
	if (!t)
		goto nomem;
	hdrs = t;
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "vclab-container/1");
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
	if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (upload) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
		                 (curl_off_t)(q->body_fd >= 0 ? q->body_size : q->body_len));
		if (strcmp(q->method, "PUT"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	} else if (!strcmp(q->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(q->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
	rc = http_interrupted ? CURLE_ABORTED_BY_CALLBACK : curl_easy_perform(h);
	if (rc != CURLE_OK) {
		if (x.sink_failed) /* err holds the sink's or the reader's reason */
			ret = vc_error_wrap(err, "%s %s", q->method, q->url);
		else
			ret = vc_error(err, 0, "%s %s: %s", q->method, q->url,
			               short_reason(c, rc, errbuf, why, sizeof(why)));
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	}
	curl_slist_free_all(hdrs);
	return ret;
nomem:
	curl_slist_free_all(hdrs);
	return vc_error(err, ENOMEM, "%s %s", q->method, q->url);
}
