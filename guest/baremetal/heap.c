#include "heap.h"

#define PAGE 4096u

static uintptr_t page_up(uintptr_t a)
{
	return (a + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
}

void bm_heap_init(struct bm_heap *h, uintptr_t start, uint64_t ram_bytes)
{
	uint64_t end = ram_bytes < BM_IDENTITY_MAPPED ? ram_bytes : BM_IDENTITY_MAPPED;

	h->next = page_up(start);
	h->end = end > h->next ? (uintptr_t)end : h->next;
}

void *bm_heap_alloc(struct bm_heap *h, size_t bytes)
{
	uintptr_t p = h->next;

	if (bytes > h->end - p)
		return NULL;
	h->next = page_up(p + bytes);
	if (h->next > h->end) /* the rounding may pass end; nothing follows */
		h->next = h->end;
	return (void *)p;
}
