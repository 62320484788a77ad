/*
 * gpu_backend: the gpu backend kind under the event engine, on a toy GPU
 * and model defined inline (round numbers, no jitter): load-balancer
 * choices on hand-made arrival sequences, replica failure with eviction
 * and retry, the context-window policies, parsing of inline definitions,
 * and the time series handed to the run.
 */
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

#include "models/backend.h"
#include "models/gpu.h"
#include "models/catalog.h"
#include "sim/cfg.h"
#include "sim/mem.h"
#include "sim/sim.h"
#include "sim/tseries.h"

/* 1 GB of FP16 weights read at 100 GB/s: 10 ms a decode step plus 1 ms
 * overhead; prompts at 0.1 ms a token.  A 512-token context window. */
static const char toy_fmt[] =
    "kind: gpu\n"
    "gpu: {name: toy, memory: 10GB, bandwidth: 100GB, flops_fp16: 1e13}\n"
    "model: {name: toy-1b, params: 5e8, layers: 2, hidden: 1000, heads: 10,\n"
    "        kv_heads: 10, context: 512, vocab: 0}\n"
    "efficiency: {bandwidth: 1, compute: 1, overhead: 1ms,\n"
    "             jitter: {dist: none}}\n"
    "%s\n";

/* A seed whose failure stream fails one replica while the requests below
 * are in service and the other only after the horizon (found by trying
 * seeds; the test checks both). */
#define FAILURE_SEED 12

#define MAX_REQ 64

struct seen {
    int done, outcome, replica;
    uint32_t attempts, in, out;
    double t_done, t_first, t_start;
};

struct harness {
    struct cfg_doc *doc;
    void *cfg;
    struct sim *s;
    void *g;
    struct backend_env env;
    struct backend_figures fig;
    size_t n;
    double t[MAX_REQ];
    uint32_t in[MAX_REQ], out[MAX_REQ];
    struct seen seen[MAX_REQ];
};

static void h_done(struct sim *s, void *ctx, struct request *r,
                   enum backend_outcome outcome)
{
    struct harness *h = ctx;
    struct seen *w = &h->seen[r->id];

    assert_false(w->done);
    w->done = 1;
    w->outcome = (int)outcome;
    w->replica = outcome == BACKEND_DONE ? (int)r->x[0] : -1;
    w->attempts = r->attempts;
    w->in = r->input_tokens;
    w->out = r->output_tokens;
    w->t_done = sim_now(s);
    w->t_first = r->t_first_token;
    w->t_start = r->t_start;
    sim_request_free(s, r);
}

static void h_arrive(struct sim *s, void *ctx, void *arg)
{
    struct harness *h = ctx;
    struct request *r = sim_request_new(s);
    size_t i = (size_t)(uintptr_t)arg;

    assert_non_null(r);
    assert_int_equal(r->id, i);
    r->backend = 0;
    r->input_tokens = h->in[i];
    r->output_tokens = h->out[i];
    r->t_enqueue = sim_now(s);
    gpu_backend_kind.submit(s, h->g, r);
}

/* Parses the toy backend with extra YAML lines; 0 or SLM_EINPUT (d has
 * why). */
static int h_parse(struct harness *h, const char *extra, struct diag *d)
{
    char text[2048];
    int len = snprintf(text, sizeof text, toy_fmt, extra);

    memset(h, 0, sizeof *h);
    assert_int_equal(cfg_load_buffer("toy.yaml", text, (size_t)len, d,
                                     &h->doc), 0);
    return gpu_backend_kind.parse(cfg_doc_root(h->doc), "backends.local",
                                  &h->cfg, d);
}

/* Runs the n requests (times, tokens in h) to the horizon, seed given,
 * filling the time series or not (sim_set_series). */
static void h_run_series(struct harness *h, double horizon, uint64_t seed,
                         int series)
{
    struct sim_config sc = {seed, 0, horizon, 0};

    h->s = sim_new(&sc);
    assert_non_null(h->s);
    sim_set_series(h->s, series);
    h->env.done = h_done;
    h->env.ctx = h;
    h->g = gpu_backend_kind.create(h->s, h->cfg, "local", &h->env);
    assert_non_null(h->g);
    for (size_t i = 0; i < h->n; i++)
        sim_schedule_at(h->s, h->t[i], h_arrive, h, (void *)(uintptr_t)i);
    assert_int_equal(sim_run(h->s), 0);
    gpu_backend_kind.collect(h->g, h->s, &h->fig);
}

static void h_run(struct harness *h, double horizon, uint64_t seed)
{
    h_run_series(h, horizon, seed, 1);
}

static void h_fini(struct harness *h)
{
    if (h->g)
        gpu_backend_kind.destroy(h->g);
    sim_free(h->s);
    if (h->cfg)
        gpu_backend_kind.cfg_free(h->cfg);
    cfg_doc_free(h->doc);
}

static double h_figure(const struct harness *h, const char *key)
{
    for (size_t i = 0; i < h->fig.n; i++)
        if (!strcmp(h->fig.f[i].key, key))
            return h->fig.f[i].value;
    fail_msg("no figure '%s'", key);
    return 0;
}

static void h_add(struct harness *h, double t, uint32_t in, uint32_t out)
{
    h->t[h->n] = t;
    h->in[h->n] = in;
    h->out[h->n] = out;
    h->n++;
}

/* The balancer test sequence on two replicas.  Long: 10 tokens in, 400
 * out (4.4 s and more); heavy: 500 in, 2 out (a 61 ms prefill step, done
 * within 0.2 s); short: 10 in, 2 out.  An idle replica admits at once; a
 * busy one queues until its step ends (the first at 11 ms).
 *   A long 0, B heavy 1 ms, C long 2 ms, D heavy 3 ms, E long 4 ms:
 *     ties go to replica 0, so it ends with A, C, E and replica 1 with B,
 *     D, which are done by 1 s;
 *   F heavy 1 s: to the idle replica 1 (running 1);
 *   G short 1.001 s: replica 0 runs 3, replica 1 runs F (waits there);
 *   H short 1.002 s: replica 0 runs 3, waits 0; replica 1 runs 1, waits 1:
 *     outstanding says 1, the queue says 0. */
static void balancer_run(const char *balancer, const int want[8])
{
    static const double t[8] = {0, 0.001, 0.002, 0.003, 0.004,
                                1.0, 1.001, 1.002};
    static const uint32_t in[8] = {10, 500, 10, 500, 10, 500, 10, 10};
    static const uint32_t out[8] = {400, 2, 400, 2, 400, 2, 2, 2};
    struct harness h;
    char extra[128];
    struct diag d;

    diag_init(&d, stderr);
    snprintf(extra, sizeof extra, "count: 2\nbalancer: %s", balancer);
    assert_int_equal(h_parse(&h, extra, &d), 0);
    for (size_t i = 0; i < 8; i++)
        h_add(&h, t[i], in[i], out[i]);
    h_run(&h, 100.0, 1);
    for (size_t i = 0; i < h.n; i++) {
        assert_true(h.seen[i].done);
        assert_int_equal(h.seen[i].outcome, BACKEND_DONE);
        if (h.seen[i].replica != want[i])
            fail_msg("%s: request %c on replica %d, expected %d", balancer,
                     (int)('A' + i), h.seen[i].replica, want[i]);
    }
    h_fini(&h);
}

static void test_gpu_backend_round_robin_alternates(void **state)
{
    static const int want[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    (void)state;
    balancer_run("round-robin", want);
}

/* G and H go to the replica with fewer requests, waiting or running. */
static void test_gpu_backend_least_outstanding_picks_the_emptier(void **st)
{
    static const int want[8] = {0, 1, 0, 1, 0, 1, 1, 1};
    (void)st;
    balancer_run("least-outstanding", want);
}

/* As least-outstanding until H: the shorter queue wins over the smaller
 * batch. */
static void test_gpu_backend_join_shortest_queue_counts_the_queue(void **st)
{
    static const int want[8] = {0, 1, 0, 1, 0, 1, 1, 0};
    (void)st;
    balancer_run("join-shortest-queue", want);
}

/* A seed with exactly one failure in the horizon, while both replicas
 * hold requests: the failed one's requests move to the other (the failed
 * one stays down for 1000 h) and every request finishes exactly once. */
static void test_gpu_backend_failure_evicts_and_retries_elsewhere(void **st)
{
    struct harness h;
    struct diag d;
    uint64_t attempts = 0;
    int survivor = -1;
    (void)st;

    diag_init(&d, stderr);
    assert_int_equal(h_parse(&h, "count: 2\nfailures: {mtbf: 40s, mttr: "
                                 "1000h}", &d), 0);
    for (int i = 0; i < 40; i++)
        h_add(&h, 0.5 * i, 100, 200);
    h_run(&h, 120.0, FAILURE_SEED);
    assert_int_equal(h_figure(&h, "replica_failures"), 1);
    assert_true(h_figure(&h, "retries") >= 1);
    for (size_t i = 0; i < h.n; i++) {
        assert_true(h.seen[i].done);
        assert_int_equal(h.seen[i].outcome, BACKEND_DONE);
        attempts += h.seen[i].attempts;
        if (h.seen[i].attempts == 0)
            continue;
        if (survivor < 0)
            survivor = h.seen[i].replica;
        assert_int_equal(h.seen[i].replica, survivor);
    }
    assert_int_equal(attempts, (uint64_t)h_figure(&h, "retries"));
    h_fini(&h);
}

/* 400 + 200 tokens against a 512-token window. */
static void context_run(const char *policy, struct harness *h)
{
    char extra[128];
    struct diag d;

    diag_init(&d, stderr);
    snprintf(extra, sizeof extra, "serving: {context_policy: %s}", policy);
    assert_int_equal(h_parse(h, extra, &d), 0);
    h_add(h, 0.0, 400, 200);
    h_add(h, 0.1, 600, 10);
    h_add(h, 0.2, 100, 100);
    h_run(h, 100.0, 1);
}

static void test_gpu_backend_context_reject_is_counted(void **state)
{
    struct harness h;
    (void)state;

    context_run("reject", &h);
    assert_int_equal(h.seen[0].outcome, BACKEND_REJECTED);
    assert_int_equal(h.seen[1].outcome, BACKEND_REJECTED);
    assert_int_equal(h.seen[2].outcome, BACKEND_DONE);
    assert_int_equal(h_figure(&h, "rejected"), 2);
    assert_int_equal(h_figure(&h, "truncated"), 0);
    h_fini(&h);
}

/* The prompt keeps its last 511 tokens at most; the answer stops at the
 * window. */
static void test_gpu_backend_context_truncate_is_counted(void **state)
{
    struct harness h;
    (void)state;

    context_run("truncate", &h);
    for (int i = 0; i < 3; i++)
        assert_int_equal(h.seen[i].outcome, BACKEND_DONE);
    assert_int_equal(h.seen[0].in, 400);
    assert_int_equal(h.seen[0].out, 112);
    assert_int_equal(h.seen[1].in, 511);
    assert_int_equal(h.seen[1].out, 1);
    assert_int_equal(h.seen[2].out, 100);
    assert_int_equal(h_figure(&h, "rejected"), 0);
    assert_int_equal(h_figure(&h, "truncated"), 2);
    h_fini(&h);
}

/* Cache: 10 GB * 0.9 - 2 GB reserve - 1 GB of weights, at 2 layers * 2
 * (K, V) * 10 heads * 100 dims * 2 bytes = 8,000 bytes a token. */
static void test_gpu_backend_inline_definitions_parse(void **state)
{
    struct harness h;
    struct diag d;
    char desc[256];
    (void)state;

    diag_init(&d, stderr);
    assert_int_equal(h_parse(&h, "count: 3\ntensor_parallel: 1\n"
                             "serving: {activation_reserve: 2GB}", &d), 0);
    gpu_backend_kind.describe(h.cfg, desc, sizeof desc);
    assert_non_null(strstr(desc, "3 x toy, toy-1b fp16"));
    /* efficiency.overhead given, layer_overhead left at its default */
    assert_non_null(strstr(desc, "100 GB/s, 10 TFLOP/s, overhead 1 ms a step "
                                 "+ 42 us a layer"));
    assert_int_equal(gpu_cfg_replicas(h.cfg), 3);
    h_add(&h, 0.0, 10, 2);
    h_run(&h, 10.0, 1);
    assert_close(h_figure(&h, "kv.capacity_tokens"), 6e9 / 8000, 1e-12);
    assert_close(h_figure(&h, "gpus"), 3, 0);
    h_fini(&h);
}

/* The description of a backend given as YAML text (it must parse). */
static void h_describe(const char *text, char *desc, size_t size)
{
    struct cfg_doc *doc;
    struct diag d;
    void *cfg;

    diag_init(&d, stderr);
    assert_int_equal(cfg_load_buffer("a.yaml", text, strlen(text), &d, &doc),
                     0);
    assert_int_equal(gpu_backend_kind.parse(cfg_doc_root(doc),
                                            "backends.local", &cfg, &d), 0);
    gpu_backend_kind.describe(cfg, desc, size);
    gpu_backend_kind.cfg_free(cfg);
    cfg_doc_free(doc);
}

/* Without a calibration file or efficiency.overhead a step costs 42 us a
 * layer and nothing per step (GPU_DEFAULT_LAYER_OVERHEAD, models/gpu.h). */
static void test_gpu_backend_default_overhead_is_per_layer(void **state)
{
    char desc[512];
    (void)state;

    h_describe("kind: gpu\ngpu: L40S\nmodel: llama-3-8b\nquant: int4\n",
               desc, sizeof desc);
    assert_non_null(strstr(desc, "overhead 0 ms a step + 42 us a layer"));
}

/* ", attention R TFLOP/s" at a format's default efficiency and peak. */
static void want_attention(char *want, size_t size, enum catalog_arch a,
                           enum catalog_quant q, double peak)
{
    snprintf(want, size, ", attention %.4g TFLOP/s",
             catalog_efficiency_default(a, q).compute * peak / 1e12);
}

/* Attention runs in the KV cache's format (models/gpu.c
 * gpu_attn_format): weight-only AWQ int4 on an L40S keeps its FP16
 * attention at the Ada FP16 rate, not at the AWQ kernel's third of it;
 * FP4 weights on a B200 with an FP8 cache multiply attention in FP8; FP8
 * weights with an FP16 cache attend in FP16.  The description gives the
 * attention rate when it is not the weights'. */
static void test_gpu_backend_attention_runs_in_the_cache_format(void **state)
{
    char desc[512], want[64];
    const struct gpu_spec *l40s = catalog_gpu_find("L40S");
    const struct gpu_spec *b200 = catalog_gpu_find("B200");
    (void)state;

    assert_non_null(l40s);
    assert_non_null(b200);
    h_describe("kind: gpu\ngpu: L40S\nmodel: llama-3-8b\nquant: int4\n"
               "int4_kernel: awq\n", desc, sizeof desc);
    want_attention(want, sizeof want, l40s->arch, CATALOG_QUANT_FP16,
                   l40s->flops_fp16);
    assert_non_null(strstr(desc, want));
    h_describe("kind: gpu\ngpu: B200\nmodel: llama-3.3-70b\nquant: fp4\n"
               "kv_cache: fp8\n", desc, sizeof desc);
    want_attention(want, sizeof want, b200->arch, CATALOG_QUANT_FP8,
                   b200->flops_fp8);
    assert_non_null(strstr(desc, want));
    h_describe("kind: gpu\ngpu: L40S\nmodel: llama-3-8b\nquant: fp8\n",
               desc, sizeof desc);
    want_attention(want, sizeof want, l40s->arch, CATALOG_QUANT_FP16,
                   l40s->flops_fp16);
    assert_non_null(strstr(desc, want));
    /* FP16 weights and cache: one rate, nothing more said */
    h_describe("kind: gpu\ngpu: L40S\nmodel: llama-3-8b\n", desc,
               sizeof desc);
    assert_null(strstr(desc, "attention"));
}

/* Without activation_reserve the memory beside weights and cache is the
 * stated term: vLLM's default token budget on a small card (2,048) times
 * 4 x hidden FP16 values (the toy has no MLP and no vocabulary), plus
 * 1 GiB of CUDA graphs and runtime: 10 GB * 0.9 - 1 GB - 16,384,000 B -
 * 1 GiB, at 8,000 bytes a token. */
static void test_gpu_backend_activation_memory_is_a_stated_term(void **state)
{
    struct harness h;
    struct diag d;
    (void)state;

    diag_init(&d, stderr);
    assert_int_equal(h_parse(&h, "", &d), 0);
    h_add(&h, 0.0, 10, 2);
    h_run(&h, 10.0, 1);
    double kv = 10e9 * 0.9 - 1e9 - 2048.0 * 4 * 1000 * 2 -
                1024.0 * 1024 * 1024;
    assert_close(h_figure(&h, "kv.capacity_tokens"),
                 floor(kv / 8000 / 16) * 16, 1e-12);
    h_fini(&h);
    /* TensorRT-LLM's fraction is of what is left after weights and
     * activations (its token budget 8,192, its 32-token blocks) */
    assert_int_equal(h_parse(&h, "serving: {engine: trtllm}", &d), 0);
    h_add(&h, 0.0, 10, 2);
    h_run(&h, 10.0, 1);
    kv = 0.9 * (10e9 - 1e9 - 8192.0 * 4 * 1000 * 2 - 1024.0 * 1024 * 1024);
    assert_close(h_figure(&h, "kv.capacity_tokens"),
                 floor(kv / 8000 / 32) * 32, 1e-12);
    h_fini(&h);
}

/* Parses and runs a catalog gpu/model pair: four requests to the end. */
static void swap_run(const char *gpu, const char *model, const char *extra)
{
    struct harness h;
    struct diag d;
    char text[512];
    int len = snprintf(text, sizeof text,
                       "kind: gpu\ngpu: %s\nmodel: %s\n%s\n", gpu, model,
                       extra);

    memset(&h, 0, sizeof h);
    diag_init(&d, stderr);
    assert_int_equal(cfg_load_buffer("swap.yaml", text, (size_t)len, &d,
                                     &h.doc), 0);
    if (gpu_backend_kind.parse(cfg_doc_root(h.doc), "backends.local", &h.cfg,
                               &d) != 0)
        fail_msg("%s with %s does not parse", gpu, model);
    for (int i = 0; i < 4; i++)
        h_add(&h, 0.01 * i, 300, 50);
    h_run(&h, 60.0, 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(h.seen[i].outcome, BACKEND_DONE);
    assert_true(h_figure(&h, "token_utilization") > 0);
    assert_true(h_figure(&h, "token_utilization") <= 1);
    h_fini(&h);
}

/* int4 at batch > 1: the FP16 rate times Ada's FP16 efficiency (0.50)
 * times the kernel family's factor: Marlin 0.90 by default, AWQ 0.33. */
static void test_gpu_backend_int4_kernel_sets_the_compute_rate(void **state)
{
    const char *const kernels[] = {"", "int4_kernel: awq",
                                   "int4_kernel: gptq-exllama"};
    const double factor[] = {0.90, 0.33, 0.60};
    (void)state;
    for (int k = 0; k < 3; k++) {
        struct harness h;
        struct diag d;
        char text[256], desc[512], want[64];
        int len = snprintf(text, sizeof text,
                           "kind: gpu\ngpu: L40S\nmodel: llama-3-8b\n"
                           "quant: int4\n%s\n", kernels[k]);
        memset(&h, 0, sizeof h);
        diag_init(&d, stderr);
        assert_int_equal(cfg_load_buffer("k.yaml", text, (size_t)len, &d,
                                         &h.doc), 0);
        assert_int_equal(gpu_backend_kind.parse(cfg_doc_root(h.doc),
                                                "backends.local", &h.cfg, &d),
                         0);
        gpu_backend_kind.describe(h.cfg, desc, sizeof desc);
        snprintf(want, sizeof want, "%.4g TFLOP/s",
                 362.05 * 0.50 * factor[k]);
        if (!strstr(desc, want))
            fail_msg("'%s' not in '%s'", want, desc);
        h_fini(&h);
    }
}

/* token_utilization's denominator is the throughput the model reaches at
 * saturation: 60 requests queued at once on one replica come out at
 * max_tokens_per_s within 10% over their makespan (the ramp-up and the
 * draining tail cost the rest). */
static void test_gpu_backend_max_tokens_per_s_is_the_saturated_rate(void **st)
{
    struct harness h;
    struct diag d;
    (void)st;

    diag_init(&d, stderr);
    assert_int_equal(h_parse(&h, "serving: {max_batch: 8}", &d), 0);
    for (int i = 0; i < 60; i++)
        h_add(&h, 0.0, 40, 60);
    h_run(&h, 100.0, 1);
    double rate = 60.0 * 60 / h_figure(&h, "makespan");
    assert_close(rate, h_figure(&h, "max_tokens_per_s"), 0.10);
    assert_close(h_figure(&h, "token_utilization"),
                 60.0 * 60 / 100.0 / h_figure(&h, "max_tokens_per_s"), 1e-9);
    h_fini(&h);
}

/* A purchasing study swaps gpu: across the whole catalog: every GPU runs
 * a small model in every weight format it can hold, and every model runs
 * on the largest card (the 70B class in 8 bits). */
static void test_gpu_backend_every_catalog_gpu_and_model_runs(void **state)
{
    (void)state;
    const char *const *gpus = catalog_gpu_names();
    for (size_t i = 0; i < catalog_gpu_count(); i++) {
        swap_run(gpus[i], "llama-3.2-1b", "quant: fp16");
        swap_run(gpus[i], "llama-3.2-1b", "quant: int4");
        swap_run(gpus[i], "llama-3.2-1b", "quant: fp8\nkv_cache: fp8");
        swap_run(gpus[i], "llama-3.2-1b",
                 "quant: fp16\nserving: {engine: trtllm}");
    }
    const char *const *models = catalog_model_names();
    for (size_t i = 0; i < catalog_model_count(); i++)
        swap_run("B200", models[i], "quant: fp8");
    swap_run("H100-SXM", "llama-3.1-70b", "quant: fp16\ntensor_parallel: 4");
    swap_run("L40S", "mixtral-8x7b", "quant: int4\nint4_kernel: awq");
}

static void test_gpu_backend_inline_gpu_errors_are_located(void **state)
{
    struct harness h;
    struct diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char text[1024];
    (void)state;

    assert_non_null(f);
    diag_init(&d, f);
    memset(&h, 0, sizeof h);
    snprintf(text, sizeof text, "kind: gpu\n"
             "gpu: {memory: 10GB, bandwith: 100GB, flops_fp16: 1e13}\n"
             "model: llama-3-8b\n");
    assert_int_equal(cfg_load_buffer("toy.yaml", text, strlen(text), &d,
                                     &h.doc), 0);
    assert_int_equal(gpu_backend_kind.parse(cfg_doc_root(h.doc),
                                            "backends.local", &h.cfg, &d),
                     SLM_EINPUT);
    fclose(f);
    assert_string_equal(buf,
        "toy.yaml:2:21: error: unknown key 'bandwith' in backends.local.gpu "
        "(did you mean 'bandwidth'?)\n"
        "toy.yaml:2:6: error: missing required key 'bandwidth' in "
        "backends.local.gpu\n");
    free(buf);
    h_fini(&h);
}

/* serving.frontend_latency moves every request's first token and its
 * completion by exactly its figure and nothing else: service starts when
 * it did (the queue is the same), and the GPU's figures are unchanged.
 * Three requests queue behind max_batch 1. */
static void frontend_run(const char *extra, struct harness *h)
{
    struct diag d;
    diag_init(&d, stderr);
    assert_int_equal(h_parse(h, extra, &d), 0);
    h_add(h, 0.0, 100, 20);
    h_add(h, 0.001, 10, 5);
    h_add(h, 0.002, 200, 3);
    h_run(h, 100.0, 3);
}

static void test_gpu_backend_frontend_latency_delays_the_answer_only(
    void **state)
{
    struct harness a, b;
    (void)state;

    frontend_run("serving: {max_batch: 1}", &a);
    frontend_run("serving: {max_batch: 1, frontend_latency: 50ms}", &b);
    for (size_t i = 0; i < 3; i++) {
        assert_true(a.seen[i].done && b.seen[i].done);
        assert_int_equal(b.seen[i].outcome, BACKEND_DONE);
        assert_close(b.seen[i].t_start, a.seen[i].t_start, 1e-15);
        assert_close(b.seen[i].t_first - a.seen[i].t_first, 0.05, 1e-12);
        assert_close(b.seen[i].t_done - a.seen[i].t_done, 0.05, 1e-12);
    }
    /* the queue is the engine's: the second waits for the first's slot */
    assert_true(a.seen[1].t_start >= a.seen[0].t_done - 1e-12);
    assert_close(h_figure(&b, "steps"), h_figure(&a, "steps"), 0);
    assert_close(h_figure(&b, "makespan") - h_figure(&a, "makespan"), 0.05,
                 1e-12);
    char desc[512];
    gpu_backend_kind.describe(b.cfg, desc, sizeof desc);
    assert_non_null(strstr(desc, "front end 50 ms a request"));
    assert_close(gpu_cfg_frontend(b.cfg), 0.05, 0);
    assert_close(gpu_cfg_frontend(a.cfg), 0, 0);
    h_fini(&a);
    h_fini(&b);
}

static void test_gpu_backend_negative_frontend_latency_is_located(
    void **state)
{
    struct harness h;
    struct diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    (void)state;

    assert_non_null(f);
    diag_init(&d, f);
    assert_int_equal(h_parse(&h, "serving: {frontend_latency: -5ms}", &d),
                     SLM_EINPUT);
    fclose(f);
    assert_non_null(strstr(buf, "toy.yaml:7:"));
    assert_non_null(strstr(buf, "frontend_latency"));
    free(buf);
    h_fini(&h);
}

/* The series change hands after collect: four of them, named as
 * results.json's keys, the arrivals all counted. */
static void test_gpu_backend_hands_its_time_series_to_the_run(void **st)
{
    struct harness h;
    struct diag d;
    const char *names[] = {"arrivals", "queue", "batch", "kv"};
    double arrivals = 0;
    (void)st;

    diag_init(&d, stderr);
    assert_int_equal(h_parse(&h, "count: 2", &d), 0);
    for (int i = 0; i < 30; i++)
        h_add(&h, 7.0 * i, 100, 50);
    h_run(&h, 600.0, 1);
    assert_non_null(gpu_backend_kind.binding(h.g));
    struct tseries *ts = gpu_backend_kind.extras(h.g);
    assert_non_null(ts);
    assert_null(gpu_timeseries(h.g));
    assert_int_equal(tseries_nseries(ts), 4);
    assert_int_equal(tseries_buckets(ts), 10);
    for (size_t s = 0; s < 4; s++)
        assert_string_equal(tseries_name(ts, s), names[s]);
    for (size_t i = 0; i < 10; i++)
        arrivals += tseries_value(ts, 0, i);
    assert_close(arrivals, 30, 0);
    gpu_backend_kind.extras_free(ts);
    h_fini(&h);
}

/* A run that keeps no series makes none, and its figures are the same
 * bits as those of a run that fills them. */
static void test_gpu_backend_without_series_gives_the_same_figures(void **st)
{
    struct harness a, b;
    struct diag d;
    (void)st;

    diag_init(&d, stderr);
    assert_int_equal(h_parse(&a, "count: 2", &d), 0);
    assert_int_equal(h_parse(&b, "count: 2", &d), 0);
    for (int i = 0; i < MAX_REQ; i++) {
        h_add(&a, 1.3 * i, 100 + 7 * (i % 5), 50 + 11 * (i % 3));
        h_add(&b, 1.3 * i, 100 + 7 * (i % 5), 50 + 11 * (i % 3));
    }
    h_run_series(&a, 600.0, 3, 1);
    h_run_series(&b, 600.0, 3, 0);
    assert_non_null(gpu_timeseries(a.g));
    assert_null(gpu_timeseries(b.g));
    assert_null(gpu_backend_kind.extras(b.g));
    assert_int_equal(a.fig.n, b.fig.n);
    assert_true(a.fig.n > 0);
    for (size_t i = 0; i < a.fig.n; i++) {
        assert_string_equal(a.fig.f[i].key, b.fig.f[i].key);
        assert_memory_equal(&a.fig.f[i].value, &b.fig.f[i].value,
                            sizeof(double));
    }
    h_fini(&a);
    h_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_backend_round_robin_alternates),
        cmocka_unit_test(test_gpu_backend_least_outstanding_picks_the_emptier),
        cmocka_unit_test(test_gpu_backend_join_shortest_queue_counts_the_queue),
        cmocka_unit_test(test_gpu_backend_failure_evicts_and_retries_elsewhere),
        cmocka_unit_test(test_gpu_backend_context_reject_is_counted),
        cmocka_unit_test(test_gpu_backend_context_truncate_is_counted),
        cmocka_unit_test(test_gpu_backend_inline_definitions_parse),
        cmocka_unit_test(test_gpu_backend_default_overhead_is_per_layer),
        cmocka_unit_test(test_gpu_backend_activation_memory_is_a_stated_term),
        cmocka_unit_test(test_gpu_backend_every_catalog_gpu_and_model_runs),
        cmocka_unit_test(test_gpu_backend_max_tokens_per_s_is_the_saturated_rate),
        cmocka_unit_test(test_gpu_backend_int4_kernel_sets_the_compute_rate),
        cmocka_unit_test(test_gpu_backend_inline_gpu_errors_are_located),
        cmocka_unit_test(test_gpu_backend_attention_runs_in_the_cache_format),
        cmocka_unit_test(
            test_gpu_backend_frontend_latency_delays_the_answer_only),
        cmocka_unit_test(
            test_gpu_backend_negative_frontend_latency_is_located),
        cmocka_unit_test(test_gpu_backend_hands_its_time_series_to_the_run),
        cmocka_unit_test(test_gpu_backend_without_series_gives_the_same_figures),
    };
    return cmocka_run_group_tests_name("gpu_backend", tests, NULL, NULL);
}
