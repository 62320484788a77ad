#include "sim/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Test-only fault injector: -1 means disarmed. */
static long fail_after = -1;
static long failed;
/* Every allocation that returned NULL, injected or real: how a caller
 * learns that out of memory is why a step failed, from the allocator
 * that saw it rather than by guessing. */
static unsigned long failures;

static void *mem_note(void *p)
{
    if (!p)
        failures++;
    return p;
}

static int mem_should_fail(void)
{
    if (fail_after < 0)
        return 0;
    if (fail_after == 0) {
        failed++;
        return 1;
    }
    fail_after--;
    return 0;
}

void *mem_alloc(size_t size)
{
    if (mem_should_fail())
        return mem_note(NULL);
    return mem_note(malloc(size ? size : 1));
}

void *mem_calloc(size_t n, size_t size)
{
    if (mem_should_fail())
        return mem_note(NULL);
    return mem_note(calloc(n ? n : 1, size ? size : 1));
}

void *mem_realloc(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return mem_note(NULL);
    if (mem_should_fail())
        return mem_note(NULL);
    size_t total = n * size;
    return mem_note(realloc(p, total ? total : 1));
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = mem_alloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, SIZE_MAX);
}

void mem_free(void *p)
{
    free(p);
}

void mem_fail_after(long n)
{
    fail_after = n;
    failed = 0;
}

void mem_fail_reset(void)
{
    fail_after = -1;
}

long mem_fail_count(void)
{
    return failed;
}

unsigned long mem_failures(void)
{
    return failures;
}
