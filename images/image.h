/* The image commands of `container`: `images` and `image SUBCOMMAND`
 * (inspect, rm, prune, import, save, load), and the image side of
 * `container run IMAGE` (imgrun.c). main.c calls only these. */
#ifndef IMG_IMAGE_H
#define IMG_IMAGE_H

#include <stdbool.h>

/* argv[0] is "images" or "image". Returns the exit status (0, or 1 with
 * one line on stderr). */
int img_main(int argc, char **argv);

/* Is argv[0] one of ours? */
bool img_is_verb(const char *verb);

/* The --help text of the image commands. */
extern const char img_usage_text[];

#endif
