/*
 * trace_stats: a logged trace summed up in one streaming pass.
 *
 * Fed the records of a trace in time order (sim/trace.h), it keeps: the
 * count and span; inter-arrival mean and coefficient of variation; the
 * count in consecutive windows of 1 s, 1 min and 1 h from the first
 * request (peak and index of dispersion, Var/mean of the window counts,
 * 1 for a Poisson process; the peak over whole windows only); exact token-count percentiles (a count per
 * token value up to TRACE_STATS_MAX_TOKENS, larger values in the top
 * slot with the true maximum kept); requests by clock hour and weekday,
 * with the time each was observed, so that an hourly profile of rates can
 * be given; counts per task-column value; and, for a trace with block
 * hashes, the prefix reuse an infinite cache would see: of all blocks,
 * those whose hash an earlier row had (`seen`), and those in a row's
 * leading run of such blocks (`leading`: what a prefix cache can use).
 *
 * Memory: fixed, plus 4 bytes per token value up to the largest seen
 * (at most 2 x 16 MiB), plus a set of the distinct hashes (8 bytes each
 * at most, TRACE_STATS_MAX_HASHES of them: 128 MiB; past that the reuse
 * figures are not given).
 */
#ifndef SLM_TRACE_STATS_H
#define SLM_TRACE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/stats.h"
#include "sim/trace.h"

#define TRACE_STATS_MAX_TOKENS (1u << 22)
#define TRACE_STATS_MAX_TASKS 32
#define TRACE_STATS_MAX_HASHES (1u << 24)

/* Block hashes met so far: an open-addressing set of id + 1 (0 empty). */
struct trace_hashes {
    uint64_t *slot;    /* owned, nslot entries (a power of two) */
    size_t nslot, n;   /* slots, distinct hashes held */
    uint64_t blocks;   /* hashes in all rows */
    uint64_t seen;     /* of which an earlier row had */
    uint64_t leading;  /* of which in their row's leading seen run */
    uint64_t rows;     /* rows with hashes */
    int full;          /* more than TRACE_STATS_MAX_HASHES distinct:
                          the counts stopped */
};

enum { TRACE_WIN_SECOND, TRACE_WIN_MINUTE, TRACE_WIN_HOUR, TRACE_NWIN };

struct trace_window {
    double width;     /* s */
    int64_t cur;      /* index of the window being counted */
    uint64_t count;   /* requests in it so far */
    uint64_t peak;    /* largest count in a whole window */
    uint64_t whole;   /* windows wholly inside [first, last]: the first
                         one only when the trace starts at its start (a
                         partial clock hour would give a peak below the
                         mean), never the last one; 0: no peak to give */
    struct welford counts; /* over closed windows, empty ones included */
};

struct trace_tokens {
    uint32_t *count;  /* owned: count[v] requests with v tokens */
    size_t cap;
    uint32_t max;     /* largest value seen */
    double sum;
};

struct trace_stats {
    uint64_t n;
    double first, last;       /* s from the trace's origin */
    double prev;
    struct welford gaps;      /* inter-arrival times, s */
    struct trace_window win[TRACE_NWIN];
    struct trace_tokens in, out;
    double clock0;            /* clock time of day at t = 0, or NaN */
    int weekday0;             /* 0 Monday .. 6 Sunday, or -1 */
    uint64_t hour_count[24];  /* by clock hour (or hour from the start) */
    uint64_t day_count[7];    /* by weekday, when known */
    size_t ntasks;
    char *task[TRACE_STATS_MAX_TASKS]; /* owned task-column values */
    uint64_t task_count[TRACE_STATS_MAX_TASKS];
    uint64_t task_other;      /* past TRACE_STATS_MAX_TASKS values */
    struct trace_hashes hashes;
};

/* Initialises s (caller's storage); clock0 and weekday0 as
 * trace_clock_origin / trace_weekday_origin give them. */
void trace_stats_init(struct trace_stats *s);
void trace_stats_fini(struct trace_stats *s);

/* Adds one record (times non-decreasing).  0 or SLM_ENOMEM. */
int trace_stats_add(struct trace_stats *s, const struct trace_record *rec);
/* Closes the last windows; call once after the last record. */
void trace_stats_finish(struct trace_stats *s);

/* The q-quantile (nearest rank) of a token count; 0 when empty. */
double trace_stats_quantile(const struct trace_tokens *t, uint64_t n,
                            double q);
/* Index of dispersion of the window counts (Var/mean); NaN with fewer
 * than TRACE_STATS_MIN_WINDOWS windows (two partial hours of a one-hour
 * trace say nothing about burstiness). */
#define TRACE_STATS_MIN_WINDOWS 10
double trace_stats_dispersion(const struct trace_window *w);

/* Seconds of the span [first, last] that fell in each clock hour
 * (exposure[24]) and each weekday (day_exposure[7], zeros when the
 * weekday is unknown). */
void trace_stats_exposure(const struct trace_stats *s, double exposure[24],
                          double day_exposure[7]);

#endif
