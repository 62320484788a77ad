/*
 * dist: the probability distributions a scenario can name.
 *
 * A distribution is plain data (struct dist) parsed from the scenario and
 * sampled with a caller's stream.  Forms accepted in YAML, with the unit of
 * the quantity (a duration, or a plain count such as tokens) decided by the
 * caller:
 *
 *   250ms                                  deterministic (a bare scalar)
 *   {dist: deterministic, value: 250ms}
 *   {dist: exponential, mean: 1s}
 *   {dist: lognormal, mean: 1s, cv: 0.5}   sigma^2 = ln(1+cv^2),
 *                                          mu = ln(mean) - sigma^2/2
 *   {dist: lognormal, median: 200ms, p99: 2s}
 *                                          mu = ln(median),
 *                                          sigma = ln(p99/median)/z_0.99
 *   {dist: gamma, mean: 1s, cv: 0.7}       shape = 1/cv^2, scale = mean/shape
 *   {dist: gamma, shape: 2, scale: 0.5s}
 *   {dist: uniform, min: 1s, max: 3s}
 *   {dist: empirical, values: [1s, 2s, 2s, 5s]}   each value equally likely
 *   {dist: empirical, values: [...], weights: [...]}
 *
 * Optional for every form: min and max clamp each draw (tokens use them to
 * stay within a context window), except uniform where they are the range.
 */
#ifndef SLM_DIST_H
#define SLM_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "sim/cfg.h"
#include "sim/rng.h"

enum dist_kind {
    DIST_DETERMINISTIC,
    DIST_EXPONENTIAL,
    DIST_LOGNORMAL,
    DIST_GAMMA,
    DIST_UNIFORM,
    DIST_EMPIRICAL
};

/* What the parsed numbers mean: durations accept units ("250ms"), counts
 * are plain numbers (tokens, bytes). */
enum dist_quantity { DIST_DURATION, DIST_COUNT };

struct dist {
    enum dist_kind kind;
    double a, b;       /* kind's parameters, SI: deterministic value;
                          exponential mean; lognormal mu, sigma (of ln x);
                          gamma shape, scale; uniform min, max */
    double lo, hi;     /* clamp on every draw; -inf/+inf when absent */
    size_t n;          /* empirical: number of values */
    double *values;    /* empirical: owned, n values */
    double *cumw;      /* empirical: owned cumulative weights, NULL = equal */
};

/* A deterministic distribution at value (no allocation). */
void dist_init_fixed(struct dist *dd, double value);

/* Parses node (scalar or mapping) into dd; where names it in messages.
 * Returns 0, -1 after reporting, or SLM_ENOMEM (nothing reported).
 * dd owns any arrays: dist_fini(). */
int dist_parse(const struct cfg_node *node, const char *where,
               enum dist_quantity q, struct dist *dd, struct diag *d);
void dist_fini(struct dist *dd);
/* Deep copy: dst owns its arrays.  Returns 0 or SLM_ENOMEM. */
int dist_copy(struct dist *dst, const struct dist *src);

/* One draw, clamped to [lo, hi].  The two kinds on every request's path
 * (a fixed token count, exponential service or gaps) are drawn inline:
 * the call and the switch were a tenth of a station customer's work.
 * dist_sample_other() draws the rest, clamped the same way. */
double dist_sample_other(const struct dist *dd, gsl_rng *r);

static inline double dist_clamp(const struct dist *dd, double x)
{
    if (x < dd->lo)
        x = dd->lo;
    if (x > dd->hi)
        x = dd->hi;
    return x;
}

static inline double dist_sample(const struct dist *dd, gsl_rng *r)
{
    if (dd->kind == DIST_DETERMINISTIC)
        return dist_clamp(dd, dd->a);
    if (dd->kind == DIST_EXPONENTIAL)
        return dist_clamp(dd, rng_exponential(r, dd->a)); /* takes the mean */
    return dist_sample_other(dd, r);
}

/* Exact moments before clamping: E[X] and E[X^2] (queueing formulas such as
 * Pollaczek-Khinchine need the second moment). */
double dist_mean(const struct dist *dd);
double dist_second_moment(const struct dist *dd);

/* A short human description, e.g. "lognormal(median 200ms, p99 2s)",
 * written into buf (always terminated).  Returns buf. */
const char *dist_describe(const struct dist *dd, enum dist_quantity q,
                          char *buf, size_t size);

#endif
