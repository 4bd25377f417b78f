/* memset and memcpy for code linked without a libc (the workload and the
 * bare-metal guest): the compiler may emit calls to them on its own, for
 * struct copies and zeroing. Both are built with
 * -fno-tree-loop-distribute-patterns so these loops are not turned back
 * into calls to themselves. */
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
