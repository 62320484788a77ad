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

/* Status codes returned across the program.  0 is success; the CLI maps
 * SLM_EINPUT to exit status 2 and everything else to 1. */
enum {
    SLM_OK = 0,
    SLM_EINPUT = 2, /* the user's input is wrong: already reported in diag */
    SLM_ESYS = 3,   /* a system call failed: errno holds the reason */
    SLM_ENOMEM = 4, /* out of memory */
    SLM_ENUM = 5,   /* numerical failure (GSL status, non-finite result) */
    SLM_ELIMIT = 6, /* a documented limit (docs/limits.md) was reached */
    SLM_EINTR = 7   /* stopped by SIGINT/SIGTERM (sim/interrupt.h) */
};

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

/* The closest of candidates[0..n) to word by edit distance, or NULL when
 * none is close enough to suggest ("did you mean ..."). */
const char *diag_suggest(const char *word, const char *const *candidates,
                         size_t n);

#endif
