/*
 * trace: streaming readers of logged request traces.
 *
 * A trace is a file of requests, one a line: an arrival time and the input
 * and output token counts, optionally a column that names the task.
 * Formats:
 *
 *   azure-llm  Azure LLM inference trace CSV: TIMESTAMP (date-time text,
 *              any number of fractional digits), ContextTokens,
 *              GeneratedTokens
 *   burstgpt   BurstGPT CSV: Timestamp (seconds), Request tokens,
 *              Response tokens (columns found by name); a row with 0
 *              response tokens is a logged failure: counted, not returned
 *   mooncake   Mooncake JSONL: timestamp (ms), input_length, output_length,
 *              and hash_ids when the row has it (below)
 *   csv        any CSV with a header; the caller names the columns
 *   jsonl      any JSON Lines; the caller names the keys
 *
 * Block hashes: a JSON row may carry a flat array of prefix-block hashes
 * (Mooncake's `hash_ids`: one id per block of the prompt, 512 tokens a
 * block; equal leading ids mean a shareable prefix).  mooncake reads
 * `hash_ids` when present (a row without it has none); jsonl reads the
 * key named by col_hash, required on every row when named.  Each id is a
 * whole number in [0, 2^32); at most TRACE_MAX_HASHES a row (a longer
 * array cannot fit in one line anyway).  CSV formats carry none.
 *
 * The reader streams: it holds one line (at most TRACE_MAX_LINE bytes) and
 * a few counters, whatever the length of the file.  CRLF and LF endings, a
 * last line without a newline, a UTF-8 byte-order mark and blank lines are
 * accepted.  Times come back in seconds from the first data row's, in
 * file order; a time earlier than the previous row's is an error (traces
 * must be sorted).
 *
 * Bad rows (unsorted time, missing column or key, non-numeric field,
 * negative or fractional token count, over-long line, malformed JSON) are
 * reported as "FILE:LINE: error: ..." and stop the read, or with
 * TRACE_SKIP are skipped and counted (and with TRACE_WARN the first
 * TRACE_MAX_WARNINGS are printed as warnings, then one summary line).
 */
#ifndef SLM_TRACE_H
#define SLM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/diag.h"

/* The longest line accepted, in bytes without its line ending. */
#define TRACE_MAX_LINE 65536
/* A file with a NUL byte, or with no line break in this many bytes, is not
 * a text trace: the read stops with an error whatever the on_error policy
 * (a path such as /dev/zero would otherwise be read forever). */
#define TRACE_MAX_DISCARD (16L * 1024 * 1024)
/* A time, after its unit, must lie within +-TRACE_MAX_TIME seconds (about
 * 3,200 years) of zero, and so within 2 x TRACE_MAX_TIME of the first row's:
 * larger values are almost always a wrong unit (nanoseconds read as
 * seconds), and every later sum over the span stays exact and bounded. */
#define TRACE_MAX_TIME 1e11
/* Fields in one CSV row. */
#define TRACE_MAX_FIELDS 256
/* Bytes of a task column's value that take part in matching. */
#define TRACE_MAX_TASK_TEXT 256
#define TRACE_MAX_WARNINGS 10
/* Block hashes in one row: every id takes a digit and a comma. */
#define TRACE_MAX_HASHES (TRACE_MAX_LINE / 2)

enum trace_format {
    TRACE_AZURE,
    TRACE_BURSTGPT,
    TRACE_MOONCAKE,
    TRACE_CSV,
    TRACE_JSONL,
    TRACE_NFORMATS
};
/* "azure-llm", "burstgpt", "mooncake", "csv", "jsonl", by enum value. */
extern const char *const trace_format_names[TRACE_NFORMATS];

enum trace_on_error { TRACE_FAIL, TRACE_SKIP };

/* How to read one file: plain data owned by whoever filled it. */
struct trace_opts {
    enum trace_format format;
    const char *path;      /* the file to open (not "-") */
    /* csv/jsonl: the column (or key) names; task may be NULL.  For the
     * built-in formats only task is looked at (e.g. "Model"). */
    const char *col_time, *col_input, *col_output, *col_task;
    /* csv/jsonl: seconds per unit of a numeric time column, or 0 when the
     * column holds date-time text (YYYY-MM-DD HH:MM:SS[.frac][Z|+hh:mm]). */
    double time_unit;
    enum trace_on_error on_error;
    /* jsonl: the key of the block-hash array, or NULL (mooncake: always
     * "hash_ids", optional per row) */
    const char *col_hash;
};

/* trace_open flags. */
enum { TRACE_WARN = 1u << 0 /* print skipped rows as warnings */ };

struct trace_record {
    double t;                     /* s from the first data row's time */
    uint32_t input_tokens, output_tokens;
    const char *task;             /* the task column's text, or NULL;
                                     borrowed until the next call */
    long line;                    /* 1-based line in the file */
    const uint32_t *hash_ids;     /* the row's block hashes (nhash of
                                     them), NULL when none; borrowed
                                     until the next call */
    uint32_t nhash;
};

struct trace_counts {
    uint64_t rows;    /* records returned */
    uint64_t skipped; /* bad rows skipped (TRACE_SKIP) */
    uint64_t failed;  /* burstgpt: logged failures (0 response tokens) */
};

struct trace_reader;

/* Opens o->path and reads its header.  o and d are borrowed for the
 * reader's life.  Returns 0 with *out owned by the caller, SLM_ESYS when
 * the file cannot be opened or read (errno set, nothing reported),
 * SLM_EINPUT after reporting a bad header, or SLM_ENOMEM. */
int trace_open(const struct trace_opts *o, unsigned flags, struct diag *d,
               struct trace_reader **out);
void trace_close(struct trace_reader *r); /* NULL is fine */

/* The next good record.  Returns 0, 1 at the end of the file, SLM_EINPUT
 * after reporting a bad row (TRACE_FAIL), or SLM_ESYS (errno set). */
int trace_next(struct trace_reader *r, struct trace_record *out);

/* Back to the first data row for another pass: times keep counting from
 * the same origin's first record (the next pass starts again near 0), the
 * counts keep growing.  0 or SLM_ESYS. */
int trace_rewind(struct trace_reader *r);

/* Counters since open (every pass). */
const struct trace_counts *trace_counts(const struct trace_reader *r);

/* The clock time of day at t = 0, in seconds after midnight, when the
 * trace says it (date-time columns; burstgpt counts from midnight of its
 * first day), else NaN; and the weekday of t = 0 (0 Monday .. 6 Sunday)
 * when known, else -1.  Meaningful once a record was returned. */
double trace_clock_origin(const struct trace_reader *r);
int trace_weekday_origin(const struct trace_reader *r);

/* Reports a row the caller found bad after trace_next returned it (a task
 * value no mapping knows, say) under the same on_error policy: with
 * TRACE_FAIL reports "FILE:LINE: error: ..." and returns SLM_EINPUT; with
 * TRACE_SKIP counts it as skipped (warning under TRACE_WARN) and returns
 * 0, and the caller drops the record. */
int trace_reject(struct trace_reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints the "N more rows skipped" summary when warnings were cut short
 * (TRACE_WARN); call once at the end of a pass. */
void trace_warn_summary(struct trace_reader *r);

/* Parses date-time text "YYYY-MM-DD[ T]HH:MM:SS[.frac][Z|+hh:mm|-hh:mm]"
 * (any number of fractional digits; the offset brought to UTC) into whole
 * seconds since 1970-01-01 and a fraction in [0, 1), and the clock time of
 * day as written (s after midnight, offset not applied).  0 or -1. */
int trace_parse_datetime(const char *text, int64_t *sec, double *frac,
                         double *clock);

#endif
