/*
 * gpu_figures: the closing figures for a 7B int4 model on a modelled L40S
 * (llama-3-8b AWQ, datasheet-derived step times, max_batch 64, chunked
 * prefill 512, gamma jitter cv 0.05), single replica, by direct drive of
 * the replica (tests/serve_driver.h).  Wall-clock figures vary by machine.
 */
#include <stdio.h>
#include <time.h>

#include "models/gpu.h"
#include "tests/serve_driver.h"

static struct serve_params params(int exact)
{
    struct serve_params p = drv_params("L40S", "llama-3-8b",
                                       CATALOG_QUANT_INT4);
    p.chunk = 512;
    /* the model's default step overhead (models/gpu.h) */
    p.perf.overhead = GPU_DEFAULT_OVERHEAD;
    p.perf.layer_overhead = GPU_DEFAULT_LAYER_OVERHEAD;
    p.perf.jitter = SERVE_JITTER_GAMMA;
    p.perf.jitter_cv = 0.05;
    p.exact_steps = exact;
    return p;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct res {
    double ttft50, ttft99, e2e50, e2e99, tok_s, ev_per_req, req_per_s;
};

static struct res poisson(double rate, uint32_t in, uint32_t out, size_t n,
                          int exact, unsigned long seed)
{
    struct serve_params p = params(exact);
    gsl_rng *ar = gsl_rng_alloc(gsl_rng_mt19937), *jit =
                                                      gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(ar, seed);
    gsl_rng_set(jit, seed + 1);
    double *t = drv_poisson(ar, rate, n);
    uint32_t *vi = calloc(n, 4), *vo = calloc(n, 4);
    for (size_t i = 0; i < n; i++) {
        vi[i] = in;
        vo[i] = out;
    }
    struct drv d;
    double w0 = wall();
    drv_run(&d, &p, jit, t, vi, vo, n);
    double w1 = wall();
    struct res r;
    size_t skip = n / 10;
    r.tok_s = (double)serve_stats(d.sv)->tokens_out / d.t_last;
    r.ev_per_req = (double)serve_stats(d.sv)->events / (double)n;
    r.req_per_s = (double)n / (w1 - w0);
    r.ttft50 = drv_quantile(d.ttft, skip, d.done, 0.5);
    r.ttft99 = drv_quantile(d.ttft, skip, d.done, 0.99);
    r.e2e50 = drv_quantile(d.e2e, skip, d.done, 0.5);
    r.e2e99 = drv_quantile(d.e2e, skip, d.done, 0.99);
    drv_fini(&d);
    free(t);
    free(vi);
    free(vo);
    gsl_rng_free(ar);
    gsl_rng_free(jit);
    return r;
}

/* Completions per second with n requests all queued at 0 (saturation). */
static double saturation(uint32_t in, uint32_t out)
{
    size_t n = 4000;
    struct serve_params p = params(0);
    double *t = calloc(n, sizeof *t);
    uint32_t *vi = calloc(n, 4), *vo = calloc(n, 4);
    for (size_t i = 0; i < n; i++) {
        vi[i] = in;
        vo[i] = out;
    }
    struct drv d;
    drv_run(&d, &p, NULL, t, vi, vo, n);
    double thr = (double)n / d.t_last;
    drv_fini(&d);
    free(t);
    free(vi);
    free(vo);
    return thr;
}

/* Decode tokens per second of a closed batch of b sequences. */
static double batch_rate(int b)
{
    struct serve_params p = params(0);
    p.max_batch = b;
    p.perf.jitter = SERVE_JITTER_NONE;
    double t[64] = {0};
    uint32_t in[64] = {0}, out[64] = {0};
    for (int i = 0; i < b; i++) {
        in[i] = 300;
        out[i] = 200;
    }
    struct drv d;
    drv_run(&d, &p, NULL, t, in, out, (size_t)b);
    double first = 0;
    for (int i = 0; i < b; i++)
        if (d.rq[i].t_first_token > first)
            first = d.rq[i].t_first_token;
    double r = b * 199.0 / (d.t_last - first);
    drv_fini(&d);
    return r;
}

/* Largest arrival rate with P99 e2e under slo (bisection, 3 seeds). */
static double slo_rate(uint32_t in, uint32_t out, double slo, double hi)
{
    double lo = 0.01;
    for (int it = 0; it < 18; it++) {
        double mid = 0.5 * (lo + hi), worst = 0;
        for (unsigned long s = 1; s <= 3; s++) {
            struct res r = poisson(mid, in, out, 20000, 0, 40 + s);
            if (r.e2e99 > worst)
                worst = r.e2e99;
        }
        if (worst < slo)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int main(void)
{
    struct serve_params p = params(0);
    printf("L40S, llama-3-8b int4 (AWQ), kv fp16: %.3g GB weights read/step, "
           "%ld KV tokens, bw %.4g GB/s, %.4g TFLOP/s, overhead %.3g us a "
           "layer\n",
           p.model.weight_read / 1e9, p.kv_blocks * 16, p.perf.bandwidth / 1e9,
           p.perf.flops / 1e12, p.perf.layer_overhead * 1e6);
    printf("single-stream decode: %.1f tokens/s\n", batch_rate(1));
    for (int b = 8; b <= 64; b *= 2)
        if (b != 16)
            printf("batch %2d: %.0f tokens/s aggregate\n", b, batch_rate(b));
    uint32_t ins[2] = {300, 800}, outs[2] = {200, 500};
    for (int k = 0; k < 2; k++) {
        double sat = saturation(ins[k], outs[k]);
        printf("\n%u in / %u out: saturation %.2f req/s (%.0f/min, %.2fM/month)\n",
               ins[k], outs[k], sat, sat * 60, sat * 2629800 / 1e6);
        double loads[3] = {0.3, 0.7, 0.9};
        for (int l = 0; l < 3; l++) {
            struct res r = poisson(loads[l] * sat, ins[k], outs[k], 20000, 0, 7);
            printf("  %2.0f%% load (%.2f/s): TTFT p50 %.0f ms p99 %.0f ms; "
                   "e2e p50 %.2f s p99 %.2f s; %.0f tok/s\n",
                   loads[l] * 100, loads[l] * sat, r.ttft50 * 1e3,
                   r.ttft99 * 1e3, r.e2e50, r.e2e99, r.tok_s);
        }
        struct res alone = poisson(0.001, ins[k], outs[k], 200, 0, 9);
        if (alone.e2e99 >= 2.0) {
            printf("  P99 e2e < 2 s: never (one request alone takes %.2f s)\n",
                   alone.e2e50);
            continue;
        }
        double cap = slo_rate(ins[k], outs[k], 2.0, sat);
        printf("  P99 e2e < 2 s holds up to %.3f req/s = %.0f/min = %.3gM "
               "queries/month\n", cap, cap * 60, cap * 2629800 / 1e6);
    }
    printf("\ncost (300/200 queries, 200k requests):\n");
    double sat = saturation(300, 200);
    double loads[3] = {0.1, 0.5, 0.9};
    for (int l = 0; l < 3; l++)
        for (int exact = 0; exact < 2; exact++) {
            struct res r = poisson(loads[l] * sat, 300, 200, 200000, exact, 3);
            printf("  %2.0f%% load, %s: %.2f events/request, %.3g simulated "
                   "requests/s; e2e p99 %.3f s, %.0f tok/s\n",
                   loads[l] * 100, exact ? "exact steps" : "runs       ",
                   r.ev_per_req, r.req_per_s, r.e2e99, r.tok_s);
        }
    return 0;
}
