/* The OCI distribution API client (distribution-spec v1.0, which Docker's
 * registry v2 API is): one repository of one registry per session.
 *
 * Authentication, found by a first `GET /v2/`: anonymous; Basic (an
 * htpasswd registry) with the credentials given; or a Bearer token fetched
 * from the realm of `WWW-Authenticate: Bearer realm=...,service=...` with
 * the scope repository:REPO:pull (and push), with the credentials as Basic
 * when given, anonymous otherwise. Plain HTTP for localhost, 127.0.0.1 and
 * [::1], HTTPS (certificates verified) for every other registry. */
#ifndef IMAGES_REGISTRY_H
#define IMAGES_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "http.h"
#include "ref.h"

#define REG_ACCEPT_MANIFESTS                                                                       \
	"Accept: application/vnd.oci.image.manifest.v1+json, "                                     \
	"application/vnd.oci.image.index.v1+json, "                                                \
	"application/vnd.docker.distribution.manifest.v2+json, "                                   \
	"application/vnd.docker.distribution.manifest.list.v2+json"

struct registry {
	struct http_client *http;
	char base[300]; /* "http://127.0.0.1:5000" */
	char host[256];
	char repo[256];
	char *user, *pass;     /* NULL: anonymous */
	char authz[4096 + 32]; /* "Authorization: ..." or "" */
	char url[4096];        /* scratch: the URL of the last request */
};

/* Credentials "USER:PASS" (creds) or the first line of a file (creds_file,
 * same form); both NULL: anonymous. */
struct reg_creds {
	const char *creds;
	const char *creds_file;
};

/* Parse the reference's registry, read the credentials, and authenticate
 * (GET /v2/) for pull, or pull and push. ref->registry must be set. */
int reg_open(struct registry *r, const struct img_ref *ref, const struct reg_creds *creds,
             bool push, long timeout_s, vc_err *err);
void reg_close(struct registry *r);

/* Fetch a manifest or index by tag or digest: body (malloc()ed, NUL-ended),
 * its media type (Content-Type, else the body's mediaType) and its digest
 * (computed here; checked against the reference when it is a digest, and
 * against Docker-Content-Digest when the registry sends one). */
int reg_get_manifest(struct registry *r, const char *reference, char **body, size_t *len,
                     char media_type[128], char digest[IMG_DIGEST_SIZE], vc_err *err);

/* HEAD /v2/REPO/blobs/DIGEST: *exists true on 200, false on 404. */
int reg_blob_exists(struct registry *r, const char *digest, bool *exists, vc_err *err);

/* GET a blob (redirects followed) into sink. */
int reg_get_blob(struct registry *r, const char *digest, http_sink_fn sink, void *sink_arg,
                 http_progress_fn progress, void *progress_arg, vc_err *err);

/* Upload size bytes of fd as blob digest: POST uploads/, then one PUT
 * (chunk 0 or size <= chunk) or PATCHes of chunk bytes then a PUT.
 * *chunks (may be NULL) receives the number of PATCH requests. */
int reg_put_blob(struct registry *r, const char *digest, int fd, uint64_t size, uint64_t chunk,
                 http_progress_fn progress, void *progress_arg, unsigned *chunks, vc_err *err);

/* PUT /v2/REPO/manifests/REFERENCE with Content-Type media_type. */
int reg_put_manifest(struct registry *r, const char *reference, const char *media_type,
                     const void *body, size_t len, vc_err *err);

/* Split the WWW-Authenticate value into its scheme and the realm, service
 * and scope parameters (empty strings when absent). Returns 0, or -1 when
 * it is not "Basic ..." or "Bearer ...". Exposed for the unit tests. */
int reg_parse_challenge(const char *h, char scheme[16], char realm[1024], char service[256],
                        char scope[256]);

/* Parse "USER:PASS" into two malloc()ed strings. */
int reg_parse_creds(const char *s, const char *what, char **user, char **pass, vc_err *err);

#endif
