/*
 * diag: located messages about the user's input.
 *
 * Every error and warning slmsim prints about a scenario, trace, calibration
 * file or flag goes through diag_error()/diag_warning(), so they all read
 *
 *     scenarios/web.yaml:14:5: error: unknown key 'sevrers' in backends.mm16
 *
 * A struct diag is owned by its caller (main, or a test), which chooses the
 * sink: stderr in the CLI, an open_memstream() buffer in tests.  Modules
 * never print; they report here and return a status.
 */
#ifndef SLM_DIAG_H
#define SLM_DIAG_H

#include <stdio.h>

#include "sim/status.h"

/* The status codes (SLM_OK, SLM_EINPUT, ...) live in sim/status.h; every
 * module that reports through diag returns them, so they come with it. */
/* A place in an input: file as the user typed it ("<stdin>", "--set"),
 * line and column from 1; 0 means unknown and is left out of messages. */
struct diag_pos {
    const char *file; /* borrowed */
    int line;
    int col;
};

#define DIAG_MAX_ERRORS 20

struct diag {
    FILE *sink;    /* borrowed; NULL discards messages (counts still kept) */
    int errors;    /* reported so far */
    int warnings;
    int max_errors; /* stop printing after this many; 0 means DIAG_MAX_ERRORS */
};

/* Initialises d to write to sink (borrowed). */
void diag_init(struct diag *d, FILE *sink);

/* "FILE:LINE:COL: error: message" (position parts left out when unknown).
 * Message text: lower case, no final period, quote what was found. */
void diag_error(struct diag *d, const struct diag_pos *where, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, const struct diag_pos *where,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True once max_errors errors were reported: callers stop checking. */
int diag_full(const struct diag *d);

/* The best of candidates[0..n) to suggest for word ("did you mean ..."),
 * or NULL when none is close enough: a candidate that word begins
 * (ignoring case: 'H100' gives 'H100-SXM') comes first, else the closest
 * by edit distance. */
const char *diag_suggest(const char *word, const char *const *candidates,
                         size_t n);

/* Every candidate worth suggesting, up to DIAG_MAX_SUGGESTIONS, in the
 * same order, written to buf as "'H100-SXM' or 'H100-PCIe'" (empty when
 * none).  Returns how many. */
#define DIAG_MAX_SUGGESTIONS 4
size_t diag_suggest_list(const char *word, const char *const *candidates,
                         size_t n, char *buf, size_t size);

#endif
