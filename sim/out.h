/*
 * out: files written whole or not at all, and a small JSON writer.
 *
 * Every output (results.json, CSV tables, plot data) is written to a
 * temporary file beside its target and renamed over it on commit, so a
 * crash or a full disk never leaves half a file where the user looks.
 *
 * The JSON writer prints numbers with %.10g (non-finite ones as null), so
 * the same values always give the same bytes; keys are written in the order
 * the caller gives them.
 */
#ifndef SLM_OUT_H
#define SLM_OUT_H

#include <stdint.h>
#include <stdio.h>

struct out_file {
    char *path; /* owned copy of the target path */
    char *tmp;  /* owned: the temporary file's path */
    FILE *f;    /* write here between open and commit/abort */
};

/* Creates path's directory if needed (mkdir -p), then a temporary file
 * beside path.  Returns 0, or SLM_ESYS (errno set) / SLM_ENOMEM. */
int out_file_open(struct out_file *o, const char *path);
/* Flushes, closes and renames over the target; on any failure removes the
 * temporary and returns SLM_ESYS with errno set.  Frees o's strings. */
int out_file_commit(struct out_file *o);
/* Closes and removes the temporary; frees o's strings.  Safe after a
 * failed open. */
void out_file_abort(struct out_file *o);

/* mkdir -p; 0 or SLM_ESYS. */
int out_mkdirs(const char *dir);

#define JW_MAX_DEPTH 32

struct jw {
    FILE *f;           /* borrowed */
    int depth;
    int count[JW_MAX_DEPTH]; /* items written at each open level */
    int error;         /* sticky: a write failed or nesting went wrong */
};

void jw_init(struct jw *w, FILE *f);
/* key is NULL inside arrays and at the top; otherwise the member name. */
void jw_object_begin(struct jw *w, const char *key);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w, const char *key);
void jw_array_end(struct jw *w);
void jw_number(struct jw *w, const char *key, double v);
void jw_int(struct jw *w, const char *key, int64_t v);
void jw_string(struct jw *w, const char *key, const char *v); /* NULL: null */
void jw_bool(struct jw *w, const char *key, int v);
/* Ends the document with a newline; returns 0 or -1 after any error. */
int jw_finish(struct jw *w);

#endif
