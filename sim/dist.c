/*
 * dist: parsing, sampling and exact moments of the scenario's
 * distributions.
 *
 * Every quantity a distribution describes here is a duration or a count, so
 * parameters and values must be >= 0 (scale-like ones > 0).  Parsing checks
 * everything sampling relies on, including that the second moment is
 * finite, so dist_sample() has no error path.
 */
#include "sim/dist.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "sim/mem.h"
#include "sim/rng.h"

static const char *const dist_names[] = {
    "deterministic", "exponential", "lognormal",
    "gamma",         "uniform",     "empirical",
};
#define DIST_NAMES_HELP                                                        \
    "deterministic, exponential, lognormal, gamma, uniform, empirical"
#define DIST_NKINDS (sizeof dist_names / sizeof dist_names[0])

/* Keys each kind accepts, "dist" and the clamps included. */
static const char *const dist_keys_fixed[] = {"dist", "value", "min", "max"};
static const char *const dist_keys_exp[] = {"dist", "mean", "min", "max"};
static const char *const dist_keys_lognormal[] = {
    "dist", "mean", "cv", "median", "p99", "min", "max"};
static const char *const dist_keys_gamma[] = {
    "dist", "mean", "cv", "shape", "scale", "min", "max"};
static const char *const dist_keys_uniform[] = {"dist", "min", "max"};
static const char *const dist_keys_empirical[] = {"dist", "values", "weights",
                                                  "min", "max"};

struct dist_keys {
    const char *const *keys;
    size_t n;
};

#define DIST_KEYS(a) {a, sizeof a / sizeof a[0]}
static const struct dist_keys dist_keys[] = {
    DIST_KEYS(dist_keys_fixed),   DIST_KEYS(dist_keys_exp),
    DIST_KEYS(dist_keys_lognormal), DIST_KEYS(dist_keys_gamma),
    DIST_KEYS(dist_keys_uniform), DIST_KEYS(dist_keys_empirical),
};

/* What one parse needs besides the node: passed as a struct to keep the
 * per-kind parsers' signatures short. */
struct dist_ctx {
    const struct cfg_node *map;
    const char *where;
    enum dist_quantity q;
    struct diag *d;
};

void dist_init_fixed(struct dist *dd, double value)
{
    memset(dd, 0, sizeof *dd);
    dd->kind = DIST_DETERMINISTIC;
    dd->a = value;
    dd->lo = -HUGE_VAL;
    dd->hi = HUGE_VAL;
}

void dist_fini(struct dist *dd)
{
    mem_free(dd->values);
    mem_free(dd->cumw);
    dd->values = NULL;
    dd->cumw = NULL;
    dd->n = 0;
}

/* ---- parsing ---------------------------------------------------------- */

/* A parameter in the quantity's unit: durations take "250ms", counts a
 * plain number. */
static int dist_get_value(const struct dist_ctx *c, const char *key,
                          unsigned flags, double *out)
{
    if (c->q == DIST_DURATION)
        return cfg_get_duration(c->map, key, c->where, flags, out, c->d);
    return cfg_get_number(c->map, key, c->where, flags, out, c->d);
}

static int dist_has(const struct dist_ctx *c, const char *key)
{
    return cfg_get(c->map, key) != NULL;
}

/* The text the user wrote for key, for quoting in messages. */
static const char *dist_text(const struct dist_ctx *c, const char *key)
{
    const struct cfg_node *v = cfg_get(c->map, key);
    return v && v->kind == CFG_SCALAR ? v->scalar : "?";
}

static const struct diag_pos *dist_pos(const struct dist_ctx *c,
                                       const char *key)
{
    const struct cfg_node *v = cfg_get(c->map, key);
    return v ? &v->pos : &c->map->pos;
}

/* Two parameterisations, (k1, k2) or (k3, k4): exactly one must be given.
 * Returns 1 for the first, 2 for the second, -1 after reporting. */
static int dist_pick_form(const struct dist_ctx *c, const char *kind,
                          const char *k1, const char *k2, const char *k3,
                          const char *k4)
{
    int first = dist_has(c, k1) || dist_has(c, k2);
    int second = dist_has(c, k3) || dist_has(c, k4);

    if (first && second) {
        const char *k = dist_has(c, k3) ? k3 : k4;
        diag_error(c->d, cfg_key_pos(c->map, k),
                   "%s in %s takes either '%s' and '%s' or '%s' and '%s', "
                   "not both (found '%s')",
                   kind, c->where, k1, k2, k3, k4, k);
        return -1;
    }
    if (!first && !second) {
        diag_error(c->d, &c->map->pos,
                   "%s in %s needs '%s' and '%s', or '%s' and '%s'", kind,
                   c->where, k1, k2, k3, k4);
        return -1;
    }
    return first ? 1 : 2;
}

/* The (mean, cv) form shared by lognormal and gamma. */
static int dist_get_mean_cv(const struct dist_ctx *c, double *mean, double *cv)
{
    if (dist_get_value(c, "mean", CFG_REQUIRED | CFG_POSITIVE, mean) ||
        cfg_get_number(c->map, "cv", c->where, CFG_REQUIRED | CFG_POSITIVE, cv,
                       c->d))
        return -1;
    return 0;
}

static int dist_parse_lognormal(const struct dist_ctx *c, struct dist *dd)
{
    double mean = 0, cv = 0, median = 0, p99 = 0, s2;
    int form = dist_pick_form(c, "lognormal", "mean", "cv", "median", "p99");

    if (form < 0)
        return -1;
    if (form == 1) {
        /* sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2 */
        if (dist_get_mean_cv(c, &mean, &cv))
            return -1;
        s2 = log1p(cv * cv);
        dd->a = log(mean) - s2 / 2;
        dd->b = sqrt(s2);
        return 0;
    }
    /* mu = ln(median), sigma = ln(p99/median)/z_0.99 */
    if (dist_get_value(c, "median", CFG_REQUIRED | CFG_POSITIVE, &median) ||
        dist_get_value(c, "p99", CFG_REQUIRED | CFG_POSITIVE, &p99))
        return -1;
    if (!(p99 > median)) {
        diag_error(c->d, dist_pos(c, "p99"),
                   "'p99' must be > 'median' (%s), got '%s'",
                   dist_text(c, "median"), dist_text(c, "p99"));
        return -1;
    }
    dd->a = log(median);
    dd->b = (log(p99) - log(median)) / gsl_cdf_ugaussian_Pinv(0.99);
    return 0;
}

static int dist_parse_gamma(const struct dist_ctx *c, struct dist *dd)
{
    double mean = 0, cv = 0;
    int form = dist_pick_form(c, "gamma", "mean", "cv", "shape", "scale");

    if (form < 0)
        return -1;
    if (form == 1) {
        /* shape = 1/cv^2, scale = mean/shape */
        if (dist_get_mean_cv(c, &mean, &cv))
            return -1;
        dd->a = 1.0 / (cv * cv);
        dd->b = mean / dd->a;
        return 0;
    }
    if (cfg_get_number(c->map, "shape", c->where, CFG_REQUIRED | CFG_POSITIVE,
                       &dd->a, c->d) ||
        dist_get_value(c, "scale", CFG_REQUIRED | CFG_POSITIVE, &dd->b))
        return -1;
    return 0;
}

static int dist_parse_uniform(const struct dist_ctx *c, struct dist *dd)
{
    if (dist_get_value(c, "min", CFG_REQUIRED | CFG_NONNEG, &dd->a) ||
        dist_get_value(c, "max", CFG_REQUIRED | CFG_NONNEG, &dd->b))
        return -1;
    if (!(dd->b > dd->a)) {
        diag_error(c->d, dist_pos(c, "max"),
                   "'max' must be > 'min' (%s), got '%s'",
                   dist_text(c, "min"), dist_text(c, "max"));
        return -1;
    }
    return 0;
}

/* Reads the scalars of seq into out[0..seq->n).  Returns 0 or -1. */
static int dist_parse_list(const struct dist_ctx *c, const char *name,
                           const struct cfg_node *seq, int as_duration,
                           double *out)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < seq->n && !diag_full(c->d); i++) {
        int rc = as_duration ? cfg_node_duration(seq->items[i], name,
                                                 CFG_NONNEG, &out[i], c->d)
                             : cfg_node_number(seq->items[i], name,
                                               CFG_NONNEG, &out[i], c->d);
        if (rc != 0)
            bad = 1;
    }
    return bad || i < seq->n ? -1 : 0;
}

/* Cumulative weights: drawing u in [0, total) and taking the first i with
 * cumw[i] > u picks i with probability w[i]/total (zero weights never). */
static int dist_parse_weights(const struct dist_ctx *c, struct dist *dd)
{
    const struct cfg_node *seq = cfg_get(c->map, "weights");
    size_t i;

    if (cfg_expect(seq, CFG_SEQ, "weights", c->d))
        return -1;
    if (seq->n != dd->n) {
        diag_error(c->d, &seq->pos,
                   "'weights' must have as many entries as 'values' (%zu), "
                   "got %zu",
                   dd->n, seq->n);
        return -1;
    }
    dd->cumw = mem_realloc(NULL, dd->n, sizeof *dd->cumw);
    if (!dd->cumw)
        return SLM_ENOMEM;
    if (dist_parse_list(c, "weights", seq, 0, dd->cumw))
        return -1;
    for (i = 1; i < dd->n; i++)
        dd->cumw[i] += dd->cumw[i - 1];
    if (!(dd->cumw[dd->n - 1] > 0) || !isfinite(dd->cumw[dd->n - 1])) {
        diag_error(c->d, &seq->pos,
                   "'weights' must sum to a finite number > 0, got %g",
                   dd->cumw[dd->n - 1]);
        return -1;
    }
    return 0;
}

static int dist_parse_empirical(const struct dist_ctx *c, struct dist *dd)
{
    const struct cfg_node *seq = cfg_get(c->map, "values");

    if (!seq) {
        diag_error(c->d, &c->map->pos, "missing required key 'values' in %s",
                   c->where);
        return -1;
    }
    if (cfg_expect(seq, CFG_SEQ, "values", c->d))
        return -1;
    if (seq->n == 0) {
        diag_error(c->d, &seq->pos, "'values' in %s must not be empty",
                   c->where);
        return -1;
    }
    dd->n = seq->n;
    dd->values = mem_realloc(NULL, dd->n, sizeof *dd->values);
    if (!dd->values)
        return SLM_ENOMEM;
    if (dist_parse_list(c, "values", seq, c->q == DIST_DURATION, dd->values))
        return -1;
    return dist_has(c, "weights") ? dist_parse_weights(c, dd) : 0;
}

/* Optional clamps (uniform uses min and max as its range instead). */
static int dist_parse_clamps(const struct dist_ctx *c, struct dist *dd)
{
    if (dd->kind == DIST_UNIFORM)
        return 0;
    if (dist_get_value(c, "min", CFG_NONNEG, &dd->lo) < 0 ||
        dist_get_value(c, "max", CFG_NONNEG, &dd->hi) < 0)
        return -1;
    if (dd->hi < dd->lo) {
        diag_error(c->d, dist_pos(c, "max"),
                   "'max' must be >= 'min' (%s), got '%s'",
                   dist_text(c, "min"), dist_text(c, "max"));
        return -1;
    }
    return 0;
}

/* The "dist" key: which kind, with the allowed list and a suggestion. */
static int dist_parse_kind(const struct dist_ctx *c, enum dist_kind *kind)
{
    const struct cfg_node *v = cfg_get(c->map, "dist");
    const char *hint;
    size_t i;

    if (!v) {
        diag_error(c->d, &c->map->pos,
                   "missing required key 'dist' in %s (allowed: %s)",
                   c->where, DIST_NAMES_HELP);
        return -1;
    }
    if (cfg_expect(v, CFG_SCALAR, "dist", c->d))
        return -1;
    for (i = 0; i < DIST_NKINDS; i++) {
        if (strcmp(v->scalar, dist_names[i]) == 0) {
            *kind = (enum dist_kind)i;
            return 0;
        }
    }
    hint = diag_suggest(v->scalar, dist_names, DIST_NKINDS);
    if (hint)
        diag_error(c->d, &v->pos,
                   "unknown distribution '%s' in %s (allowed: %s; did you "
                   "mean '%s'?)",
                   v->scalar, c->where, DIST_NAMES_HELP, hint);
    else
        diag_error(c->d, &v->pos,
                   "unknown distribution '%s' in %s (allowed: %s)", v->scalar,
                   c->where, DIST_NAMES_HELP);
    return -1;
}

static int dist_parse_map(const struct dist_ctx *c, struct dist *dd)
{
    int rc;

    if (dist_parse_kind(c, &dd->kind))
        return -1;
    if (cfg_check_keys(c->map, c->where, dist_keys[dd->kind].keys,
                       dist_keys[dd->kind].n, c->d) > 0)
        return -1;
    switch (dd->kind) {
    case DIST_DETERMINISTIC:
        rc = dist_get_value(c, "value", CFG_REQUIRED | CFG_NONNEG, &dd->a);
        break;
    case DIST_EXPONENTIAL:
        rc = dist_get_value(c, "mean", CFG_REQUIRED | CFG_POSITIVE, &dd->a);
        break;
    case DIST_LOGNORMAL:
        rc = dist_parse_lognormal(c, dd);
        break;
    case DIST_GAMMA:
        rc = dist_parse_gamma(c, dd);
        break;
    case DIST_UNIFORM:
        rc = dist_parse_uniform(c, dd);
        break;
    case DIST_EMPIRICAL:
        rc = dist_parse_empirical(c, dd);
        break;
    default:
        assert(0);
        rc = -1;
    }
    return rc ? rc : dist_parse_clamps(c, dd);
}

int dist_parse(const struct cfg_node *node, const char *where,
               enum dist_quantity q, struct dist *dd, struct diag *d)
{
    struct dist_ctx c = {node, where, q, d};
    double m2;
    int rc;

    assert(node);
    dist_init_fixed(dd, 0.0);
    switch (node->kind) {
    case CFG_SCALAR:
        rc = q == DIST_DURATION
                 ? cfg_node_duration(node, where, CFG_NONNEG, &dd->a, d)
                 : cfg_node_number(node, where, CFG_NONNEG, &dd->a, d);
        break;
    case CFG_MAP:
        rc = dist_parse_map(&c, dd);
        break;
    default:
        diag_error(d, &node->pos,
                   "%s must be a value or a mapping with 'dist', got a "
                   "sequence",
                   where);
        rc = -1;
    }
    /* Extreme but valid-looking parameters (cv 1e200) overflow the
     * moments the queueing formulas need: refuse them here. */
    m2 = rc == 0 ? dist_second_moment(dd) : 0.0;
    if (rc == 0 && !isfinite(m2)) {
        diag_error(d, &node->pos,
                   "distribution in %s is too extreme: its second moment "
                   "overflows",
                   where);
        rc = -1;
    }
    if (rc != 0)
        dist_fini(dd);
    return rc == SLM_ENOMEM ? SLM_ENOMEM : rc ? -1 : 0;
}

int dist_copy(struct dist *dst, const struct dist *src)
{
    *dst = *src;
    dst->values = NULL;
    dst->cumw = NULL;
    if (src->values) {
        dst->values = mem_realloc(NULL, src->n, sizeof *dst->values);
        if (!dst->values)
            goto fail;
        memcpy(dst->values, src->values, src->n * sizeof *dst->values);
    }
    if (src->cumw) {
        dst->cumw = mem_realloc(NULL, src->n, sizeof *dst->cumw);
        if (!dst->cumw)
            goto fail;
        memcpy(dst->cumw, src->cumw, src->n * sizeof *dst->cumw);
    }
    return 0;
fail:
    dist_fini(dst);
    return SLM_ENOMEM;
}

/* ---- sampling and moments --------------------------------------------- */

static double dist_sample_empirical(const struct dist *dd, gsl_rng *r)
{
    size_t lo = 0, hi = dd->n - 1;
    double u;

    if (!dd->cumw)
        return dd->values[gsl_rng_uniform_int(r, dd->n)];
    /* The first i with cumw[i] > u, by bisection over [lo, hi]. */
    u = rng_uniform(r) * dd->cumw[dd->n - 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dd->cumw[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return dd->values[lo];
}

double dist_sample_other(const struct dist *dd, gsl_rng *r)
{
    double x;

    switch (dd->kind) {
    case DIST_DETERMINISTIC:
        x = dd->a;
        break;
    case DIST_EXPONENTIAL:
        x = rng_exponential(r, dd->a);
        break;
    case DIST_LOGNORMAL:
        x = gsl_ran_lognormal(r, dd->a, dd->b);
        break;
    case DIST_GAMMA:
        x = gsl_ran_gamma(r, dd->a, dd->b);
        break;
    case DIST_UNIFORM:
        x = gsl_ran_flat(r, dd->a, dd->b);
        break;
    case DIST_EMPIRICAL:
        x = dist_sample_empirical(dd, r);
        break;
    default:
        assert(0);
        x = 0.0;
    }
    return dist_clamp(dd, x);
}

/* E[X^k] of the empirical law, k = 1 or 2. */
static double dist_empirical_moment(const struct dist *dd, int k)
{
    double sum = 0.0, prev = 0.0;
    size_t i;

    for (i = 0; i < dd->n; i++) {
        double v = k == 1 ? dd->values[i] : dd->values[i] * dd->values[i];
        double w = dd->cumw ? dd->cumw[i] - prev : 1.0;
        if (dd->cumw)
            prev = dd->cumw[i];
        sum += w * v;
    }
    return sum / (dd->cumw ? dd->cumw[dd->n - 1] : (double)dd->n);
}

double dist_mean(const struct dist *dd)
{
    switch (dd->kind) {
    case DIST_DETERMINISTIC:
    case DIST_EXPONENTIAL:
        return dd->a;
    case DIST_LOGNORMAL:
        return exp(dd->a + dd->b * dd->b / 2); /* e^(mu + sigma^2/2) */
    case DIST_GAMMA:
        return dd->a * dd->b; /* shape * scale */
    case DIST_UNIFORM:
        return (dd->a + dd->b) / 2;
    case DIST_EMPIRICAL:
        return dist_empirical_moment(dd, 1);
    }
    assert(0);
    return 0.0;
}

double dist_second_moment(const struct dist *dd)
{
    switch (dd->kind) {
    case DIST_DETERMINISTIC:
        return dd->a * dd->a;
    case DIST_EXPONENTIAL:
        return 2 * dd->a * dd->a;
    case DIST_LOGNORMAL:
        return exp(2 * dd->a + 2 * dd->b * dd->b); /* e^(2 mu + 2 sigma^2) */
    case DIST_GAMMA:
        return dd->a * (dd->a + 1) * dd->b * dd->b; /* k (k+1) theta^2 */
    case DIST_UNIFORM:
        return (dd->a * dd->a + dd->a * dd->b + dd->b * dd->b) / 3;
    case DIST_EMPIRICAL:
        return dist_empirical_moment(dd, 2);
    }
    assert(0);
    return 0.0;
}

/* ---- description ------------------------------------------------------ */

/* A quantity in its most readable unit: "250ms", "1.5s", "2h", "1e+06". */
static void dist_fmt(char *buf, size_t size, double v, enum dist_quantity q)
{
    double av = fabs(v);

    if (q == DIST_COUNT)
        snprintf(buf, size, "%.4g", v);
    else if (av == 0.0)
        snprintf(buf, size, "0s");
    else if (av < 1e-3)
        snprintf(buf, size, "%.4gus", v * 1e6);
    else if (av < 1.0)
        snprintf(buf, size, "%.4gms", v * 1e3);
    else if (av < 3600.0)
        snprintf(buf, size, "%.4gs", v);
    else if (av < 86400.0)
        snprintf(buf, size, "%.4gh", v / 3600.0);
    else
        snprintf(buf, size, "%.4gd", v / 86400.0);
}

const char *dist_describe(const struct dist *dd, enum dist_quantity q,
                          char *buf, size_t size)
{
    char x[32], y[32], lo[32], hi[32], clamp[80] = "";
    int len;

    if (size == 0)
        return buf;
    switch (dd->kind) {
    case DIST_DETERMINISTIC:
        dist_fmt(x, sizeof x, dd->a, q);
        len = snprintf(buf, size, "deterministic(%s", x);
        break;
    case DIST_EXPONENTIAL:
        dist_fmt(x, sizeof x, dd->a, q);
        len = snprintf(buf, size, "exponential(mean %s", x);
        break;
    case DIST_LOGNORMAL:
        dist_fmt(x, sizeof x, exp(dd->a), q);
        dist_fmt(y, sizeof y,
                 exp(dd->a + dd->b * gsl_cdf_ugaussian_Pinv(0.99)), q);
        len = snprintf(buf, size, "lognormal(median %s, p99 %s", x, y);
        break;
    case DIST_GAMMA:
        dist_fmt(x, sizeof x, dd->a * dd->b, q);
        len = snprintf(buf, size, "gamma(mean %s, cv %.4g", x,
                       1.0 / sqrt(dd->a));
        break;
    case DIST_UNIFORM:
        dist_fmt(x, sizeof x, dd->a, q);
        dist_fmt(y, sizeof y, dd->b, q);
        len = snprintf(buf, size, "uniform(%s, %s", x, y);
        break;
    case DIST_EMPIRICAL:
        dist_fmt(x, sizeof x, dist_mean(dd), q);
        len = snprintf(buf, size, "empirical(%zu values%s, mean %s", dd->n,
                       dd->cumw ? " weighted" : "", x);
        break;
    default:
        len = snprintf(buf, size, "unknown(");
    }
    dist_fmt(lo, sizeof lo, dd->lo, q);
    dist_fmt(hi, sizeof hi, dd->hi, q);
    if (isfinite(dd->lo) && isfinite(dd->hi))
        snprintf(clamp, sizeof clamp, ", min %s, max %s", lo, hi);
    else if (isfinite(dd->lo))
        snprintf(clamp, sizeof clamp, ", min %s", lo);
    else if (isfinite(dd->hi))
        snprintf(clamp, sizeof clamp, ", max %s", hi);
    if (len >= 0 && (size_t)len < size)
        snprintf(buf + len, size - (size_t)len, "%s)", clamp);
    return buf;
}
