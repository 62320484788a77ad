/*
 * stats: Welford accumulators, a log-bucketed quantile sketch, t intervals.
 *
 * The sketch follows DDSketch (Masson, Rim and Lee, VLDB 2019) with a fixed
 * bucket range instead of a collapsing one: [QHIST_MIN, QHIST_MAX] spans 21
 * decades, about 2,420 buckets of 8 bytes at 1% error, which is small
 * enough to keep whole and makes add and merge branch-light.
 */
#include "sim/stats.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/diag.h"
#include "sim/mem.h"

/* ---- Welford ---------------------------------------------------------- */

void welford_init(struct welford *w)
{
    w->n = 0;
    w->mean = 0.0;
    w->m2 = 0.0;
    w->min = HUGE_VAL;
    w->max = -HUGE_VAL;
}

/* Welford (1962): m2 accumulates (x - old mean)(x - new mean), which
 * avoids the cancellation of sum(x^2) - n mean^2. */
void welford_add(struct welford *w, double x)
{
    double delta = x - w->mean;

    w->n++;
    w->mean += delta / (double)w->n;
    w->m2 += delta * (x - w->mean);
    if (x < w->min)
        w->min = x;
    if (x > w->max)
        w->max = x;
}

/* Chan, Golub and LeVeque (1979): m2 = m2a + m2b + delta^2 na nb / n. */
void welford_merge(struct welford *a, const struct welford *b)
{
    double na, nb, n, delta;

    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    na = (double)a->n;
    nb = (double)b->n;
    n = na + nb;
    delta = b->mean - a->mean;
    a->mean += delta * (nb / n);
    a->m2 += b->m2 + delta * delta * (na * nb / n);
    a->n += b->n;
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
}

double welford_variance(const struct welford *w)
{
    return w->n < 2 ? 0.0 : w->m2 / (double)(w->n - 1);
}

/* ---- qhist ------------------------------------------------------------ */

/* Bucket i (absolute) holds (g^(i-1), g^i], g = (1+a)/(1-a); its answer
 * 2 g^i/(g+1) is within (g-1)/(g+1) = a of every value in it.  a
 * (QHIST_ALPHA) is taken a hair below QHIST_REL_ERR so that a value on a
 * bucket edge, which rounding in log() may put one bucket off, still
 * meets the bound. */
#include "qhist_table.h" /* generated: qhist_cells[] */

struct qhist {
    uint64_t count;    /* all samples, zero bucket included */
    uint64_t zero;     /* samples below QHIST_MIN */
    double min, max;   /* of the samples added (NaN left out); +inf and
                          -inf while there is none, so that an add is two
                          compares, which NaN fails */
    double inv_log_g;  /* 1 / ln g */
    double g;
    long first;        /* absolute index of bucket[0] */
    size_t nbuckets;
    uint64_t bucket[]; /* bucket[k] is absolute index first + k */
};

static double qhist_gamma(void)
{
    return (1.0 + QHIST_ALPHA) / (1.0 - QHIST_ALPHA);
}

struct qhist *qhist_new(void)
{
    double g = qhist_gamma(), inv = 1.0 / log(g);
    /* The range, ceil(ln MIN / ln g) to ceil(ln MAX / ln g), as the
     * build computed it with the table, so that both always agree. */
    long first = QHIST_TABLE_FIRST;
    size_t nb = QHIST_TABLE_BUCKETS;
    struct qhist *h =
        mem_calloc(1, sizeof *h + nb * sizeof h->bucket[0]);

    if (!h)
        return NULL;
    h->min = HUGE_VAL;
    h->max = -HUGE_VAL;
    h->g = g;
    h->inv_log_g = inv;
    h->first = first;
    h->nbuckets = nb;
    return h;
}

void qhist_free(struct qhist *h)
{
    mem_free(h);
}

void qhist_reset(struct qhist *h)
{
    h->count = 0;
    h->zero = 0;
    h->min = HUGE_VAL;
    h->max = -HUGE_VAL;
    memset(h->bucket, 0, h->nbuckets * sizeof h->bucket[0]);
}

/* Index into bucket[] of a value >= QHIST_MIN, clamped to the range (the
 * top bucket also takes everything above QHIST_MAX).  A log() per sample
 * was a tenth of a station run; the table gives the same index: the
 * cell's first bucket, one more above the cell's edge. */
size_t qhist_bucket_index(double x)
{
    uint64_t bits;
    const struct qhist_cell *c;

    if (!(x < QHIST_MAX))
        return QHIST_TABLE_BUCKETS - 1;
    memcpy(&bits, &x, sizeof bits);
    c = &qhist_cells[(bits >> QHIST_CELL_SHIFT) - QHIST_CELL_FIRST];
    return c->base + (x > c->edge);
}

static size_t qhist_index(const struct qhist *h, double x)
{
    (void)h;
    return qhist_bucket_index(x);
}

void qhist_add(struct qhist *h, double x)
{
    /* The extremes are exact, so a bucket's answer can be clamped to
     * them: a P99 never reads above the largest sample seen. */
    if (x < h->min)
        h->min = x;
    if (x > h->max)
        h->max = x;
    h->count++;
    /* !(x >= MIN) also sends NaN to the zero bucket.  Chosen by a select,
     * not a branch: zero waits come and go at random (41% of customers
     * in an M/M/16 at rho = 0.9), a mispredicted branch each time. */
    int zero = !(x >= QHIST_MIN);
    size_t k = qhist_index(h, zero ? QHIST_MIN : x);
    uint64_t *slot = zero ? &h->zero : &h->bucket[k];
    ++*slot;
}

void qhist_merge(struct qhist *a, const struct qhist *b)
{
    size_t k;

    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
    a->count += b->count;
    a->zero += b->zero;
    for (k = 0; k < a->nbuckets; k++)
        a->bucket[k] += b->bucket[k];
}

/* The struct and its buckets, as they lie in memory: the same build on
 * both ends of the pipe. */
size_t qhist_packed_size(void)
{
    return sizeof(struct qhist) +
           (size_t)QHIST_TABLE_BUCKETS * sizeof(uint64_t);
}

void qhist_pack(const struct qhist *h, void *buf)
{
    memcpy(buf, h, sizeof *h + h->nbuckets * sizeof h->bucket[0]);
}

int qhist_unpack(struct qhist *h, const void *buf)
{
    struct qhist head;

    memcpy(&head, buf, sizeof head);
    if (head.nbuckets != h->nbuckets || head.first != h->first)
        return SLM_EINPUT;
    memcpy(h, buf, sizeof *h + h->nbuckets * sizeof h->bucket[0]);
    return SLM_OK;
}

uint64_t qhist_count(const struct qhist *h)
{
    return h->count;
}

static double qhist_value(const struct qhist *h, size_t k)
{
    double i = (double)(h->first + (long)k);
    return 2.0 * pow(h->g, i) / (h->g + 1.0);
}

/* A bucket's answer, kept inside [min, max] of the samples; 0 when every
 * sample was NaN (there is no range to keep it in). */
static double qhist_clamp(const struct qhist *h, double v)
{
    if (!(h->min <= h->max))
        return 0.0;
    return v < h->min ? h->min : v > h->max ? h->max : v;
}

double qhist_quantile(const struct qhist *h, double q)
{
    uint64_t rank, seen;
    size_t k;

    if (h->count == 0)
        return 0.0;
    if (!(q > 0.0))
        q = 0.0;
    if (q > 1.0)
        q = 1.0;
    rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    seen = h->zero;
    if (rank <= seen)
        return qhist_clamp(h, 0.0);
    for (k = 0; k < h->nbuckets; k++) {
        seen += h->bucket[k];
        if (seen >= rank)
            return qhist_clamp(h, qhist_value(h, k));
    }
    return qhist_clamp(h, qhist_value(h, h->nbuckets - 1)); /* not reached */
}

double qhist_cdf(const struct qhist *h, double x)
{
    uint64_t seen;
    size_t k, last;

    if (h->count == 0 || x < 0.0)
        return 0.0;
    seen = h->zero;
    if (x >= QHIST_MIN) {
        last = qhist_index(h, x);
        for (k = 0; k <= last; k++)
            seen += h->bucket[k];
    }
    return (double)seen / (double)h->count;
}

uint64_t stats_quantile_min_samples(double p)
{
    /* With n samples the p-quantile sits n(1-p) values from the top: under
     * 100 of them, its sampling error dwarfs the histogram's. */
    if (!(p < 1.0))
        return UINT64_MAX;
    return (uint64_t)ceil(100.0 / (1.0 - p) - 1e-9);
}

/* ---- metric ----------------------------------------------------------- */

int metric_init(struct metric *m)
{
    welford_init(&m->w);
    m->h = qhist_new();
    return m->h ? 0 : SLM_ENOMEM;
}

void metric_fini(struct metric *m)
{
    qhist_free(m->h);
    m->h = NULL;
}

void metric_reset(struct metric *m)
{
    welford_init(&m->w);
    qhist_reset(m->h);
}

void metric_add(struct metric *m, double x)
{
    welford_add(&m->w, x);
    qhist_add(m->h, x);
}

void metric_merge(struct metric *a, const struct metric *b)
{
    welford_merge(&a->w, &b->w);
    qhist_merge(a->h, b->h);
}

/* ---- confidence intervals --------------------------------------------- */

/* mean +- t_{(1+level)/2, n-1} s / sqrt(n): exact for normal data, and
 * replication means are close to normal by the central limit theorem. */
void stats_ci_t(const double *x, size_t n, double level, double *mean,
                double *half_width)
{
    struct welford w;
    size_t i;

    welford_init(&w);
    for (i = 0; i < n; i++)
        welford_add(&w, x[i]);
    *mean = w.mean;
    *half_width = 0.0;
    if (n < 2)
        return;
    *half_width = gsl_cdf_tdist_Pinv((1.0 + level) / 2.0, (double)(n - 1)) *
                  sqrt(welford_variance(&w) / (double)n);
}
