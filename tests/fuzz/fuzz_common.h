/*
 * fuzz_common: what the libFuzzer targets share.
 *
 * The readers under test take paths, so each input is written to a file
 * in a private folder made once per process; diagnostics go to /dev/null
 * (their text is checked by the golden tests, not here).  Built only by
 * `make fuzz` with clang's -fsanitize=fuzzer; never part of `make test`.
 */
#ifndef SLM_FUZZ_COMMON_H
#define SLM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The folder for this process's files (made on first use). */
static __attribute__((unused)) const char *fuzz_dir(void)
{
    static char dir[64];

    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/slmsim-fuzz-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

/* Writes data to DIR/name and returns the path (static storage). */
static __attribute__((unused)) const char *fuzz_file(const char *name, const uint8_t *data,
                             size_t size)
{
    static char path[2][128];
    static int which;
    char *p = path[which ^= 1];
    FILE *f;

    snprintf(p, sizeof path[0], "%s/%s", fuzz_dir(), name);
    f = fopen(p, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f))
        abort();
    return p;
}

/* The sink for diagnostics. */
static __attribute__((unused)) FILE *fuzz_null(void)
{
    static FILE *f;

    if (!f && !(f = fopen("/dev/null", "w")))
        abort();
    return f;
}

#endif
