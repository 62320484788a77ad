/*
 * stats: streaming statistics with bounded memory.
 *
 * - struct welford: count, mean, variance (Welford's update, numerically
 *   stable), min, max.  Plain struct, caller-provided storage.
 * - struct qhist: quantiles from a log-bucketed histogram in the manner of
 *   DDSketch (Masson et al., VLDB 2019): bucket i holds (g^(i-1), g^i] with
 *   g = (1+a)/(1-a); answering with 2 g^i/(g+1) bounds the relative error by
 *   a = QHIST_REL_ERR for every value in [QHIST_MIN, QHIST_MAX].  Values
 *   below QHIST_MIN (zero waits, say) go to a zero bucket and come back as
 *   0; values above QHIST_MAX are clamped there.  Memory is fixed (about
 *   19 KiB) whatever the number of samples.
 * - struct metric: a welford and a qhist together: what every latency
 *   statistic in a report is built from.
 * - stats_ci_t(): Student-t confidence interval across replications.
 */
#ifndef SLM_STATS_H
#define SLM_STATS_H

#include <stddef.h>
#include <stdint.h>

struct welford {
    uint64_t n;
    double mean;
    double m2; /* sum of squared deviations from the running mean */
    double min, max;
};

void welford_init(struct welford *w);
void welford_add(struct welford *w, double x);
/* Merges b into a (Chan et al. parallel update). */
void welford_merge(struct welford *a, const struct welford *b);
/* Sample variance (n-1 divisor); 0 when n < 2. */
double welford_variance(const struct welford *w);

#define QHIST_REL_ERR 0.01
#define QHIST_MIN 1e-9
#define QHIST_MAX 1e12
/* The relative error the buckets are built for: a hair below
 * QHIST_REL_ERR, so that a value on a bucket edge still meets the bound. */
#define QHIST_ALPHA (QHIST_REL_ERR * (1.0 - 1e-9))

/* The bucket index without a log(): a table, generated at build time by
 * sim/gen/qhist_table_gen.c, over cells of 2^-QHIST_CELL_BITS of an
 * octave (the exponent and top mantissa bits of a double); each cell holds
 * its first bucket and the largest value still in it. */
#define QHIST_CELL_BITS 6
#define QHIST_CELL_SHIFT (52 - QHIST_CELL_BITS)
struct qhist_cell {
    double edge;   /* largest value of bucket 'base' in the cell */
    uint32_t base; /* bucket of the cell's smallest value */
};

struct qhist;

/* A new, empty histogram owned by the caller, or NULL (out of memory). */
struct qhist *qhist_new(void);
void qhist_free(struct qhist *h); /* NULL is fine */
void qhist_reset(struct qhist *h);
void qhist_add(struct qhist *h, double x);
/* The bucket (0-based, over [QHIST_MIN, QHIST_MAX], clamped at both ends)
 * that holds x >= QHIST_MIN: ceil(ln x / ln g) less the first, exactly as
 * computed with log(), from a table lookup and one compare. */
size_t qhist_bucket_index(double x);
/* Adds every count of b into a. */
void qhist_merge(struct qhist *a, const struct qhist *b);
uint64_t qhist_count(const struct qhist *h);
/* A histogram as plain bytes, to cross a pipe between processes of one
 * build: qhist_pack writes qhist_packed_size() bytes of h into buf;
 * qhist_unpack makes h (from qhist_new) hold exactly what was packed.
 * 0, or SLM_EINPUT when buf is not such a histogram (h then untouched). */
size_t qhist_packed_size(void);
void qhist_pack(const struct qhist *h, void *buf);
int qhist_unpack(struct qhist *h, const void *buf);
/* The q-quantile (q in [0,1]) by the nearest-rank rule: the value of rank
 * ceil(q n) (rank 1 for q = 0), within QHIST_REL_ERR relative error and
 * clamped to [min, max] of the samples added (so a P99 never exceeds the
 * largest sample).  0 when empty. */
double qhist_quantile(const struct qhist *h, double q);
/* Fraction of samples <= x (to bucket resolution), for CDF plots. */
double qhist_cdf(const struct qhist *h, double x);

struct metric {
    struct welford w;
    struct qhist *h; /* owned */
};

/* Returns 0 or SLM_ENOMEM. */
int metric_init(struct metric *m);
void metric_fini(struct metric *m);
void metric_reset(struct metric *m);
void metric_add(struct metric *m, double x);
void metric_merge(struct metric *a, const struct metric *b);

/* Samples a p-quantile needs before it is more than a handful of tail
 * values: 100 / (1 - p) (10,000 for P99), the rule behind the reports'
 * small-sample notes.  Returns UINT64_MAX for p >= 1. */
uint64_t stats_quantile_min_samples(double p);

/* Student-t interval for the mean of x[0..n) at confidence level (0.95):
 * stores the mean and half-width (0 when n < 2).  */
void stats_ci_t(const double *x, size_t n, double level, double *mean,
                double *half_width);

#endif
