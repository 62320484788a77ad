/*
 * tseries: a few quantities over simulated time, in fixed-width buckets.
 *
 * For the plots of a run (arrivals per minute, queue length, batch size,
 * cache occupancy over time).  Each series is either a count (events per
 * bucket: arrivals) or a level (a quantity that holds between events:
 * queue length), whose bucket value is its time average over the bucket.
 * Levels are fed as linear pieces and integrated exactly, so a model that
 * advances many steps at once (a whole decode run) still plots correctly.
 * Several contributors may add into one level series (replicas of a pool
 * add their own queue lengths: the series is then the sum).
 *
 * Adaptive width, bounded size: a series has at most TSERIES_MAX_POINTS
 * buckets whatever the horizon.  The width asked for (one minute for the
 * GPU model) is kept while the horizon fits in that many; past that it is
 * doubled until it fits, so a bucket is always the asked width times a
 * power of two and bucket edges stay on whole multiples of it (a day at
 * one minute: 1,440 one-minute points; a year: 2,054 points of 256
 * minutes, about 4.3 h).  The result is what merging pairs of buckets
 * whenever the series filled up would give, decided once at creation
 * because the horizon is known then: memory, and the size of the series
 * in results.json, are fixed (about 100 KB for four series) and
 * independent of the horizon.  All times are seconds from 0 and pieces
 * beyond the horizon are dropped.
 */
#ifndef SLM_TSERIES_H
#define SLM_TSERIES_H

#include <stddef.h>
#include <stdio.h>

#include "sim/out.h"

#define TSERIES_MAX_POINTS 4096u
#define TSERIES_MAX_SERIES 16

enum tseries_kind { TSERIES_COUNT, TSERIES_LEVEL };

struct tseries_def {
    const char *name; /* static, e.g. "queue" */
    enum tseries_kind kind;
};

struct tseries;

/* A new, zeroed set of n series (defs borrowed: keep them static) over
 * [0, horizon) with buckets of width seconds (> 0), doubled as often as
 * needed to fit TSERIES_MAX_POINTS (above; tseries_width() says the width
 * chosen).  Owned by the caller; NULL when out of memory or n is 0 or
 * above TSERIES_MAX_SERIES. */
struct tseries *tseries_new(double width, double horizon,
                            const struct tseries_def *defs, size_t n);
void tseries_free(struct tseries *ts); /* NULL is fine */
/* Sets every bucket back to zero. */
void tseries_reset(struct tseries *ts);

/* Adds amount events at time t to count series s. */
void tseries_count(struct tseries *ts, size_t s, double t, double amount);
/* Adds the level that goes linearly from v0 at t0 to v1 at t1 (t0 <= t1)
 * to level series s. */
void tseries_level(struct tseries *ts, size_t s, double t0, double t1,
                   double v0, double v1);

size_t tseries_nseries(const struct tseries *ts);
size_t tseries_buckets(const struct tseries *ts);
double tseries_width(const struct tseries *ts); /* s */
const char *tseries_name(const struct tseries *ts, size_t s);
/* Bucket i of series s: the count, or the time-average level over the
 * part of [i w, (i+1) w) inside the horizon. */
double tseries_value(const struct tseries *ts, size_t s, size_t i);

/* A whitespace-separated table for gnuplot: a '#' header naming the
 * columns, then one row per bucket: start time in minutes, each series.
 * Returns 0 or SLM_ESYS (errno set) when a write fails. */
int tseries_write_dat(const struct tseries *ts, FILE *f);
/* {"width": s, "t": [bucket starts, s], NAME: [values], ...} as member key
 * of the current JSON object (key NULL inside an array). */
void tseries_write_json(const struct tseries *ts, struct jw *w,
                        const char *key);

#endif
