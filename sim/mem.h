/*
 * mem: the one door to the heap.
 *
 * Every allocation in slmsim goes through these wrappers so that a test
 * build can make the Nth allocation fail and walk N across a scenario load,
 * proving each failure path clean.  They return NULL on failure and never
 * abort; callers own what they get and release it with mem_free().
 */
#ifndef SLM_MEM_H
#define SLM_MEM_H

#include <stddef.h>

/* malloc/calloc/realloc/strdup with overflow checks; NULL when out of
 * memory (or when the fault injector says so).  mem_realloc leaves p intact
 * on failure.  mem_free(NULL) does nothing. */
void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t n, size_t size);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
void mem_free(void *p);

/* Fault injection for tests: after n more successful allocations, every
 * allocation fails until mem_fail_reset().  n < 0 disables.  The counter
 * lives in mem.c: the only mutable global outside the CLI, and only
 * consulted when a test armed it. */
void mem_fail_after(long n);
void mem_fail_reset(void);
/* Allocations that failed because of the injector since the last reset. */
long mem_fail_count(void);

/* Every allocation that has failed so far (injected or real), a count
 * that only grows: a step that failed while it grew failed for want of
 * memory.  Compare the value before and after the step. */
unsigned long mem_failures(void);

#endif
