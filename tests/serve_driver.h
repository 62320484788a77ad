/*
 * serve_driver: a one-replica simulation without the event engine, for the
 * gpu tests and bench/.  Two event sources only (the next arrival and the
 * replica's next boundary), so a loop picking the earlier is the whole
 * engine.  Header-only: static functions, included by one program each.
 */
#ifndef SLM_SERVE_DRIVER_H
#define SLM_SERVE_DRIVER_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/catalog.h"
#include "models/serve.h"

struct drv {
    struct serve *sv;
    struct request *rq; /* all requests, owned */
    size_t n, done;
    double *e2e, *ttft, *wait, *tpot; /* per finished request, owned */
    double t_last;
};

static void drv_done(void *ctx, struct request *r, double now)
{
    struct drv *d = ctx;
    size_t i = d->done++;
    d->e2e[i] = now - r->t_arrival;
    d->ttft[i] = r->t_first_token - r->t_arrival;
    d->wait[i] = r->t_start - r->t_arrival;
    d->tpot[i] = r->output_tokens > 1
                     ? (now - r->t_first_token) / (r->output_tokens - 1)
                     : 0;
    r->x[0] = now; /* completion time, for tests */
    d->t_last = now;
}

/* Params for a model on a GPU from the catalog with fixed round
 * efficiencies (bandwidth 0.8, compute 0.45, overhead 2 ms: not the
 * per-architecture table models/gpu.c uses, so hand values stay simple),
 * 90% of the datasheet memory less a 2 GB reserve, no jitter, max_batch
 * 64, no chunking. */
static struct serve_params drv_params(const char *gpu, const char *model,
                                      enum catalog_quant q)
{
    struct serve_params p;
    memset(&p, 0, sizeof p);
    const struct gpu_spec *g = catalog_gpu_find(gpu);
    const struct model_spec *m = catalog_model_find(model);
    struct serve_memory mem = {g->memory, 0.9, 0, 2e9};
    p.kv_blocks = serve_derive(&p, m, q, CATALOG_KV_FP16, 1, &mem, 16);
    p.perf.bandwidth = 0.8 * g->bandwidth;
    p.perf.flops = 0.45 * catalog_gpu_flops(g, q);
    p.perf.overhead = 2e-3;
    p.perf.tp = 1;
    p.max_batch = 64;
    p.max_batched = m->context > 2048 ? m->context : 2048;
    p.block_tokens = 16;
    return p;
}

/* Runs requests arriving at times t[0..n) with tokens in[i], out[i]
 * (all owned by the caller) to completion.  Returns 0 or -1. */
static int drv_run(struct drv *d, const struct serve_params *p, gsl_rng *jit,
                   const double *t, const uint32_t *in, const uint32_t *out,
                   size_t n)
{
    memset(d, 0, sizeof *d);
    d->rq = calloc(n, sizeof *d->rq);
    d->e2e = calloc(n, sizeof(double));
    d->ttft = calloc(n, sizeof(double));
    d->wait = calloc(n, sizeof(double));
    d->tpot = calloc(n, sizeof(double));
    struct serve_hooks h = {drv_done, d};
    d->sv = serve_new(p, jit, &h, NULL);
    if (!d->rq || !d->e2e || !d->ttft || !d->wait || !d->tpot || !d->sv)
        return -1;
    d->n = n;
    size_t next = 0;
    for (;;) {
        double ts = serve_next_time(d->sv);
        double ta = next < n ? t[next] : (double)INFINITY;
        if (isinf(ta) && isinf(ts))
            break;
        if (ta <= ts) {
            struct request *r = &d->rq[next];
            r->id = next;
            r->t_arrival = r->t_enqueue = ta;
            r->input_tokens = in[next];
            r->output_tokens = out[next];
            next++;
            serve_submit(d->sv, r, ta);
        } else {
            serve_boundary(d->sv, ts);
        }
    }
    serve_flush(d->sv, d->t_last);
    return 0;
}

static void drv_fini(struct drv *d)
{
    serve_free(d->sv);
    free(d->rq);
    free(d->e2e);
    free(d->ttft);
    free(d->wait);
    free(d->tpot);
}

/* Poisson arrival times at rate per second, n of them. */
static double *drv_poisson(gsl_rng *r, double rate, size_t n)
{
    double *t = malloc(n * sizeof *t), now = 0;
    for (size_t i = 0; t && i < n; i++) {
        now += gsl_ran_exponential(r, 1.0 / rate);
        t[i] = now;
    }
    return t;
}

static int drv_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of x[skip..n) (sorted in place), nearest rank. */
static double drv_quantile(double *x, size_t skip, size_t n, double q)
{
    if (n <= skip)
        return 0;
    qsort(x + skip, n - skip, sizeof *x, drv_cmp);
    size_t k = (size_t)ceil(q * (double)(n - skip));
    if (k < 1)
        k = 1;
    return x[skip + k - 1];
}

#endif
