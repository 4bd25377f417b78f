/* container-registry: `container pull` and `container push`. A binary of
 * its own, linked dynamically with libcurl (a static libcurl would need a
 * dozen static libraries Debian does not ship), which build/bin/container
 * (static, for a fast `run`) executes for these two commands. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "parse.h"
#include "transfer.h"

static const char usage_text[] =
    "usage: container pull [options] HOST[:PORT]/NAME[:TAG|@DIGEST]\n"
    "       container push [options] [--chunk-size SIZE] [NAME] HOST[:PORT]/NAME[:TAG]\n"
    "\n"
    "pull fetches an image from a registry (OCI distribution API) into the image\n"
    "store ($VCLAB_STORE, default /var/lib/vclab), tagged with the reference: an\n"
    "image index is resolved to its linux/amd64 manifest, every blob is checked\n"
    "(size and SHA-256) as it streams in, and nothing enters the store unless all\n"
    "of them are good. Blobs already in the store are not fetched again.\n"
    "push sends a stored image NAME (default: the reference itself, as with\n"
    "docker push) to a registry: blobs the registry has are skipped (HEAD), the\n"
    "others uploaded, then the manifest.\n"
    "Plain HTTP for localhost, 127.0.0.1 and [::1]; HTTPS everywhere else.\n"
    "Progress: on a terminal one line per blob, updated in place; otherwise one\n"
    "line per blob when it is done and a summary line.\n"
    "\n"
    "Options:\n"
    "  --creds USER:PASS    credentials: Basic auth (htpasswd), or for a Bearer\n"
    "                       token from the registry's token service\n"
    "  --creds-file FILE    the same, from the first line of FILE (USER:PASS)\n"
    "  --chunk-size SIZE    push: blobs over SIZE go up in PATCH chunks of SIZE\n"
    "                       (default 16M; 0: always one monolithic PUT)\n"
    "  --timeout SECONDS    give up on a connection stalled this long (default 30)\n"
    "  -h, --help           this help\n"
    "Errors are one line on stderr; the exit status is then 1 (130 after\n"
    "SIGINT or SIGTERM, which stop the transfer: the blobs being written are\n"
    "removed and nothing is tagged).\n";

static void on_signal(int sig)
{
	(void)sig;
	http_interrupted = 1;
}

enum { OPT_CREDS = 256, OPT_CREDS_FILE, OPT_CHUNK, OPT_TIMEOUT };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"creds", required_argument, NULL, OPT_CREDS},
	    {"creds-file", required_argument, NULL, OPT_CREDS_FILE},
	    {"chunk-size", required_argument, NULL, OPT_CHUNK},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xfer_opts xo = {.chunk = XFER_DEFAULT_CHUNK, .timeout_s = 30, .tty = -1};
	const char *cmd;
	vc_err err = {0};
	uint64_t v;
	int o, rc;

	if (argc < 2 || (strcmp(argv[1], "pull") && strcmp(argv[1], "push"))) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 || strcmp(argv[1], "-h") ? 1 : 0;
	}
	/* a registry closing the connection is an error, not a SIGPIPE death */
	signal(SIGPIPE, SIG_IGN);
	/* Ctrl-C stops the transfer cleanly: the blobs being written are
	 * removed, nothing is tagged (exit status 130) */
	{
		struct sigaction sa = {.sa_handler = on_signal};

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	cmd = argv[1];
	argc--;
	argv++;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_CREDS:
			xo.creds.creds = optarg;
			break;
		case OPT_CREDS_FILE:
			xo.creds.creds_file = optarg;
			break;
		case OPT_CHUNK:
			if (vc_parse_size(optarg, UINT64_MAX / 2, &xo.chunk, "--chunk-size", &err) <
			    0)
				goto fail;
			break;
		case OPT_TIMEOUT:
			if (vc_parse_uint(optarg, 1, 3600, &v, "--timeout", &err) < 0)
				goto fail;
			xo.timeout_s = (long)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			vc_error(&err, 0,
			         "%s: unknown or incomplete option '%s' (see container --help)",
			         cmd, argv[optind - 1]);
			goto fail;
		}
	}
	if (!strcmp(cmd, "pull")) {
		if (argc - optind != 1) {
			vc_error(&err, 0, "pull: expected one reference HOST[:PORT]/NAME[:TAG]");
			goto fail;
		}
		rc = image_pull(argv[optind], &xo, &err);
	} else {
		if (argc - optind != 1 && argc - optind != 2) {
			vc_error(&err, 0,
			         "push: expected [NAME] and a reference HOST[:PORT]/NAME[:TAG]");
			goto fail;
		}
		rc = image_push(argv[optind], argv[argc - 1], &xo, &err);
	}
	if (rc == 0)
		return 0;
fail:
	fflush(stdout);
	vc_error_print("container", &err);
	return http_interrupted ? 130 : 1;
}
