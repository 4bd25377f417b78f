/* The distribution API client: see registry.h. */
#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "store.h"

/* ------------------------------------------------------------------ errors */

/* "GET URL: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)": the
 * registry's own error, when its body has one. */
static int status_error(const char *method, const char *url, const struct http_resp *resp,
                        const char *hint, vc_err *err)
{
	char detail[256] = "";
	json_t *j = NULL, *e0;

	if (resp->body && resp->body_len)
		j = json_loadb(resp->body, resp->body_len, 0, NULL);
	e0 = j ? json_array_get(json_object_get(j, "errors"), 0) : NULL;
	if (e0) {
		const char *code = json_string_value(json_object_get(e0, "code"));
		const char *msg = json_string_value(json_object_get(e0, "message"));

		snprintf(detail, sizeof(detail), " (%s%s%s)", code ? code : "",
		         code && msg ? ": " : "", msg ? msg : "");
	}
	json_decref(j);
	return vc_error(err, 0, "%s %s: %ld %s%s%s%s", method, url, resp->status,
	                http_reason(resp->status), detail, hint ? ": " : "", hint ? hint : "");
}

static const char *auth_hint(const struct registry *r, long status)
{
	if (status != 401)
		return NULL;
	return r->user ? "the registry refused the credentials"
	               : "the registry wants credentials (--creds USER:PASS or --creds-file FILE)";
}

/* ------------------------------------------------------------- credentials */

int reg_parse_creds(const char *s, const char *what, char **user, char **pass, vc_err *err)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s)
		return vc_error(err, 0, "%s: expected USER:PASSWORD", what);
	*user = strndup(s, (size_t)(colon - s));
	*pass = strdup(colon + 1);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		return vc_error(err, ENOMEM, "%s", what);
	}
	return 0;
}

static int read_creds_file(const char *path, char **user, char **pass, vc_err *err)
{
	char line[1024], what[4200];
	FILE *f = fopen(path, "re");
	size_t n;
	int rc;

	if (!f)
		return vc_error(err, errno, "--creds-file %s", path);
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return vc_error(err, 0, "--creds-file %s: empty", path);
	}
	fclose(f);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	snprintf(what, sizeof(what), "--creds-file %s", path);
	rc = reg_parse_creds(line, what, user, pass, err);
	explicit_bzero(line, sizeof(line));
	return rc;
}

/* ------------------------------------------------------------ auth: parse */

static void copy_param(char *dst, size_t len, const char *v, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

int reg_parse_challenge(const char *h, char scheme[16], char realm[1024], char service[256],
                        char scope[256])
{
	const char *p = h;
	size_t n = 0;

	scheme[0] = realm[0] = service[0] = scope[0] = '\0';
	while (*p == ' ')
		p++;
	while (p[n] && p[n] != ' ')
		n++;
	if (!((n == 5 && !strncasecmp(p, "Basic", 5)) || (n == 6 && !strncasecmp(p, "Bearer", 6))))
		return -1;
	copy_param(scheme, 16, p, n);
	p += n;
	/* key="value" or key=token, separated by commas */
	while (*p) {
		const char *key, *val;
		size_t klen, vlen;

		while (*p == ' ' || *p == ',')
			p++;
		key = p;
		while (*p && *p != '=' && *p != ',')
			p++;
		klen = (size_t)(p - key);
		if (*p != '=')
			continue;
		p++;
		if (*p == '"') {
			val = ++p;
			while (*p && *p != '"')
				p++;
			vlen = (size_t)(p - val);
			if (*p)
				p++;
		} else {
			val = p;
			while (*p && *p != ',')
				p++;
			vlen = (size_t)(p - val);
			while (vlen && val[vlen - 1] == ' ')
				vlen--;
		}
		if (klen == 5 && !strncasecmp(key, "realm", 5))
			copy_param(realm, 1024, val, vlen);
		else if (klen == 7 && !strncasecmp(key, "service", 7))
			copy_param(service, 256, val, vlen);
		else if (klen == 5 && !strncasecmp(key, "scope", 5))
			copy_param(scope, 256, val, vlen);
	}
	return 0;
}

/* ----------------------------------------------------------- auth: tokens */

static int set_basic(struct registry *r, vc_err *err)
{
	char raw[1024];
	unsigned char b64[1400];
	int n = snprintf(raw, sizeof(raw), "%s:%s", r->user, r->pass);

	if (n < 0 || (size_t)n >= sizeof(raw))
		return vc_error(err, 0, "credentials too long");
	EVP_EncodeBlock(b64, (const unsigned char *)raw, n);
	explicit_bzero(raw, sizeof(raw));
	snprintf(r->authz, sizeof(r->authz), "Authorization: Basic %s", b64);
	explicit_bzero(b64, sizeof(b64));
	return 0;
}

static void url_escape(char *dst, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

/* GET REALM?service=S&scope=repository:REPO:ACTIONS, Basic when we have
 * credentials; the answer's "token" (or "access_token") is the Bearer. */
static int fetch_token(struct registry *r, const char *realm, const char *service, bool push,
                       vc_err *err)
{
	char scope[400], esc_scope[1200], esc_service[800], url[3200];
	struct http_req q;
	struct http_resp resp;
	json_t *j;
	const char *tok;
	int rc = -1;

	if (strncmp(realm, "http://", 7) && strncmp(realm, "https://", 8))
		return vc_error(err, 0, "%s: bearer token realm '%s' is not an http(s) URL",
		                r->host, realm);
	snprintf(scope, sizeof(scope), "repository:%s:%s", r->repo, push ? "pull,push" : "pull");
	url_escape(esc_scope, sizeof(esc_scope), scope);
	url_escape(esc_service, sizeof(esc_service), service);
	snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
	         esc_service, esc_scope);
	q = http_req_init("GET", url);
	r->authz[0] = '\0';
	if (r->user) {
		if (set_basic(r, err) < 0)
			return -1;
		q.headers[0] = r->authz;
	}
	if (http_do(r->http, &q, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		/* the URL without its query: the scope is in the reason */
		status_error("GET", realm, &resp, auth_hint(r, resp.status), err);
		goto out;
	}
	j = json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || strlen(tok) > sizeof(r->authz) - 40) {
		vc_error(err, 0, "GET %s: no usable token in the answer", realm);
	} else {
		snprintf(r->authz, sizeof(r->authz), "Authorization: Bearer %s", tok);
		rc = 0;
	}
	json_decref(j);
out:
	http_resp_free(&resp);
	if (rc < 0)
		r->authz[0] = '\0';
	return rc;
}

/* GET /v2/: 200 anonymous; 401 with a challenge we answer, then again. */
static int authenticate(struct registry *r, bool push, vc_err *err)
{
	struct http_req q;
	struct http_resp resp;
	char scheme[16], realm[1024], service[256], scope[256];
	int rc = -1;

	snprintf(r->url, sizeof(r->url), "%s/v2/", r->base);
	q = http_req_init("GET", r->url);
	if (http_do(r->http, &q, &resp, err) < 0)
		goto out;
	if (resp.status == 200) {
		rc = 0;
		goto out;
	}
	if (resp.status != 401 || !resp.www_authenticate) {
		status_error("GET", r->url, &resp,
		             resp.status == 404 ? "not a registry (no /v2/ API)" : NULL, err);
		goto out;
	}
	if (reg_parse_challenge(resp.www_authenticate, scheme, realm, service, scope) < 0) {
		vc_error(err, 0, "GET %s: 401 Unauthorized with an unsupported challenge '%s'",
		         r->url, resp.www_authenticate);
		goto out;
	}
	if (!strcasecmp(scheme, "Basic")) {
		if (!r->user) {
			status_error("GET", r->url, &resp, auth_hint(r, 401), err);
			goto out;
		}
		if (set_basic(r, err) < 0)
			goto out;
	} else if (fetch_token(r, realm, service, push, err) < 0) {
		goto out;
	}
	/* check the answer once, so that a refusal is one clear line here */
	http_resp_free(&resp);
	q.headers[0] = r->authz;
	if (http_do(r->http, &q, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		status_error("GET", r->url, &resp, auth_hint(r, resp.status), err);
		goto out;
	}
	rc = 0;
out:
	http_resp_free(&resp);
	return rc;
}

/* ---------------------------------------------------------------- session */

int reg_open(struct registry *r, const struct img_ref *ref, const struct reg_creds *creds,
             bool push, long timeout_s, vc_err *err)
{
	static const char *const locals[] = {"localhost", "127.0.0.1", "[::1]"};
	bool plain = false;

	memset(r, 0, sizeof(*r));
	if (!ref->registry[0])
		return vc_error(err, 0,
		                "%s: no registry in the reference (vclab has no default registry: "
		                "write HOST[:PORT]/NAME[:TAG])",
		                ref->full);
	for (size_t i = 0; i < sizeof(locals) / sizeof(locals[0]); i++) {
		size_t n = strlen(locals[i]);

		if (!strncmp(ref->registry, locals[i], n) &&
		    (ref->registry[n] == '\0' || ref->registry[n] == ':'))
			plain = true;
	}
	snprintf(r->host, sizeof(r->host), "%s", ref->registry);
	snprintf(r->repo, sizeof(r->repo), "%s", ref->repo);
	snprintf(r->base, sizeof(r->base), "%s://%s", plain ? "http" : "https", ref->registry);
	if (creds && creds->creds && creds->creds_file)
		return vc_error(err, 0, "--creds and --creds-file: give one of them");
	if (creds && creds->creds &&
	    reg_parse_creds(creds->creds, "--creds", &r->user, &r->pass, err) < 0)
		return -1;
	if (creds && creds->creds_file &&
	    read_creds_file(creds->creds_file, &r->user, &r->pass, err) < 0)
		return -1;
	r->http = http_client_new(timeout_s, err);
	if (!r->http || authenticate(r, push, err) < 0) {
		reg_close(r);
		return -1;
	}
	return 0;
}

void reg_close(struct registry *r)
{
	http_client_free(r->http);
	r->http = NULL;
	if (r->pass)
		explicit_bzero(r->pass, strlen(r->pass));
	free(r->user);
	free(r->pass);
	r->user = r->pass = NULL;
	explicit_bzero(r->authz, sizeof(r->authz));
}

/* ---------------------------------------------------------------- requests */

static struct http_req req_init(struct registry *r, const char *method)
{
	struct http_req q = http_req_init(method, r->url);

	if (r->authz[0])
		q.headers[0] = r->authz;
	return q;
}

static void add_header(struct http_req *q, const char *h)
{
	size_t i = 0;

	while (i + 1 < HTTP_MAX_HEADERS && q->headers[i])
		i++;
	q->headers[i] = h;
}

int reg_get_manifest(struct registry *r, const char *reference, char **body, size_t *len,
                     char media_type[128], char digest[IMG_DIGEST_SIZE], vc_err *err)
{
	struct http_req q;
	struct http_resp resp;
	int rc = -1;

	*body = NULL;
	snprintf(r->url, sizeof(r->url), "%s/v2/%s/manifests/%s", r->base, r->repo, reference);
	q = req_init(r, "GET");
	add_header(&q, REG_ACCEPT_MANIFESTS);
	if (http_do(r->http, &q, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		status_error("GET", r->url, &resp, auth_hint(r, resp.status), err);
		goto out;
	}
	if (!resp.body_len) {
		vc_error(err, 0, "GET %s: empty manifest", r->url);
		goto out;
	}
	img_sha256(resp.body, resp.body_len, digest);
	if (img_digest_valid(reference) && strcmp(reference, digest)) {
		vc_error(err, 0, "GET %s: digest mismatch: expected %s, got %s", r->url, reference,
		         digest);
		goto out;
	}
	if (resp.docker_digest && img_digest_valid(resp.docker_digest) &&
	    strcmp(resp.docker_digest, digest)) {
		vc_error(err, 0, "GET %s: digest mismatch: the registry says %s, the content is %s",
		         r->url, resp.docker_digest, digest);
		goto out;
	}
	media_type[0] = '\0';
	if (resp.content_type) {
		/* "type; charset=..." */
		size_t n = strcspn(resp.content_type, "; ");

		snprintf(media_type, 128, "%.*s", (int)n, resp.content_type);
	}
	if (!media_type[0] || !strcmp(media_type, "application/json") ||
	    !strcmp(media_type, "text/plain")) {
		json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
		const char *mt = json_string_value(json_object_get(j, "mediaType"));

		snprintf(media_type, 128, "%s", mt ? mt : "");
		json_decref(j);
	}
	*body = resp.body;
	*len = resp.body_len;
	resp.body = NULL;
	rc = 0;
out:
	http_resp_free(&resp);
	return rc;
}

int reg_blob_exists(struct registry *r, const char *digest, bool *exists, vc_err *err)
{
	struct http_req q;
	struct http_resp resp;
	int rc = 0;

	snprintf(r->url, sizeof(r->url), "%s/v2/%s/blobs/%s", r->base, r->repo, digest);
	q = req_init(r, "HEAD");
	if (http_do(r->http, &q, &resp, err) < 0)
		rc = -1;
	else if (resp.status == 200)
		*exists = true;
	else if (resp.status == 404)
		*exists = false;
	else
		rc = status_error("HEAD", r->url, &resp, auth_hint(r, resp.status), err);
	http_resp_free(&resp);
	return rc;
}

int reg_get_blob(struct registry *r, const char *digest, http_sink_fn sink, void *sink_arg,
                 http_progress_fn progress, void *progress_arg, vc_err *err)
{
	struct http_req q;
	struct http_resp resp;
	int rc = 0;

	snprintf(r->url, sizeof(r->url), "%s/v2/%s/blobs/%s", r->base, r->repo, digest);
	q = req_init(r, "GET");
	q.sink = sink;
	q.sink_arg = sink_arg;
	q.progress = progress;
	q.progress_arg = progress_arg;
	if (http_do(r->http, &q, &resp, err) < 0)
		rc = -1;
	else if (resp.status != 200)
		rc = status_error("GET", r->url, &resp, auth_hint(r, resp.status), err);
	http_resp_free(&resp);
	return rc;
}

/* The Location of an upload, absolute. */
static int upload_location(struct registry *r, const struct http_resp *resp, char *out, size_t len,
                           const char *method, vc_err *err)
{
	const char *loc = resp->location;

	if (!loc || !*loc)
		return vc_error(err, 0, "%s %s: %ld without a Location header", method, r->url,
		                resp->status);
	if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8))
		snprintf(out, len, "%s", loc);
	else if (loc[0] == '/')
		snprintf(out, len, "%s%s", r->base, loc);
	else
		return vc_error(err, 0, "%s %s: relative Location '%s' not understood", method,
		                r->url, loc);
	return 0;
}

int reg_put_blob(struct registry *r, const char *digest, int fd, uint64_t size, uint64_t chunk,
                 http_progress_fn progress, void *progress_arg, unsigned *chunks, vc_err *err)
{
	struct http_req q;
	struct http_resp resp;
	char loc[2048], range[64];
	uint64_t off = 0;
	unsigned n_chunks = 0;
	int rc = -1;

	snprintf(r->url, sizeof(r->url), "%s/v2/%s/blobs/uploads/", r->base, r->repo);
	q = req_init(r, "POST");
	if (http_do(r->http, &q, &resp, err) < 0)
		goto out;
	if (resp.status != 202) {
		status_error("POST", r->url, &resp, auth_hint(r, resp.status), err);
		goto out;
	}
	if (upload_location(r, &resp, loc, sizeof(loc), "POST", err) < 0)
		goto out;
	/* chunked: PATCH chunk after chunk, each answered with the next Location */
	while (chunk && size > chunk && off < size) {
		uint64_t n = size - off < chunk ? size - off : chunk;

		http_resp_free(&resp);
		snprintf(r->url, sizeof(r->url), "%s", loc);
		q = req_init(r, "PATCH");
		snprintf(range, sizeof(range), "Content-Range: %llu-%llu", (unsigned long long)off,
		         (unsigned long long)(off + n - 1));
		add_header(&q, range);
		add_header(&q, "Content-Type: application/octet-stream");
		q.body_fd = fd;
		q.body_off = (off_t)off;
		q.body_size = n;
		if (http_do(r->http, &q, &resp, err) < 0)
			goto out;
		if (resp.status != 202) {
			status_error("PATCH", r->url, &resp, auth_hint(r, resp.status), err);
			goto out;
		}
		if (upload_location(r, &resp, loc, sizeof(loc), "PATCH", err) < 0)
			goto out;
		off += n;
		n_chunks++;
		if (progress)
			progress(off, progress_arg);
	}
	/* the closing PUT, with what is left (everything when monolithic) */
	http_resp_free(&resp);
	snprintf(r->url, sizeof(r->url), "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?",
	         digest);
	q = req_init(r, "PUT");
	add_header(&q, "Content-Type: application/octet-stream");
	q.body_fd = fd;
	q.body_off = (off_t)off;
	q.body_size = size - off;
	if (http_do(r->http, &q, &resp, err) < 0)
		goto out;
	if (resp.status != 201) {
		status_error("PUT", r->url, &resp, auth_hint(r, resp.status), err);
		goto out;
	}
	if (progress)
		progress(size, progress_arg);
	if (chunks)
		*chunks = n_chunks;
	rc = 0;
out:
	http_resp_free(&resp);
	return rc;
}

int reg_put_manifest(struct registry *r, const char *reference, const char *media_type,
                     const void *body, size_t len, vc_err *err)
{
	struct http_req q;
	struct http_resp resp;
	char ct[200];
	int rc = 0;

	snprintf(r->url, sizeof(r->url), "%s/v2/%s/manifests/%s", r->base, r->repo, reference);
	snprintf(ct, sizeof(ct), "Content-Type: %s", media_type);
	q = req_init(r, "PUT");
	add_header(&q, ct);
	q.body = body;
	q.body_len = len;
	if (http_do(r->http, &q, &resp, err) < 0)
		rc = -1;
	else if (resp.status != 201)
		rc = status_error("PUT", r->url, &resp, auth_hint(r, resp.status), err);
	http_resp_free(&resp);
	return rc;
}
