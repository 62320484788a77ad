#include "sim/tseries.h"

#include <errno.h>
#include <math.h>

#include "sim/diag.h"
#include "sim/mem.h"

struct tseries {
    double width, horizon;
    size_t nb, ns;
    const struct tseries_def *defs;
    double *v; /* ns * nb: counts, or level integrals (value * seconds) */
};

struct tseries *tseries_new(double width, double horizon,
                            const struct tseries_def *defs, size_t n)
{
    if (n == 0 || n > TSERIES_MAX_SERIES || !(width > 0) || !(horizon > 0))
        return NULL;
    /* Doubling rather than horizon / MAX_POINTS: bucket edges stay on
     * multiples of the width asked for (whole minutes on the plots). */
    double nbf = ceil(horizon / width);
    while (nbf > TSERIES_MAX_POINTS) {
        width *= 2.0;
        nbf = ceil(horizon / width);
    }
    struct tseries *ts = mem_calloc(1, sizeof *ts);
    if (!ts)
        return NULL;
    ts->width = width;
    ts->horizon = horizon;
    ts->nb = nbf < 1 ? 1 : (size_t)nbf;
    ts->ns = n;
    ts->defs = defs;
    ts->v = mem_calloc(ts->nb * n, sizeof *ts->v);
    if (!ts->v) {
        mem_free(ts);
        return NULL;
    }
    return ts;
}

void tseries_free(struct tseries *ts)
{
    if (!ts)
        return;
    mem_free(ts->v);
    mem_free(ts);
}

void tseries_reset(struct tseries *ts)
{
    for (size_t i = 0; i < ts->nb * ts->ns; i++)
        ts->v[i] = 0;
}

void tseries_count(struct tseries *ts, size_t s, double t, double amount)
{
    if (!(t >= 0) || t >= ts->horizon || s >= ts->ns)
        return;
    size_t i = (size_t)(t / ts->width);
    if (i >= ts->nb)
        i = ts->nb - 1;
    ts->v[s * ts->nb + i] += amount;
}

void tseries_level(struct tseries *ts, size_t s, double t0, double t1,
                   double v0, double v1)
{
    if (s >= ts->ns || !(t1 > t0))
        return;
    double slope = (v1 - v0) / (t1 - t0);
    double a = t0 < 0 ? 0 : t0;
    double end = t1 < ts->horizon ? t1 : ts->horizon;
    size_t i = (size_t)(a / ts->width);
    /* Integrate the line piece by piece over the buckets it crosses:
     * over [a, b] it is (b - a) times its value at the midpoint. */
    while (a < end && i < ts->nb) {
        double b = (double)(i + 1) * ts->width;
        if (b > end)
            b = end;
        double mid = 0.5 * (a + b);
        ts->v[s * ts->nb + i] += (b - a) * (v0 + slope * (mid - t0));
        a = b;
        i++;
    }
}

size_t tseries_nseries(const struct tseries *ts) { return ts->ns; }
size_t tseries_buckets(const struct tseries *ts) { return ts->nb; }
double tseries_width(const struct tseries *ts) { return ts->width; }

const char *tseries_name(const struct tseries *ts, size_t s)
{
    return s < ts->ns ? ts->defs[s].name : NULL;
}

double tseries_value(const struct tseries *ts, size_t s, size_t i)
{
    if (s >= ts->ns || i >= ts->nb)
        return 0;
    double x = ts->v[s * ts->nb + i];
    if (ts->defs[s].kind == TSERIES_COUNT)
        return x;
    double lo = (double)i * ts->width;
    double hi = lo + ts->width < ts->horizon ? lo + ts->width : ts->horizon;
    return hi > lo ? x / (hi - lo) : 0;
}

int tseries_write_dat(const struct tseries *ts, FILE *f)
{
    if (fprintf(f, "# t_min") < 0)
        return SLM_ESYS;
    for (size_t s = 0; s < ts->ns; s++)
        if (fprintf(f, " %s", ts->defs[s].name) < 0)
            return SLM_ESYS;
    if (fputc('\n', f) == EOF)
        return SLM_ESYS;
    for (size_t i = 0; i < ts->nb; i++) {
        if (fprintf(f, "%.10g", (double)i * ts->width / 60.0) < 0)
            return SLM_ESYS;
        for (size_t s = 0; s < ts->ns; s++)
            if (fprintf(f, " %.10g", tseries_value(ts, s, i)) < 0)
                return SLM_ESYS;
        if (fputc('\n', f) == EOF)
            return SLM_ESYS;
    }
    return ferror(f) ? SLM_ESYS : 0;
}

void tseries_write_json(const struct tseries *ts, struct jw *w,
                        const char *key)
{
    jw_object_begin(w, key);
    jw_number(w, "width", ts->width);
    jw_array_begin(w, "t");
    for (size_t i = 0; i < ts->nb; i++)
        jw_number(w, NULL, (double)i * ts->width);
    jw_array_end(w);
    for (size_t s = 0; s < ts->ns; s++) {
        jw_array_begin(w, ts->defs[s].name);
        for (size_t i = 0; i < ts->nb; i++)
            jw_number(w, NULL, tseries_value(ts, s, i));
        jw_array_end(w);
    }
    jw_object_end(w);
}
