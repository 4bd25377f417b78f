/* libFuzzer: bytes -> image reference parsing (images/ref.c), the whiteout
 * mapping and the entry-path check of layers (images/layers.c).
 * Properties: never a crash; errors are one line; the normalised form of a
 * reference parses again to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "layers.h"
#include "ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), target[4096];
	struct img_ref r, again;
	vc_err err = {0};

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (img_ref_parse(s, &r, &err) == 0) {
		if (img_ref_parse(r.full, &again, &err) < 0 || strcmp(again.full, r.full) ||
		    strcmp(again.name, r.name))
			abort();
	} else if (memchr(err.msg, '\n', strnlen(err.msg, sizeof(err.msg)))) {
		abort();
	}
	if (img_whiteout(s, target, sizeof(target)) != IMG_WH_NONE && !img_path_safe(s) &&
	    img_path_safe(target))
		abort(); /* a whiteout never makes an unsafe path safe */
	(void)img_path_safe(s);
	free(s);
	return 0;
}
