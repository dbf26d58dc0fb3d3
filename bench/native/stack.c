/*
 * Free-page stack (PatchworkOS style): the stack's nodes live inside free frames, so the
 * allocator keeps no metadata of its own. A node is one 4 KiB frame holding the number of
 * the node below it and up to 511 free frame numbers. Every node below the top is full, so
 * only the top node's fill count is kept.
 *
 * Initialisation is O(ranges): usable frames not yet pushed are handed out from the ranges
 * by a cursor once the stack is empty, so a 12 TiB map costs nothing until it is used.
 *
 * Like the original, the stack cannot tell a double free (that would need per-frame state);
 * framekit's TypeScript stack must, which is part of what its ratio to this code measures.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include "common.h"

#define STACK_NODE_SLOTS 511

typedef struct {
  uint64_t next; /* frame number of the node below, or UINT64_MAX */
  uint64_t pfns[STACK_NODE_SLOTS];
} stack_node_t;

typedef struct {
  unsigned char *memory; /* the frames' contents: frame p is memory + p * 4096 */
  size_t memory_bytes;
  pfn_t top;             /* frame holding the top node, or NO_FRAME */
  uint32_t top_count;    /* pfns held by the top node */
  range_t *ranges;       /* usable frames never pushed yet, from `cursor` on */
  size_t range_count, range_index;
  pfn_t cursor;
  pfn_t total, free_frames;
} page_stack_t;

static inline stack_node_t *stack_node(page_stack_t *s, pfn_t pfn) {
  return (stack_node_t *)(s->memory + (size_t)pfn * 4096);
}

static int stack_init(page_stack_t *s, pfn_t frames, const range_t *ranges, size_t count, int populate) {
  s->memory_bytes = (size_t)frames * 4096;
  /* Address space only: the kernel gives pages on first touch (1 in 512 frames becomes a node). */
  /* `populate` maps every page up front, as a kernel's direct map is (the loop scenarios do). */
  s->memory = mmap(NULL, s->memory_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (populate ? MAP_POPULATE : 0), -1, 0);
  if (s->memory == MAP_FAILED) return -1;
  s->top = NO_FRAME;
  s->top_count = 0;
  s->ranges = malloc(sizeof(range_t) * (count ? count : 1));
  s->range_count = count;
  s->range_index = 0;
  s->total = 0;
  for (size_t i = 0; i < count; i++) {
    s->ranges[i] = ranges[i];
    s->total += ranges[i].count;
  }
  s->cursor = count ? ranges[0].start : 0;
  s->free_frames = s->total;
  return 0;
}

static void stack_destroy(page_stack_t *s) {
  munmap(s->memory, s->memory_bytes);
  free(s->ranges);
}

static inline void stack_free(page_stack_t *s, pfn_t pfn) {
  if (s->top == NO_FRAME || s->top_count == STACK_NODE_SLOTS) {
    /* The freed frame becomes the new top node. */
    stack_node_t *node = stack_node(s, pfn);
    node->next = s->top == NO_FRAME ? UINT64_MAX : (uint64_t)s->top;
    s->top = pfn;
    s->top_count = 0;
  } else {
    stack_node(s, s->top)->pfns[s->top_count++] = (uint64_t)pfn;
  }
  s->free_frames++;
}

static inline pfn_t stack_alloc(page_stack_t *s) {
  if (s->top != NO_FRAME) {
    s->free_frames--;
    stack_node_t *node = stack_node(s, s->top);
    if (s->top_count > 0) return (pfn_t)node->pfns[--s->top_count];
    /* An empty node hands out its own frame; the node below is full. */
    pfn_t pfn = s->top;
    s->top = node->next == UINT64_MAX ? NO_FRAME : (pfn_t)node->next;
    s->top_count = STACK_NODE_SLOTS;
    return pfn;
  }
  while (s->range_index < s->range_count) {
    range_t *r = &s->ranges[s->range_index];
    if (s->cursor < r->start + r->count) {
      s->free_frames--;
      return s->cursor++;
    }
    if (++s->range_index < s->range_count) s->cursor = s->ranges[s->range_index].start;
  }
  return NO_FRAME;
}

/* All or nothing, as PatchworkOS's batch calls. */
static inline int stack_alloc_many(page_stack_t *s, pfn_t *out, size_t count) {
  if ((pfn_t)count > s->free_frames) return 0;
  for (size_t i = 0; i < count; i++) out[i] = stack_alloc(s);
  return 1;
}

static inline void stack_free_many(page_stack_t *s, const pfn_t *pfns, size_t count) {
  for (size_t i = 0; i < count; i++) stack_free(s, pfns[i]);
}

static size_t stack_metadata_bytes(const page_stack_t *s) {
  (void)s;
  return 0; /* the nodes live in free frames */
}
