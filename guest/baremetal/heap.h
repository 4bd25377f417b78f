/* Memory for the job's touch=: a bump allocator over the free RAM after the
 * image. Nothing is ever freed; the VM ends when the job does. */
#ifndef VC_BM_HEAP_H
#define VC_BM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define BM_IDENTITY_MAPPED (1ull << 30) /* what the loader maps for us */

struct bm_heap {
	uintptr_t next; /* first free byte, page-aligned */
	uintptr_t end;  /* one past the last usable byte */
};

/* Free RAM runs from start to the end of RAM, capped at the identity-mapped
 * first GiB (touching beyond it would fault). ram_bytes 0 means unknown:
 * then nothing can be allocated. */
void bm_heap_init(struct bm_heap *h, uintptr_t start, uint64_t ram_bytes);

/* bytes of page-aligned memory, or NULL when it does not fit. It is zero
 * only because a fresh VM's RAM is; callers here only write to it. */
void *bm_heap_alloc(struct bm_heap *h, size_t bytes);

#endif
