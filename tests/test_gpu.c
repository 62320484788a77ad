/*
 * gpu: the serving replica's mechanics on tiny deterministic cases, the
 * roofline against hand-computed values, and the decode-run shortcut
 * against step-by-step simulation.
 */
#include "tests/check.h"

#include "tests/serve_driver.h"
#include "tests/serve_toy.h"

#include "models/calib.h"

/* The round-number replica of tests/serve_toy.h, with room for every
 * sequence. */
static struct serve_params toy(void)
{
    return serve_toy_params(100000);
}

static void run_fixed(struct drv *d, const struct serve_params *p,
                      const double *t, const uint32_t *in,
                      const uint32_t *out, size_t n)
{
    assert_int_equal(drv_run(d, p, NULL, t, in, out, n), 0);
    assert_int_equal(d->done, n);
}

/* The toy's step times by hand: linear layers hypot(10 ms, 1 ms a
 * token), attention 1 us per context token read, 1 ms overhead. */
static double toy_decode(double batch, double ctx)
{
    return hypot(0.010, 0.001 * batch) + ctx * 1e-6 + 0.001;
}

static double toy_prefill(double p0, double c)
{
    return hypot(0.010, 0.001 * c) + (p0 + c) * 1e-6 + 0.001;
}

static void test_gpu_step_time_is_the_per_operator_roofline(void **state)
{
    (void)state;
    struct serve_params p = toy();
    /* decode of 1 at context 101: linear hypot(10 ms, 1 ms), then
     * attention reads 101 tokens (0.101 ms) */
    struct serve_step st = {1, 101, 0, 0, 0};
    assert_close(serve_step_time(&p, &st), toy_decode(1, 101), 1e-12);
    struct serve_step_parts parts;
    serve_step_split(&p, &st, &parts);
    assert_close(parts.linear_mem, 0.010, 1e-12);
    assert_close(parts.linear_cmp, 0.001, 1e-12);
    assert_close(parts.attn, 101e-6, 1e-12);
    assert_close(parts.fixed, 0.001, 1e-12);
    /* prefill of 100: hypot(10 ms, 100 ms) + 0.1 ms of KV written */
    struct serve_step pf = {0, 0, 100, 100, 5050};
    assert_close(serve_step_time(&p, &pf), toy_prefill(0, 100), 1e-12);
    /* attention FLOPs: 1e7 per context token, 5050 of them, 5.05 ms,
     * outweigh the 0.1 ms of bytes */
    p.model.attn_flops_per_ctx = 1e7;
    assert_close(serve_step_time(&p, &pf),
                 hypot(0.010, 0.100) + 0.00505 + 0.001, 1e-12);
    /* a per-layer cost (2 layers of 0.1 ms) joins the fixed part */
    p.perf.layer_overhead = 1e-4;
    serve_step_split(&p, &st, &parts);
    assert_close(parts.fixed, 0.001 + 2e-4, 1e-12);
    p.perf.layer_overhead = 0;
    /* attention's products at their own rate (serve_perf.attn_flops):
     * at 4x the weights' rate the 5.05 ms become 1.2625 ms, the linear
     * layers unchanged */
    p.perf.attn_flops = 4 * p.perf.flops;
    serve_step_split(&p, &pf, &parts);
    assert_close(parts.attn, 0.00505 / 4, 1e-12);
    assert_close(parts.linear_cmp, 0.100, 1e-12);
    p.perf.attn_flops = 0; /* 0: the weights' rate, as above */
    serve_step_split(&p, &pf, &parts);
    assert_close(parts.attn, 0.00505, 1e-12);
    p.model.attn_flops_per_ctx = 0;
    /* far from the ridge the smooth roofline is the larger term */
    struct serve_step_parts far = {1.0, 0.1, 0, 0};
    assert_close(serve_linear_time(&far), 1.0, 0.006);
}

/* MoE: a step reads the shared weights and the experts its tokens route
 * to, 1 - (1 - k/E)^b of them per layer; FLOPs on the active ones. */
static void test_gpu_moe_step_reads_only_the_experts_touched(void **state)
{
    (void)state;
    assert_close(serve_experts_touched(0.25, 0), 0, 0);
    assert_close(serve_experts_touched(0.25, 1), 0.25, 1e-15);
    assert_close(serve_experts_touched(0.25, 2), 1 - 0.75 * 0.75, 1e-15);
    assert_close(serve_experts_touched(0.25, 3), 1 - 0.421875, 1e-15);
    struct serve_params p = toy();
    p.model.expert_read = 8e8; /* of the 1 GB, 0.8 GB are experts */
    p.model.expert_share = 0.25;
    struct serve_step one = {1, 0, 0, 0, 0}, two = {2, 0, 0, 0, 0};
    struct serve_step_parts t;
    /* 0.2 GB shared + a quarter of 0.8 GB = 0.4 GB at 100 GB/s */
    serve_step_split(&p, &one, &t);
    assert_close(t.linear_mem, 0.004, 1e-12);
    assert_close(t.linear_cmp, 0.001, 1e-12);
    /* 0.2 GB + 0.4375 x 0.8 GB = 0.55 GB */
    serve_step_split(&p, &two, &t);
    assert_close(t.linear_mem, 0.0055, 1e-12);
    /* a prefill of 100 tokens touches all but 0.75^100 of them */
    struct serve_step pf = {0, 0, 100, 100, 5050};
    serve_step_split(&p, &pf, &t);
    assert_close(t.linear_mem, (1e9 - 8e8 * pow(0.75, 100)) / 1e11, 1e-12);
    /* Mixtral-8x7B: 8 x 32 x 3 x 4096 x 14336 expert parameters, top-2
     * of 8; FLOPs on the 12.9 B active */
    const struct model_spec *m = catalog_model_find("mixtral-8x7b");
    struct serve_memory mem = {80e9, 0.9, 0, 1e9};
    struct serve_params q;
    memset(&q, 0, sizeof q);
    assert_true(serve_derive(&q, m, CATALOG_QUANT_FP16, CATALOG_KV_FP16, 2,
                             &mem, 16) > 0);
    assert_close(q.model.expert_read, 8.0 * 32 * 3 * 4096 * 14336 * 2,
                 1e-12);
    assert_close(q.model.expert_share, 0.25, 0);
    assert_close(q.model.flops_per_token, 2 * 12.9e9, 1e-12);
}

/* Sliding window: the windowed share of the reads is capped at the
 * window, the prefill's attention too; with every layer windowed the
 * cache a sequence holds stops at the window. */
static void test_gpu_sliding_window_caps_reads_and_cache(void **state)
{
    (void)state;
    struct serve_params p = toy();
    p.model.window = 100;
    p.model.window_share = 1;
    assert_close(serve_ctx_read(&p.model, 90), 90, 0);
    assert_close(serve_ctx_read(&p.model, 150), 100, 0);
    /* a chunk of 20 after 90: tokens 91..100 read 91..100, the other ten
     * read 100 each: 10 x 90 + 55 + 10 x 100 */
    assert_close(serve_prefill_attn(&p.model, 90, 20), 1955, 1e-15);
    assert_close(serve_prefill_attn(&p.model, 0, 50), 1275, 1e-15);
    p.model.window_share = 0.5; /* half the layers: halfway */
    assert_close(serve_ctx_read(&p.model, 150), 125, 1e-15);
    assert_close(serve_prefill_attn(&p.model, 90, 20),
                 0.5 * 1955 + 0.5 * (20 * 90 + 210), 1e-15);
    /* peak blocks of 16: 50 + 100 tokens held as 100 (7 blocks); a
     * 150-token prompt is held whole while it is prefilled (10) */
    p.model.window_share = 1;
    assert_int_equal(serve_peak_blocks(&p, 50, 100), 7);
    assert_int_equal(serve_peak_blocks(&p, 150, 10), 10);
    p.model.window_share = 0.5; /* the cache keeps everything */
    assert_int_equal(serve_peak_blocks(&p, 50, 100), 10);
}

static void test_gpu_sliding_window_decode_by_hand(void **state)
{
    (void)state;
    struct serve_params p = toy();
    p.model.window = 100;
    p.model.window_share = 1;
    double t[] = {0};
    uint32_t in[] = {90}, out[] = {30};
    /* 29 decode steps at contexts 91..119 without a window; with it the
     * reads stop at 100 from the 11th on (its cache holds 100 tokens) */
    double dec = 0;
    for (int j = 0; j < 29; j++)
        dec += toy_decode(1, 91 + j < 100 ? 91 + j : 100);
    for (int exact = 0; exact < 2; exact++) {
        p.exact_steps = exact;
        struct drv d;
        run_fixed(&d, &p, t, in, out, 1);
        assert_close(d.e2e[0], toy_prefill(0, 90) + dec, 1e-12);
        const struct serve_stats *st = serve_stats(d.sv);
        /* runs: to the window, then to the end */
        assert_int_equal(st->events, exact ? 30 : 3);
        assert_int_equal(serve_blocks_used(d.sv), 0);
        drv_fini(&d);
    }
    /* a cache of 2 blocks (32 tokens) holds a 20 + 100 request whose
     * window is 32, never preempting it; without the window it cannot */
    struct serve_params q = toy();
    q.kv_blocks = 2;
    q.model.window = 32;
    q.model.window_share = 1;
    struct serve_hooks h = {drv_done, NULL};
    struct serve *sv = serve_new(&q, NULL, &h, NULL);
    assert_true(serve_fits(sv, 20, 100));
    serve_free(sv);
    uint32_t in2[] = {20}, out2[] = {100};
    struct drv d;
    run_fixed(&d, &q, t, in2, out2, 1);
    assert_int_equal(serve_stats(d.sv)->preemptions, 0);
    assert_int_equal(serve_blocks_used(d.sv), 0);
    drv_fini(&d);
    q.model.window = 0;
    sv = serve_new(&q, NULL, &h, NULL);
    assert_false(serve_fits(sv, 20, 100));
    serve_free(sv);
}

/* A calibration file's figures are found by format name: its bf16 row
 * (index 4) is never handed to fp4 (catalog index 4). */
static void test_gpu_calibration_has_no_fp4_figures_even_with_bf16(void **s)
{
    (void)s;
    struct calib *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->dt[CALIB_DT_BF16].present = 1;
    c->dt[CALIB_DT_INT4].present = 1;
    assert_null(calib_dtype(c, CATALOG_QUANT_FP4));
    assert_null(calib_dtype(c, CATALOG_QUANT_FP16));
    assert_ptr_equal(calib_dtype(c, CATALOG_QUANT_INT4),
                     &c->dt[CALIB_DT_INT4]);
    free(c);
}

static void test_gpu_step_time_l40s_llama3_8b_int4_by_hand(void **state)
{
    (void)state;
    struct serve_params p = drv_params("L40S", "llama-3-8b",
                                       CATALOG_QUANT_INT4);
    /* weights: body 8.03e9 - 2*128256*4096 params at 4.15625 bits, plus
     * the FP16 LM head; the input table is not read. */
    double emb = 128256.0 * 4096;
    double w = (8.03e9 - 2 * emb) * (4.15625 / 8) + emb * 2;
    assert_close(p.model.weight_read, w, 1e-12);
    double kv = 2.0 * 32 * 8 * 128 * 2; /* 128 KiB per token */
    assert_close(p.model.kv_per_token, kv, 1e-12);
    double bw = 0.8 * 864e9, fl = 0.45 * 362.05e12;
    /* batch 32 at 1000 tokens of context each: weights then attention */
    struct serve_step st = {32, 32000, 0, 0, 0};
    double lin = hypot(w / bw, 2 * 8.03e9 * 32 / fl);
    double att_mem = kv * 32000 / bw;
    double att_cmp = 4.0 * 32 * 32 * 128 * 32000 / fl;
    assert_true(att_mem > att_cmp);
    assert_close(serve_step_time(&p, &st), lin + att_mem + 2e-3, 1e-12);
    /* a 2048-token prompt: compute-bound linear layers and attention */
    struct serve_step pf = {0, 0, 2048, 2048, 2048.0 * 2049 / 2};
    double cmp2 = 2 * 8.03e9 * 2048 / fl;
    double att2 = 4.0 * 32 * 32 * 128 * 2048.0 * 2049 / 2 / fl;
    assert_true(att2 > kv * 2048 / bw);
    assert_close(serve_step_time(&p, &pf), hypot(w / bw, cmp2) + att2 + 2e-3,
                 1e-12);
    /* cache: 48 GB * 0.9 - 2 GB - weights, in 16-token blocks */
    double wall = (8.03e9 - 2 * emb) * (4.15625 / 8) + 2 * emb * 2;
    assert_int_equal(p.kv_blocks,
                     (long)floor((48e9 * 0.9 - 2e9 - wall) / (kv * 16)));
}

static void test_gpu_tensor_parallel_adds_two_allreduces_per_layer(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.perf.tp = 4;
    p.perf.tp_link = 1e10;
    p.perf.tp_latency = 1e-5;
    struct serve_step st = {4, 400, 0, 0, 0};
    double lin = hypot(1e9 / 4e11, 4 * 1e10 / 4e13);
    double att = 1e5 * 400 / 4e11;
    /* per all-reduce: 2 (4-1) = 6 hops, each 10 us plus a quarter of the
     * 8,000-byte buffer over 10 GB/s; two per layer, two layers */
    double ring = 6 * (1e-5 + 4 * 1000 * 2.0 / 4 / 1e10);
    assert_close(serve_step_time(&p, &st), lin + att + 1e-3 + 2 * 2 * ring,
                 1e-12);
}

static void test_gpu_one_request_alone_ttft_is_its_prefill_step(void **s)
{
    (void)s;
    struct serve_params p = toy();
    double t[] = {0.5};
    uint32_t in[] = {100}, out[] = {5};
    for (int exact = 0; exact < 2; exact++) {
        p.exact_steps = exact;
        struct drv d;
        run_fixed(&d, &p, t, in, out, 1);
        assert_close(d.ttft[0], toy_prefill(0, 100), 1e-12);
        assert_close(d.wait[0], 0, 1e-12);
        /* four decode steps at contexts 101..104 */
        double dec = toy_decode(1, 101) + toy_decode(1, 102) +
                     toy_decode(1, 103) + toy_decode(1, 104);
        assert_close(d.e2e[0], toy_prefill(0, 100) + dec, 1e-12);
        const struct serve_stats *st = serve_stats(d.sv);
        assert_int_equal(st->steps, 5);
        assert_int_equal(st->events, exact ? 5 : 2);
        assert_int_equal(st->tokens_out, 5);
        assert_int_equal(st->tokens_in, 100);
        assert_int_equal(serve_blocks_used(d.sv), 0);
        drv_fini(&d);
    }
}

static void test_gpu_two_requests_share_the_weight_read(void **s)
{
    (void)s;
    struct serve_params p = toy();
    double t[] = {0, 0};
    uint32_t in[] = {100, 100}, out[] = {3, 3};
    struct drv d;
    run_fixed(&d, &p, t, in, out, 2);
    /* The first starts alone; the second joins at the first boundary
     * with a prefill step of its own (decodes wait without chunking),
     * then both decode together: two steps of two. */
    double pf = toy_prefill(0, 100);
    double d1 = toy_decode(2, 202), d2 = toy_decode(2, 204);
    assert_close(d.ttft[0], pf, 1e-12);
    assert_close(d.ttft[1], 2 * pf, 1e-12);
    assert_close(d.e2e[0], 2 * pf + d1 + d2, 1e-12);
    assert_close(d.e2e[1], 2 * pf + d1 + d2, 1e-12);
    assert_close(d.wait[1], pf, 1e-12);
    /* batching: a step for two costs far less than two steps for one */
    assert_true(d1 < 1.1 * toy_decode(1, 101));
    assert_int_equal(serve_stats(d.sv)->max_batch, 2);
    drv_fini(&d);
}

static void test_gpu_full_cache_makes_the_next_request_wait(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.kv_blocks = 8; /* 128 tokens: room for one request of 120 */
    double t[] = {0, 0};
    uint32_t in[] = {100, 100}, out[] = {20, 20};
    struct drv d;
    run_fixed(&d, &p, t, in, out, 2);
    /* the second is admitted at the boundary the first leaves at */
    assert_close(d.rq[1].t_start, d.rq[0].x[0], 1e-12);
    assert_true(d.wait[1] > 0.1);
    assert_int_equal(serve_stats(d.sv)->preemptions, 0);
    drv_fini(&d);
}

static void test_gpu_cache_exhaustion_preempts_the_newest(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.kv_blocks = 14; /* both prompts (7 blocks each), no growth */
    double t[] = {0, 0};
    uint32_t in[] = {100, 100}, out[] = {60, 60};
    for (int exact = 0; exact < 2; exact++) {
        p.exact_steps = exact;
        struct drv d;
        run_fixed(&d, &p, t, in, out, 2);
        const struct serve_stats *st = serve_stats(d.sv);
        assert_true(st->preemptions >= 1);
        /* recompute regenerates no token twice */
        assert_int_equal(st->tokens_out, 120);
        assert_true(d.rq[1].x[0] > d.rq[0].x[0]);
        /* the second was admitted (and got its first token) before the
         * cache ran out */
        assert_close(d.ttft[1], 2 * toy_prefill(0, 100), 1e-12);
        assert_int_equal(serve_blocks_used(d.sv), 0);
        drv_fini(&d);
    }
}

/* TensorRT-LLM's GUARANTEED_NO_EVICT: a request is admitted only when
 * the cache can hold every token it will have; the 14-block cache that
 * makes vLLM preempt above holds one 160-token request (10 blocks) at a
 * time, so the second waits for the first and nothing is preempted. */
static void test_gpu_no_evict_admits_only_what_can_finish(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.kv_blocks = 14;
    p.no_evict = 1;
    double t[] = {0, 0};
    uint32_t in[] = {100, 100}, out[] = {60, 60};
    for (int exact = 0; exact < 2; exact++) {
        p.exact_steps = exact;
        struct drv d;
        run_fixed(&d, &p, t, in, out, 2);
        assert_int_equal(serve_stats(d.sv)->preemptions, 0);
        assert_close(d.rq[1].t_start, d.rq[0].x[0], 1e-12);
        assert_close(d.ttft[1] - d.wait[1], toy_prefill(0, 100), 1e-12);
        assert_int_equal(serve_stats(d.sv)->tokens_out, 120);
        assert_int_equal(serve_blocks_used(d.sv), 0);
        drv_fini(&d);
    }
}

/* Prefix caching: task 0's prompts share their first 70 tokens, 64 of
 * them in whole 16-token blocks.  The first request computes its whole
 * prompt and leaves the prefix cached; the second, arriving after it
 * finished, computes only its last 36 tokens (its attention still reads
 * the 64 cached ones), and the 4 cached blocks stay charged once. */
static void test_gpu_shared_prefix_is_computed_once(void **s)
{
    (void)s;
    struct serve_params p = toy();
    uint32_t prefix[] = {70};
    p.ntasks = 1;
    p.prefix_tokens = prefix;
    assert_int_equal(serve_prefix_blocks(&p, 0, 100), 4);
    assert_int_equal(serve_prefix_blocks(&p, 0, 20), 1);
    assert_int_equal(serve_prefix_blocks(&p, 1, 100), 0);
    double t[] = {0, 5};
    uint32_t in[] = {100, 100}, out[] = {3, 3};
    struct drv d;
    run_fixed(&d, &p, t, in, out, 2);
    assert_close(d.ttft[0], toy_prefill(0, 100), 1e-12);
    assert_close(d.ttft[1], toy_prefill(64, 36), 1e-12);
    const struct serve_stats *st = serve_stats(d.sv);
    assert_int_equal(st->prefix_lookups, 2);
    assert_int_equal(st->prefix_hits, 1);
    assert_int_equal(st->prefix_tokens_saved, 64);
    assert_int_equal(st->tokens_in, 136);
    assert_int_equal(serve_blocks_used(d.sv), 4); /* the cached prefix */
    drv_fini(&d);
}

static void test_gpu_chunked_prefill_splits_the_prompt(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.chunk = 256;
    double t[] = {0};
    uint32_t in[] = {1000}, out[] = {2};
    struct drv d;
    run_fixed(&d, &p, t, in, out, 1);
    /* chunks 256, 256, 256, 232, each reading its context so far */
    double ttft = toy_prefill(0, 256) + toy_prefill(256, 256) +
                  toy_prefill(512, 256) + toy_prefill(768, 232);
    assert_close(d.ttft[0], ttft, 1e-12);
    assert_int_equal(serve_stats(d.sv)->steps, 5);
    drv_fini(&d);
}

/* TensorRT-LLM without chunked context: a prompt that does not fit in
 * the budget left waits for a later step whole instead of being split. */
static void test_gpu_whole_prompts_wait_instead_of_splitting(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.chunk = 100;
    /* the first prompt (80) starts alone; the other two (60 each) wait
     * for its boundary, when one decode leaves 99 tokens of budget */
    double t[] = {0, 0, 0};
    uint32_t in[] = {80, 60, 60}, out[] = {3, 3, 3};
    struct drv d;
    double s1 = toy_prefill(0, 80);
    /* split: 60 and 39 of the third, then two decodes and its other 21 */
    run_fixed(&d, &p, t, in, out, 3);
    double s2 = hypot(0.010, 0.100) + (81 + 60 + 39) * 1e-6 + 0.001;
    double s3 = hypot(0.010, 0.023) + (82 + 61 + 60) * 1e-6 + 0.001;
    assert_close(d.rq[1].t_first_token, s1 + s2, 1e-12);
    assert_close(d.rq[2].t_first_token, s1 + s2 + s3, 1e-12);
    drv_fini(&d);
    /* whole: the third waits a step, then all 60 go with two decodes */
    p.whole_prompts = 1;
    run_fixed(&d, &p, t, in, out, 3);
    double w2 = hypot(0.010, 0.061) + (81 + 60) * 1e-6 + 0.001;
    double w3 = hypot(0.010, 0.062) + (82 + 61 + 60) * 1e-6 + 0.001;
    assert_close(d.rq[1].t_first_token, s1 + w2, 1e-12);
    assert_close(d.rq[2].t_first_token, s1 + w2 + w3, 1e-12);
    drv_fini(&d);
    /* a prompt longer than the whole budget runs alone, in one step */
    uint32_t big[] = {250}, one[] = {1};
    run_fixed(&d, &p, t, big, one, 1);
    assert_close(d.ttft[0], toy_prefill(0, 250), 1e-12);
    assert_int_equal(serve_stats(d.sv)->steps, 1);
    drv_fini(&d);
}

/* Random arrivals and lengths through both modes. */
static void compare_modes(struct serve_params p, double rate, size_t n,
                          unsigned long seed, double max_event_share)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *t = drv_poisson(r, rate, n);
    uint32_t *in = calloc(n, sizeof *in), *out = calloc(n, sizeof *out);
    assert_non_null(in);
    assert_non_null(out);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++) {
        in[i] = 20 + (uint32_t)gsl_rng_uniform_int(r, 300);
        out[i] = 1 + (uint32_t)gsl_rng_uniform_int(r, 200);
    }
    struct drv a, b;
    p.exact_steps = 0;
    run_fixed(&a, &p, t, in, out, n);
    p.exact_steps = 1;
    run_fixed(&b, &p, t, in, out, n);
    for (size_t i = 0; i < n; i++) {
        assert_close(a.rq[i].x[0], b.rq[i].x[0], 1e-9);
        assert_close(a.rq[i].t_first_token, b.rq[i].t_first_token, 1e-9);
    }
    assert_int_equal(serve_stats(a.sv)->steps, serve_stats(b.sv)->steps);
    assert_int_equal(serve_stats(a.sv)->preemptions,
                     serve_stats(b.sv)->preemptions);
    print_message("events: %lu runs, %lu steps, %lu preemptions\n",
                  (unsigned long)serve_stats(a.sv)->events,
                  (unsigned long)serve_stats(b.sv)->events,
                  (unsigned long)serve_stats(a.sv)->preemptions);
    assert_true((double)serve_stats(a.sv)->events <
                max_event_share * (double)serve_stats(b.sv)->events);
    drv_fini(&a);
    drv_fini(&b);
    free(t);
    free(in);
    free(out);
    gsl_rng_free(r);
}

static void test_gpu_runs_equal_steps_without_jitter(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.max_batch = 16;
    compare_modes(p, 3, 2000, 11, 0.5);
    p.chunk = 128; /* mixed steps */
    compare_modes(p, 3, 2000, 12, 0.5);
    p.chunk = 0;
    p.kv_blocks = 200; /* queueing and preemption */
    compare_modes(p, 3, 2000, 13, 0.5);
    /* 64-token chunks under preemption: most steps carry prompt work (a
     * prompt spans up to five of them), which no run can cover */
    p.chunk = 64;
    compare_modes(p, 3, 2000, 14, 0.75);
    p.chunk = 256; /* whole prompts of up to 319 tokens in 256 */
    p.whole_prompts = 1;
    compare_modes(p, 3, 2000, 18, 0.75);
    p.whole_prompts = 0;
    /* a sliding window shorter than most contexts (20..519 tokens):
     * runs stop where a decoder passes it, and the cache shrinks there;
     * with preemption, then no-evict admission */
    p.chunk = 0;
    p.model.window = 160;
    p.model.window_share = 1;
    compare_modes(p, 3, 2000, 15, 0.75);
    p.no_evict = 1;
    compare_modes(p, 3, 2000, 16, 0.75);
    p.model.window_share = 0.5;
    p.no_evict = 0;
    p.chunk = 128;
    compare_modes(p, 3, 2000, 17, 0.75);
    /* blocks of 12 tokens (not a power of two: residues and block counts
     * by division, not by mask) and of 1; runs longer than a block
     * period, with queueing and preemption, as a step at a time */
    p = toy();
    p.max_batch = 16;
    p.block_tokens = 12;
    compare_modes(p, 3, 2000, 19, 0.5);
    p.kv_blocks = 260;
    compare_modes(p, 3, 2000, 20, 0.75);
    p.block_tokens = 1;
    p.kv_blocks = 3000;
    compare_modes(p, 3, 2000, 21, 0.75);
}

/* Per replication: p50 and p99 of e2e, p99 of TTFT, tokens per second. */
static void rep_figures(const struct serve_params *p, gsl_rng *jit,
                        const double *t, const uint32_t *in,
                        const uint32_t *out, size_t n, double f[4])
{
    struct drv d;
    assert_int_equal(drv_run(&d, p, jit, t, in, out, n), 0);
    f[3] = (double)serve_stats(d.sv)->tokens_out / d.t_last;
    f[0] = drv_quantile(d.e2e, n / 10, d.done, 0.50);
    f[1] = drv_quantile(d.e2e, n / 10, d.done, 0.99);
    f[2] = drv_quantile(d.ttft, n / 10, d.done, 0.99);
    drv_fini(&d);
}

static void test_gpu_runs_agree_with_steps_under_jitter(void **s)
{
    (void)s;
    struct serve_params p = drv_params("L40S", "llama-3-8b",
                                       CATALOG_QUANT_INT4);
    p.perf.jitter = SERVE_JITTER_GAMMA;
    p.perf.jitter_cv = 0.3;
    enum { R = 12, N = 3000 };
    double fig[2][R][4];
    gsl_rng *ar = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng *jit = gsl_rng_alloc(gsl_rng_mt19937);
    uint32_t *in = calloc(N, sizeof *in), *out = calloc(N, sizeof *out);
    assert_non_null(in);
    assert_non_null(out);
    for (int rep = 0; rep < R; rep++) {
        gsl_rng_set(ar, 100 + (unsigned long)rep);
        /* a busy L40S: batches in the tens, queueing at times */
        double *t = drv_poisson(ar, 12.0, N);
        for (size_t i = 0; i < N; i++) {
            in[i] = 100 + (uint32_t)gsl_rng_uniform_int(ar, 500);
            out[i] = 50 + (uint32_t)gsl_rng_uniform_int(ar, 300);
        }
        for (int mode = 0; mode < 2; mode++) {
            p.exact_steps = mode;
            gsl_rng_set(jit, 1000 + 7 * (unsigned long)rep + 3 * mode);
            rep_figures(&p, jit, t, in, out, N, fig[mode][rep]);
        }
        free(t);
    }
    /* Paired differences: within 4 standard errors of zero, and within
     * 3% of the value (the modes share arrivals, not jitter draws). */
    for (int k = 0; k < 4; k++) {
        double m = 0, m2 = 0, base = 0;
        for (int rep = 0; rep < R; rep++) {
            double dlt = fig[0][rep][k] - fig[1][rep][k];
            m += dlt / R;
            m2 += dlt * dlt / R;
            base += fig[1][rep][k] / R;
        }
        double se = sqrt((m2 - m * m) * R / (R - 1) / R);
        print_message("figure %d: runs - steps = %g (se %g) of %g\n", k, m,
                      se, base);
        assert_true(fabs(m) <= 4 * se + 1e-12 || fabs(m) < 0.03 * base);
    }
    free(in);
    free(out);
    gsl_rng_free(ar);
    gsl_rng_free(jit);
}

static void test_gpu_events_per_request_do_not_grow_with_output(void **s)
{
    (void)s;
    struct serve_params p = drv_params("L40S", "llama-3-8b",
                                       CATALOG_QUANT_INT4);
    double per[2];
    uint32_t outs[2] = {100, 1000};
    for (int k = 0; k < 2; k++) {
        enum { N = 2000 };
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r, 5);
        /* the same arrivals: ten times the tokens for the second */
        double *t = drv_poisson(r, 1.5, N);
        uint32_t *in = calloc(N, sizeof *in), *out = calloc(N, sizeof *out);
    assert_non_null(in);
    assert_non_null(out);
        for (size_t i = 0; i < N; i++) {
            in[i] = 300;
            out[i] = outs[k];
        }
        struct drv d;
        run_fixed(&d, &p, t, in, out, N);
        per[k] = (double)serve_stats(d.sv)->events / N;
        assert_true(serve_stats(d.sv)->steps > (uint64_t)N * outs[k] / 64);
        drv_fini(&d);
        free(t);
        free(in);
        free(out);
        gsl_rng_free(r);
    }
    print_message("events per request: %g (100 out), %g (1000 out)\n",
                  per[0], per[1]);
    assert_true(per[1] < 1.5 * per[0]);
    assert_true(per[1] < 4);
}

static void test_gpu_fits_rejects_what_the_cache_cannot_hold(void **s)
{
    (void)s;
    struct serve_params p = toy();
    p.kv_blocks = 8;
    struct serve_hooks h = {NULL, NULL};
    struct serve *sv = serve_new(&p, NULL, &h, NULL);
    assert_non_null(sv);
    assert_true(serve_fits(sv, 100, 28));
    assert_false(serve_fits(sv, 100, 29));
    serve_free(sv);
    p.block_tokens = 0;
    assert_null(serve_new(&p, NULL, &h, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_step_time_is_the_per_operator_roofline),
        cmocka_unit_test(test_gpu_moe_step_reads_only_the_experts_touched),
        cmocka_unit_test(test_gpu_calibration_has_no_fp4_figures_even_with_bf16),
        cmocka_unit_test(test_gpu_sliding_window_caps_reads_and_cache),
        cmocka_unit_test(test_gpu_sliding_window_decode_by_hand),
        cmocka_unit_test(test_gpu_step_time_l40s_llama3_8b_int4_by_hand),
        cmocka_unit_test(test_gpu_tensor_parallel_adds_two_allreduces_per_layer),
        cmocka_unit_test(test_gpu_one_request_alone_ttft_is_its_prefill_step),
        cmocka_unit_test(test_gpu_two_requests_share_the_weight_read),
        cmocka_unit_test(test_gpu_full_cache_makes_the_next_request_wait),
        cmocka_unit_test(test_gpu_cache_exhaustion_preempts_the_newest),
        cmocka_unit_test(test_gpu_chunked_prefill_splits_the_prompt),
        cmocka_unit_test(test_gpu_whole_prompts_wait_instead_of_splitting),
        cmocka_unit_test(test_gpu_no_evict_admits_only_what_can_finish),
        cmocka_unit_test(test_gpu_shared_prefix_is_computed_once),
        cmocka_unit_test(test_gpu_runs_equal_steps_without_jitter),
        cmocka_unit_test(test_gpu_runs_agree_with_steps_under_jitter),
        cmocka_unit_test(test_gpu_events_per_request_do_not_grow_with_output),
        cmocka_unit_test(test_gpu_fits_rejects_what_the_cache_cannot_hold),
    };
    return cmocka_run_group_tests_name("gpu", tests, NULL, NULL);
}
