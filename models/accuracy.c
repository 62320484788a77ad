#include "models/accuracy.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

/* DOMAIN.md, "Accuracy by task type (claimed)".  The first six are the
 * narrow tasks the small model wins, the last four the broad ones. */
static const struct accuracy_entry accuracy_table[] = {
    {"document-classification", "document classification", 0.94, 0.88, 0.91},
    {"named-entity-extraction", "named entity extraction", 0.92, 0.85, 0.89},
    {"intent-classification", "customer intent classification", 0.96, 0.90,
     0.93},
    {"sentiment-analysis", "sentiment analysis (domain)", 0.93, 0.87, 0.90},
    {"structured-extraction", "structured data extraction", 0.91, 0.84, 0.88},
    {"contract-clause-identification", "contract clause identification", 0.90,
     0.83, 0.87},
    {"text-generation", "open-ended text generation", 0.78, 0.93, 0.95},
    {"multi-step-reasoning", "complex multi-step reasoning", 0.72, 0.91, 0.94},
    {"summarization", "creative writing / summarisation", 0.75, 0.92, 0.93},
    {"cross-domain-qa", "cross-domain question answering", 0.70, 0.90, 0.92},
};
static const size_t accuracy_table_size =
    sizeof accuracy_table / sizeof accuracy_table[0];

/* A linear scan: ten entries, looked up per task at report time. */
const struct accuracy_entry *accuracy_lookup(const char *task)
{
    size_t i;

    for (i = 0; task && i < accuracy_table_size; i++)
        if (strcmp(accuracy_table[i].task, task) == 0)
            return &accuracy_table[i];
    return NULL;
}

double accuracy_task_local(const struct task_spec *t)
{
    const struct accuracy_entry *e;

    if (!isnan(t->accuracy_local))
        return t->accuracy_local;
    e = accuracy_lookup(t->type);
    return e ? e->local : (double)NAN;
}

double accuracy_task_api(const struct task_spec *t, int few_shot)
{
    const struct accuracy_entry *e;

    if (!isnan(t->accuracy_api))
        return t->accuracy_api;
    e = accuracy_lookup(t->type);
    if (!e)
        return (double)NAN;
    return few_shot ? e->few_shot : e->zero_shot;
}

double accuracy_blend(size_t n, const double *count, const double *acc,
                      double *coverage)
{
    double right = 0.0, covered = 0.0, all = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        all += count[i];
        if (isnan(acc[i]))
            continue;
        covered += count[i];
        right += count[i] * acc[i];
    }
    if (coverage)
        *coverage = all > 0.0 ? covered / all : 0.0;
    return covered > 0.0 ? right / covered : (double)NAN;
}

double accuracy_kept(double a, double f, double auc)
{
    double d, lo = -40.0, hi = 40.0, t = 0.0;
    int i;

    if (isnan(a) || !(f > 0.0) || !(auc > 0.5) || !(a > 0.0) || !(a < 1.0))
        return a;
    if (f >= 1.0)
        return a; /* nothing kept: the value is never weighed */
    if (auc >= 1.0) {
        /* Every wrong answer first: f - (1 - a) of the right ones go
         * after them, when f is larger. */
        double right_out = fmax(0.0, f - (1.0 - a));
        return (a - right_out) / (1.0 - f);
    }
    d = sqrt(2.0) * gsl_cdf_ugaussian_Pinv(auc);
    /* f(t) is increasing in t: bisection to double precision. */
    for (i = 0; i < 200; i++) {
        t = 0.5 * (lo + hi);
        if (a * gsl_cdf_ugaussian_P(t - d) +
                (1.0 - a) * gsl_cdf_ugaussian_P(t) < f)
            lo = t;
        else
            hi = t;
    }
    return a * (1.0 - gsl_cdf_ugaussian_P(t - d)) / (1.0 - f);
}
