#include "models/gpu.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "models/calib.h"
#include "models/catalog.h"
#include "models/downlog.h"
#include "models/outage.h"
#include "models/serve.h"
#include "models/workload.h"
#include "sim/dist.h"
#include "sim/mem.h"
#include "sim/rng.h"

enum { LB_ROUND_ROBIN, LB_LEAST_OUTSTANDING, LB_JSQ };
static const char *const lb_names[] = {"round-robin", "least-outstanding",
                                       "join-shortest-queue"};
enum { CTX_REJECT, CTX_TRUNCATE };
static const char *const ctx_names[] = {"reject", "truncate"};
static const char *const jitter_names[] = {"none", "gamma", "lognormal",
                                           "deterministic"};

/* Without a calibration file the effective rates are the datasheet's
 * times the architecture's and format's efficiencies
 * (catalog_efficiency_default, a table with its sources), int4 times its
 * kernel family's factor.  Beyond the rooflines a step costs 42 us a
 * layer and nothing per step: a layer's ten-odd kernels each leave a
 * launch gap and a tail under CUDA graphs, and the engines overlap their
 * scheduling with the GPU.  The figure is batch-1 decode beyond the
 * weight read at 0.8 of the bandwidth: vLLM 0.23 on an L4, Qwen2.5-0.5B
 * (24 layers), 5.1 ms a token against 4.1 ms (ai.wmx.dev; 1.0 ms, 42 us
 * a layer); it predicts TurboMind's Llama-2-7B on an A100 (32 layers:
 * 9.6 ms against 9-10 ms) and the 80-layer 70B rows within 3-5%
 * (docs/validation.md, fourth round), and BLIS's fit for vLLM on H100
 * has the same form and size (32.1 us a layer and 126 us a step).  It
 * replaces a flat 2 ms a step (ASSUMED), which was 2x too much at 24
 * layers and 1.4 ms too little at 80 (GPU_DEFAULT_LAYER_OVERHEAD and
 * GPU_DEFAULT_OVERHEAD, models/gpu.h). */
#define DEF_JITTER_CV 0.05

/* Memory besides weights and cache, per GPU, when activation_reserve is
 * not given (a stated term, docs/internals/serve.md): the profile run's
 * activation peak for a full token budget T, T (4 hidden + 2 mlp / tp)
 * FP16 values (residual, attention output and the MLP's gate and up
 * projections live at once), FP32 logits of min(max_batch, T) sampled
 * rows, and GPU_RUNTIME_BYTES for CUDA graphs (vLLM logs 0.3-1 GiB for
 * their capture), the cuBLAS workspace, NCCL buffers and the CUDA
 * context, ASSUMED 1 GiB. */
#define GPU_RUNTIME_BYTES (1024.0 * 1024 * 1024)

#define GPU_MAX_PREFIX_TASKS 64

struct gpu_cfg {
    struct gpu_spec gpu;
    struct model_spec model;
    char *gpu_name, *model_name; /* owned; the specs' names point here */
    enum catalog_quant quant;
    enum catalog_kv_dtype kv;
    long count, tp;
    int balancer, context_policy;
    double mtbf, mttr; /* s; mtbf 0: no failures */
    struct serve_params sp;
    int calibrated, measured;
    char *cal_path; /* owned, NULL without a file */
    int engine;                  /* ENGINE_* */
    enum catalog_int4_kernel int4_kernel;
    struct serve_memory mem;     /* how the KV cache is sized */
    /* serving.shared_prefix: tokens each named task's prompts share */
    size_t nprefix;
    char *prefix_task[GPU_MAX_PREFIX_TASKS];  /* owned */
    uint32_t prefix_len[GPU_MAX_PREFIX_TASKS];
    int prefix_caching; /* serving.prefix_caching (block hashes) */
    double frontend;    /* serving.frontend_latency, s; 0: not modelled */
};

/* ---- parsing ---- */

static int parse_gpu_inline(const struct cfg_node *n, const char *where,
                            struct gpu_spec *g, struct diag *d)
{
    static const char *const keys[] = {
        "name", "memory", "bandwidth", "flops_fp16", "flops_fp8", "ops_int8",
        "interconnect", "tdp", "idle_power", "price"};
    int bad = cfg_check_keys(n, where, keys, 10, d) > 0;
    const char *name = "custom";
    memset(g, 0, sizeof *g);
    g->interconnect = 32e9;
    bad |= cfg_get_string(n, "name", where, 0, &name, d) < 0;
    bad |= cfg_get_bytes(n, "memory", where, CFG_REQUIRED | CFG_POSITIVE,
                         &g->memory, d) < 0;
    bad |= cfg_get_bytes(n, "bandwidth", where, CFG_REQUIRED | CFG_POSITIVE,
                         &g->bandwidth, d) < 0;
    bad |= cfg_get_number(n, "flops_fp16", where, CFG_REQUIRED | CFG_POSITIVE,
                          &g->flops_fp16, d) < 0;
    bad |= cfg_get_number(n, "flops_fp8", where, CFG_NONNEG, &g->flops_fp8,
                          d) < 0;
    bad |= cfg_get_number(n, "ops_int8", where, CFG_NONNEG, &g->ops_int8,
                          d) < 0;
    bad |= cfg_get_bytes(n, "interconnect", where, CFG_POSITIVE,
                         &g->interconnect, d) < 0;
    bad |= cfg_get_number(n, "tdp", where, CFG_NONNEG, &g->tdp, d) < 0;
    bad |= cfg_get_number(n, "idle_power", where, CFG_NONNEG, &g->idle_power,
                          d) < 0;
    bad |= cfg_get_number(n, "price", where, CFG_NONNEG, &g->price, d) < 0;
    g->name = name; /* borrowed from the document until copied */
    /* An inline card is taken at its word: it exposes all its memory, and
     * its prices are the scenario's. */
    g->memory_usable = g->memory;
    g->arch = CATALOG_ARCH_AMPERE;
    g->link = g->interconnect > 100e9 ? CATALOG_LINK_NVLINK3
                                      : CATALOG_LINK_PCIE4;
    g->source = g->price_source = g->rent_source = "scenario (inline gpu)";
    g->price_date = "";
    g->unverified = NULL;
    return bad ? -1 : 0;
}

static int get_int(const struct cfg_node *n, const char *key,
                   const char *where, unsigned flags, long lo, long hi,
                   int *out, struct diag *d)
{
    long v = *out;
    int rc = cfg_get_int(n, key, where, flags, lo, hi, &v, d);
    if (rc == 0)
        *out = (int)v;
    return rc;
}

static int parse_model_inline(const struct cfg_node *n, const char *where,
                              struct model_spec *m, struct diag *d)
{
    static const char *const keys[] = {
        "name", "params", "layers", "hidden", "heads", "kv_heads",
        "head_dim", "mlp", "vocab", "tied_embeddings", "context"};
    int bad = cfg_check_keys(n, where, keys, 11, d) > 0;
    const char *name = "custom";
    unsigned req = CFG_REQUIRED;
    memset(m, 0, sizeof *m);
    bad |= cfg_get_string(n, "name", where, 0, &name, d) < 0;
    bad |= cfg_get_number(n, "params", where, req | CFG_POSITIVE, &m->params,
                          d) < 0;
    bad |= get_int(n, "layers", where, req, 1, 1000, &m->layers, d) < 0;
    bad |= get_int(n, "hidden", where, req, 1, 1 << 20, &m->hidden, d) < 0;
    bad |= get_int(n, "heads", where, req, 1, 4096, &m->heads, d) < 0;
    bad |= get_int(n, "kv_heads", where, req, 1, 4096, &m->kv_heads, d) < 0;
    bad |= get_int(n, "context", where, req, 16, 1 << 24, &m->context, d) < 0;
    m->head_dim = m->heads > 0 ? m->hidden / m->heads : 0;
    bad |= get_int(n, "head_dim", where, 0, 1, 4096, &m->head_dim, d) < 0;
    bad |= get_int(n, "mlp", where, 0, 1, 1 << 22, &m->mlp, d) < 0;
    bad |= get_int(n, "vocab", where, 0, 0, 1 << 24, &m->vocab, d) < 0;
    bad |= cfg_get_bool(n, "tied_embeddings", where, 0, &m->tied_embeddings,
                        d) < 0;
    m->name = name;
    return bad ? -1 : 0;
}

/* "unknown gpu 'L40' in backends.local (catalog: L40S, L4, ...; or define
 * it inline as a mapping; did you mean 'L40S'?)", the list from the
 * catalog itself so that it never falls out of date. */
static void unknown_entry(const struct cfg_node *n, const char *what,
                          const char *where, const char *const *names,
                          size_t count, struct diag *d)
{
    char list[512] = "", hints[256];
    size_t len = 0;
    const char *s = diag_suggest_list(n->scalar, names, count, hints,
                                      sizeof hints) ? hints : NULL;
    for (size_t i = 0; i < count && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                i ? ", " : "", names[i]);
    diag_error(d, &n->pos,
               "unknown %s '%s' in %s (catalog: %s; or define it inline as "
               "a mapping%s%s%s)",
               what, n->scalar, where, list, s ? "; did you mean " : "",
               s ? s : "", s ? "?" : "");
}

/* gpu: or model: as a catalog name or an inline mapping. */
static int parse_gpu_field(const struct cfg_node *map, const char *where,
                           struct gpu_spec *g, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, "gpu");
    char sub[160];
    if (!n) {
        diag_error(d, &map->pos, "missing required key 'gpu' in %s", where);
        return -1;
    }
    if (n->kind == CFG_MAP) {
        snprintf(sub, sizeof sub, "%s.gpu", where);
        return parse_gpu_inline(n, sub, g, d);
    }
    if (cfg_expect(n, CFG_SCALAR, "gpu", d) < 0)
        return -1;
    const struct gpu_spec *c = catalog_gpu_find(n->scalar);
    if (!c) {
        unknown_entry(n, "gpu", where, catalog_gpu_names(),
                      catalog_gpu_count(), d);
        return -1;
    }
    *g = *c;
    return 0;
}

static int parse_model_field(const struct cfg_node *map, const char *where,
                             struct model_spec *m, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, "model");
    char sub[160];
    if (!n) {
        diag_error(d, &map->pos, "missing required key 'model' in %s",
                   where);
        return -1;
    }
    if (n->kind == CFG_MAP) {
        snprintf(sub, sizeof sub, "%s.model", where);
        return parse_model_inline(n, sub, m, d);
    }
    if (cfg_expect(n, CFG_SCALAR, "model", d) < 0)
        return -1;
    const struct model_spec *c = catalog_model_find(n->scalar);
    if (!c) {
        unknown_entry(n, "model", where, catalog_model_names(),
                      catalog_model_count(), d);
        return -1;
    }
    *m = *c;
    return 0;
}

static int parse_jitter(const struct cfg_node *map, const char *where,
                        struct serve_perf *f, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, "jitter");
    char sub[160];
    if (!n)
        return 0;
    if (cfg_expect(n, CFG_MAP, "jitter", d) < 0)
        return -1;
    /* A long backend name only shortens the message's path. */
    if (snprintf(sub, sizeof sub, "%s.jitter", where) >= (int)sizeof sub)
        sub[sizeof sub - 1] = '\0';
    static const char *const keys[] = {"dist", "cv"};
    int bad = cfg_check_keys(n, sub, keys, 2, d) > 0;
    int kind = 1;
    bad |= cfg_get_enum(n, "dist", sub, CFG_REQUIRED, jitter_names, 4, &kind,
                        d) < 0;
    bad |= cfg_get_number(n, "cv", sub, CFG_NONNEG, &f->jitter_cv, d) < 0;
    if (bad)
        return -1;
    f->jitter = kind == 1   ? SERVE_JITTER_GAMMA
                : kind == 2 ? SERVE_JITTER_LOGNORMAL
                            : SERVE_JITTER_NONE;
    return 0;
}

/* serving.shared_prefix: {TASK: TOKENS, ...}, the prompt tokens every
 * request of that task starts with (a system prompt, a RAG template); with
 * prefix caching they are computed and held once per replica. */
static int parse_shared_prefix(const struct cfg_node *n, const char *where,
                               struct gpu_cfg *c, struct diag *d)
{
    const struct cfg_node *m = cfg_get(n, "shared_prefix");
    if (!m)
        return 0;
    if (cfg_expect(m, CFG_MAP, "shared_prefix", d) < 0)
        return SLM_EINPUT;
    if (m->n > GPU_MAX_PREFIX_TASKS) {
        diag_error(d, &m->pos, "'shared_prefix' in %s names %zu tasks (at "
                   "most %d)", where, m->n, GPU_MAX_PREFIX_TASKS);
        return SLM_EINPUT;
    }
    int bad = 0;
    char sub[200];
    snprintf(sub, sizeof sub, "%s.shared_prefix", where);
    for (size_t i = 0; i < m->n; i++) {
        long tokens = 0;
        if (cfg_get_int(m, m->keys[i], sub, CFG_REQUIRED, 0, 1 << 24,
                        &tokens, d) < 0) {
            bad = 1;
            continue;
        }
        c->prefix_task[c->nprefix] = mem_strdup(m->keys[i]);
        c->prefix_len[c->nprefix] = (uint32_t)tokens;
        if (!c->prefix_task[c->nprefix])
            return SLM_ENOMEM;
        c->nprefix++;
    }
    return bad ? SLM_EINPUT : SLM_OK;
}

/*
 * Engine defaults (serving.engine), each from the engine's own source:
 *   vllm    vllm/engine/arg_utils.py EngineArgs.get_batch_defaults (V1,
 *           OpenAI server): max_num_seqs 1024 and max_num_batched_tokens
 *           8192 on cards of 70 GiB or more that are not A100s, else 256
 *           and 2048; V1 always chunks prefills; gpu_memory_utilization
 *           0.9 of the card; recompute preemption when the cache is full.
 *   trtllm  tensorrt_llm/llmapi/llm_args.py (PyTorch backend):
 *           max_batch_size 2048, max_num_tokens 8192; KvCacheConfig
 *           free_gpu_memory_fraction 0.9 of the memory left after weights
 *           and activations; CapacitySchedulerPolicy GUARANTEED_NO_EVICT
 *           (a request is admitted only when the cache can hold all its
 *           tokens, so nothing is ever preempted); in-flight batching mixes
 *           context and generation within max_num_tokens, whole contexts
 *           only: enable_chunked_prefill defaults to False (llm_args.py;
 *           the C++ ExecutorConfig's enable_chunked_context too).
 *   sglang  sglang/srt/server_args.py: chunked_prefill_size 8192,
 *           mem_fraction_static 0.88 (weights and cache together; an
 *           ASSUMED middle of its per-GPU table), retraction (recompute)
 *           when decodes run out of cache; max_running_requests from the
 *           pool, capped here at 1024 (ASSUMED).
 */
enum { ENGINE_VLLM, ENGINE_TRTLLM, ENGINE_SGLANG };
static const char *const engine_names[] = {"vllm", "trtllm", "sglang"};

static void engine_defaults(struct gpu_cfg *c)
{
    struct serve_params *p = &c->sp;
    int big = c->gpu.memory_usable >= 70.0 * 1024 * 1024 * 1024 &&
              strncasecmp(c->gpu.name, "A100", 4) != 0;
    p->block_tokens = 16;
    c->mem.of_free = 0;
    p->no_evict = 0;
    p->whole_prompts = 0;
    switch (c->engine) {
    case ENGINE_TRTLLM:
        p->max_batch = 2048;
        p->chunk = 8192;
        c->mem.fraction = 0.9;
        c->mem.of_free = 1;
        p->no_evict = 1;
        p->block_tokens = 32; /* tokens_per_block default */
        p->whole_prompts = 1; /* enable_chunked_prefill False */
        break;
    case ENGINE_SGLANG:
        p->max_batch = 1024;
        p->chunk = 8192;
        c->mem.fraction = 0.88;
        break;
    default:
        p->max_batch = big ? 1024 : 256;
        p->chunk = big ? 8192 : 2048;
        c->mem.fraction = 0.9;
        break;
    }
    p->max_batched = p->chunk > 0 ? p->chunk : 2048;
}

static int parse_serving(const struct cfg_node *map, const char *where,
                         struct gpu_cfg *c, double *reserve,
                         struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, "serving");
    char sub[160];
    struct serve_params *p = &c->sp;
    c->engine = ENGINE_VLLM;
    /* Block-hash prefix caching is on by default in all three engines:
     * vLLM's CacheConfig.enable_prefix_caching = True (vllm/config/
     * cache.py), TensorRT-LLM's KvCacheConfig.enable_block_reuse = True
     * (LLM API reference), SGLang's disable_radix_cache = False
     * (sglang/srt/server_args.py); docs/prefix-caching.md. */
    c->prefix_caching = 1;
    if (n && cfg_expect(n, CFG_MAP, "serving", d) < 0)
        return SLM_EINPUT;
    snprintf(sub, sizeof sub, "%s.serving", where);
    if (n && cfg_get_enum(n, "engine", sub, 0, engine_names, 3, &c->engine,
                          d) < 0)
        return SLM_EINPUT;
    engine_defaults(c);
    if (!n)
        return 0;
    static const char *const keys[] = {
        "max_batch", "chunked_prefill", "block_tokens", "max_batched_tokens",
        "gpu_memory_utilization", "activation_reserve", "exact_steps",
        "context_policy", "engine", "preemption", "shared_prefix",
        "whole_prompts", "prefix_caching", "frontend_latency"};
    static const char *const preempt_names[] = {"recompute", "never"};
    int bad = cfg_check_keys(n, sub, keys, 14, d) > 0;
    bad |= cfg_get_duration(n, "frontend_latency", sub, CFG_NONNEG,
                            &c->frontend, d) < 0;
    bad |= cfg_get_bool(n, "prefix_caching", sub, 0, &c->prefix_caching,
                        d) < 0;
    int preempt = p->no_evict;
    bad |= get_int(n, "max_batch", sub, 0, 1, 65536, &p->max_batch, d) < 0;
    bad |= get_int(n, "chunked_prefill", sub, 0, 0, 1 << 20, &p->chunk,
                   d) < 0;
    bad |= get_int(n, "block_tokens", sub, 0, 1, SERVE_MAX_BLOCK,
                   &p->block_tokens, d) < 0;
    p->max_batched = p->chunk > 0 ? p->chunk : 2048;
    if (p->chunk == 0 && c->model.context > p->max_batched)
        p->max_batched = c->model.context;
    bad |= get_int(n, "max_batched_tokens", sub, 0, 1, 1 << 24,
                   &p->max_batched, d) < 0;
    bad |= cfg_get_number(n, "gpu_memory_utilization", sub,
                          CFG_UNIT | CFG_POSITIVE, &c->mem.fraction, d) < 0;
    bad |= cfg_get_bytes(n, "activation_reserve", sub, CFG_NONNEG, reserve,
                         d) < 0;
    bad |= cfg_get_bool(n, "exact_steps", sub, 0, &p->exact_steps, d) < 0;
    bad |= cfg_get_bool(n, "whole_prompts", sub, 0, &p->whole_prompts,
                        d) < 0;
    bad |= cfg_get_enum(n, "context_policy", sub, 0, ctx_names, 2,
                        &c->context_policy, d) < 0;
    bad |= cfg_get_enum(n, "preemption", sub, 0, preempt_names, 2, &preempt,
                        d) < 0;
    p->no_evict = preempt;
    int st = parse_shared_prefix(n, sub, c, d);
    if (st == SLM_ENOMEM)
        return st;
    bad |= st != SLM_OK;
    return bad ? SLM_EINPUT : SLM_OK;
}

/* The format attention's products run in: the KV cache's.  An FP16
 * cache is read into FP16 products whatever the weights (weight-only
 * int4 and W8A8 or FP8 GEMMs leave attention in FP16/BF16); an FP8
 * cache on a card with FP8 tensor cores is multiplied in FP8
 * (TensorRT-LLM's FP8 context FMHA, FlashAttention-3's FP8 path), never
 * in a narrower weight format (an FP4 model's attention is FP8). */
static enum catalog_quant gpu_attn_format(const struct gpu_cfg *c)
{
    return c->kv == CATALOG_KV_FP8 && c->gpu.flops_fp8 > 0
               ? CATALOG_QUANT_FP8 : CATALOG_QUANT_FP16;
}

/* Reads a calibration file (models/calib.h) into the effective rates.
 * The path is looked for beside the scenario (n->pos.file), then in the
 * working folder, then the installed share folder.  A file for another
 * model, format or GPU, or a CPU-measured file without
 * allow_cpu_calibration, is an error at the 'calibration' key; errors
 * inside the file point into it. */
static int parse_calibration(const struct cfg_node *map, const char *where,
                             struct gpu_cfg *c, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, "calibration");
    int allow_cpu = 0;
    if (cfg_get_bool(map, "allow_cpu_calibration", where, 0, &allow_cpu,
                     d) < 0)
        return SLM_EINPUT;
    if (!n)
        return SLM_OK;
    if (cfg_expect(n, CFG_SCALAR, "calibration", d) < 0)
        return SLM_EINPUT;
    /* 'none': the datasheet's derived rates, as with no key; lets
     * `--set backends.X.calibration=none` swap the GPU of a calibrated
     * scenario. */
    if (strcmp(n->scalar, "none") == 0)
        return SLM_OK;
    char tried[1024];
    char *path = calib_resolve_path(n->scalar, n->pos.file,
                                    calib_share_dir(), tried, sizeof tried);
    if (!path) {
        if (errno == ENOMEM)
            return SLM_ENOMEM;
        diag_error(d, &n->pos, "cannot read calibration file '%s' "
                   "(looked for %s): %s", n->scalar, tried, strerror(errno));
        return SLM_EINPUT;
    }
    struct calib *cal = NULL;
    int rc = calib_load(path, d, &cal);
    if (rc == SLM_ESYS)
        diag_error(d, &n->pos, "cannot read calibration file '%s': %s",
                   path, strerror(errno));
    mem_free(path);
    if (rc != 0)
        return rc == SLM_ENOMEM ? SLM_ENOMEM : SLM_EINPUT;
    const char *q = catalog_quant_names[c->quant];
    const struct calib_dtype_fit *t = calib_dtype(cal, c->quant);
    int bad = 1;
    if (strcasecmp(cal->model, c->model.name))
        diag_error(d, &n->pos, "calibration file '%s' is for model '%s', "
                   "not %s's '%s'", n->scalar, cal->model, where,
                   c->model.name);
    else if (!t)
        diag_error(d, &n->pos, "calibration file '%s' has no figures for "
                   "quant '%s' (fit.dtypes)", n->scalar, q);
    else if (cal->kind == CALIB_KIND_CPU && !allow_cpu)
        diag_error(d, &n->pos, "calibration file '%s' was measured on the "
                   "CPU (%s); a gpu backend uses it only with "
                   "'allow_cpu_calibration: true'", n->scalar, cal->device);
    else if (cal->kind != CALIB_KIND_CPU &&
             strcasecmp(cal->catalog, c->gpu.name))
        diag_error(d, &n->pos, "calibration file '%s' is for GPU '%s', not "
                   "%s's '%s' (transfer it: slmsim calibrate --derive '%s' "
                   "--gpu %s --out FILE; or 'calibration: none' for the "
                   "datasheet's derived rates)", n->scalar,
                   cal->catalog[0] ? cal->catalog : cal->device, where,
                   c->gpu.name, n->scalar, c->gpu.name);
    else if (cal->tensor_parallel > 1 && cal->tensor_parallel != c->tp)
        /* a shard's GEMMs are 1/tp as wide: another degree's shard runs
         * at other efficiencies */
        diag_error(d, &n->pos, "calibration file '%s' timed one GPU's shard "
                   "at tensor_parallel %d, not %s's %ld", n->scalar,
                   cal->tensor_parallel, where, c->tp);
    else
        bad = 0;
    if (!bad) {
        struct serve_perf *f = &c->sp.perf;
        char what[256], *desc;
        calib_describe(cal, what, sizeof what);
        size_t len = strlen(n->scalar) + strlen(what) + 3;
        f->bandwidth = t->bandwidth.value;
        f->flops = t->flops.value;
        /* attention at the file's rate for its format, or, when the file
         * has no figures for that format, at the weights' */
        const struct calib_dtype_fit *ta = calib_dtype(cal,
                                                       gpu_attn_format(c));
        f->attn_flops = ta && ta->flops.value > 0 ? ta->flops.value
                                                  : t->flops.value;
        f->overhead = cal->overhead.value;
        /* a fitted difference may come out below 0 within its error
         * (docs/calibration.md): no gap is then charged */
        f->layer_overhead = cal->layer_launch.value > 0
                                ? cal->layer_launch.value : 0;
        f->jitter = cal->jitter.dist == CALIB_JITTER_GAMMA
                        ? SERVE_JITTER_GAMMA
                    : cal->jitter.dist == CALIB_JITTER_LOGNORMAL
                        ? SERVE_JITTER_LOGNORMAL
                        : SERVE_JITTER_NONE;
        f->jitter_cv = cal->jitter.cv;
        c->calibrated = 1;
        c->measured = cal->source == CALIB_MEASURED;
        /* The description reads "from PATH: derived from X (measured D)". */
        if ((desc = mem_alloc(len)) != NULL)
            snprintf(desc, len, "%s: %s", n->scalar, what);
        c->cal_path = desc;
        if (!desc) {
            calib_free(cal);
            return SLM_ENOMEM;
        }
        if (t->bandwidth.value <= 0 || t->flops.value <= 0 ||
            cal->overhead.value < 0) {
            diag_error(d, &n->pos, "calibration file '%s' has a rate <= 0 "
                       "for quant '%s' or a step overhead < 0", n->scalar,
                       q);
            bad = 1;
        }
    }
    calib_free(cal);
    return bad ? SLM_EINPUT : SLM_OK;
}

/* Effective rates from the datasheet and the efficiency table (or the
 * scenario's `efficiency:`), and the all-reduce from the link type. */
static int parse_efficiency(const struct cfg_node *map, const char *where,
                            struct gpu_cfg *c, struct diag *d)
{
    struct serve_perf *f = &c->sp.perf;
    struct catalog_efficiency e =
        catalog_efficiency_default(c->gpu.arch, c->quant);
    struct catalog_link_perf lp = catalog_link_perf(c->gpu.link);
    double bw = e.bandwidth, fl = e.compute;
    f->overhead = GPU_DEFAULT_OVERHEAD;
    f->layer_overhead = GPU_DEFAULT_LAYER_OVERHEAD;
    f->jitter = SERVE_JITTER_GAMMA;
    f->jitter_cv = DEF_JITTER_CV;
    f->tp_latency = lp.latency;
    f->tp_link = c->gpu.interconnect * lp.bus_efficiency;
    const struct cfg_node *n = cfg_get(map, "efficiency");
    enum catalog_quant af = gpu_attn_format(c);
    double afl = catalog_efficiency_default(c->gpu.arch, af).compute;
    int bad = 0;
    if (n) {
        char sub[160];
        if (cfg_expect(n, CFG_MAP, "efficiency", d) < 0)
            return -1;
        snprintf(sub, sizeof sub, "%s.efficiency", where);
        static const char *const keys[] = {"bandwidth", "compute", "overhead",
                                           "jitter", "allreduce",
                                           "layer_overhead"};
        bad |= cfg_check_keys(n, sub, keys, 6, d) > 0;
        bad |= cfg_get_number(n, "bandwidth", sub, CFG_UNIT | CFG_POSITIVE,
                              &bw, d) < 0;
        bad |= cfg_get_number(n, "compute", sub, CFG_UNIT | CFG_POSITIVE, &fl,
                              d) < 0;
        if (cfg_get(n, "compute")) /* the scenario's, for every product */
            afl = fl;
        bad |= cfg_get_duration(n, "overhead", sub, CFG_NONNEG, &f->overhead,
                                d) < 0;
        bad |= cfg_get_duration(n, "allreduce", sub, CFG_NONNEG,
                                &f->tp_latency, d) < 0;
        bad |= cfg_get_duration(n, "layer_overhead", sub, CFG_NONNEG,
                                &f->layer_overhead, d) < 0;
        bad |= parse_jitter(n, sub, f, d) < 0;
    }
    f->bandwidth = bw * c->gpu.bandwidth;
    f->flops = fl * catalog_gpu_flops(&c->gpu, c->quant);
    /* int4 is weight-only: FP16 products after dequantising, at the
     * kernel family's share of that rate (a calibration file's int4 rate
     * already includes it). */
    if (c->quant == CATALOG_QUANT_INT4)
        f->flops *= catalog_int4_kernel_factor(c->int4_kernel);
    f->attn_flops = afl * catalog_gpu_flops(&c->gpu, af);
    return bad ? -1 : 0;
}

static int parse_failures(const struct cfg_node *map, const char *where,
                          struct gpu_cfg *c, struct diag *d)
{
    const struct cfg_node *n = cfg_get(map, "failures");
    if (!n)
        return 0;
    char sub[160];
    if (cfg_expect(n, CFG_MAP, "failures", d) < 0)
        return -1;
    snprintf(sub, sizeof sub, "%s.failures", where);
    static const char *const keys[] = {"mtbf", "mttr"};
    int bad = cfg_check_keys(n, sub, keys, 2, d) > 0;
    bad |= cfg_get_duration(n, "mtbf", sub, CFG_REQUIRED | CFG_POSITIVE,
                            &c->mtbf, d) < 0;
    bad |= cfg_get_duration(n, "mttr", sub, CFG_REQUIRED | CFG_POSITIVE,
                            &c->mttr, d) < 0;
    if (!bad)
        bad |= outage_check_mtbf(n, c->mtbf, c->mttr, d) != 0;
    return bad ? -1 : 0;
}

static void gpu_cfg_free(void *vc)
{
    struct gpu_cfg *c = vc;
    if (!c)
        return;
    mem_free(c->gpu_name);
    mem_free(c->model_name);
    mem_free(c->cal_path);
    for (size_t i = 0; i < c->nprefix; i++)
        mem_free(c->prefix_task[i]);
    mem_free(c);
}

/* The activation, CUDA-graph and runtime memory per GPU (see
 * GPU_RUNTIME_BYTES). */
static double gpu_activation_bytes(const struct gpu_cfg *c)
{
    const struct model_spec *m = &c->model;
    double t = c->sp.chunk > 0 ? c->sp.chunk : c->sp.max_batched;
    double rows = c->sp.max_batch < t ? c->sp.max_batch : t;
    double act = t * (4.0 * m->hidden + 2.0 * m->mlp / (double)c->tp) * 2.0;
    return act + rows * m->vocab * 4.0 + GPU_RUNTIME_BYTES;
}

/* Checks that the weights fit and derives the cache. */
static int derive(const struct cfg_node *map, struct gpu_cfg *c,
                  double reserve, struct diag *d)
{
    c->mem.usable = c->gpu.memory_usable > 0 ? c->gpu.memory_usable
                                             : c->gpu.memory;
    c->mem.activation = reserve >= 0 ? reserve : gpu_activation_bytes(c);
    long blocks = serve_derive(&c->sp, &c->model, c->quant, c->kv,
                               (int)c->tp, &c->mem, c->sp.block_tokens);
    if (blocks < 1) {
        const struct cfg_node *n = cfg_get(map, "model");
        diag_error(d, n ? &n->pos : &map->pos,
                   "model '%s' in %s (%.3g GB of weights) does not fit on "
                   "%ld x %s (%.3g GB usable each at %s %.2f, less %.3g GB "
                   "of activations and runtime)",
                   c->model.name, catalog_quant_names[c->quant],
                   catalog_weight_bytes(&c->model, c->quant) / 1e9, c->tp,
                   c->gpu.name, c->mem.usable / 1e9,
                   c->mem.of_free ? "free-memory fraction"
                                  : "utilization",
                   c->mem.fraction, c->mem.activation / 1e9);
        return -1;
    }
    c->sp.kv_blocks = blocks;
    c->sp.perf.tp = (int)c->tp;
    return 0;
}

static int gpu_parse(const struct cfg_node *map, const char *where,
                     void **out, struct diag *d)
{
    static const char *const keys[] = {
        "kind", "gpu", "count", "tensor_parallel", "model", "quant",
        "kv_cache", "serving", "efficiency", "calibration", "balancer",
        "failures", "allow_cpu_calibration", "int4_kernel"};
    struct gpu_cfg *c = mem_calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return SLM_ENOMEM;
    int bad = cfg_check_keys(map, where, keys, 14, d) > 0;
    int st, oom = 0;
    int q = CATALOG_QUANT_FP16, kv = CATALOG_KV_FP16, k4 = -1;
    double reserve = -1; /* < 0: computed (gpu_activation_bytes) */
    c->count = 1;
    c->tp = 1;
    c->balancer = LB_LEAST_OUTSTANDING;
    bad |= parse_gpu_field(map, where, &c->gpu, d) < 0;
    bad |= parse_model_field(map, where, &c->model, d) < 0;
    bad |= cfg_get_int(map, "count", where, 0, 1, 4096, &c->count, d) < 0;
    bad |= cfg_get_int(map, "tensor_parallel", where, 0, 1, 16, &c->tp,
                       d) < 0;
    bad |= cfg_get_enum(map, "quant", where, 0, catalog_quant_names,
                        CATALOG_NQUANT, &q, d) < 0;
    bad |= cfg_get_enum(map, "kv_cache", where, 0, catalog_kv_dtype_names,
                        CATALOG_NKV_DTYPE, &kv, d) < 0;
    bad |= cfg_get_enum(map, "balancer", where, 0, lb_names, 3, &c->balancer,
                        d) < 0;
    bad |= cfg_get_enum(map, "int4_kernel", where, 0,
                        catalog_int4_kernel_names, CATALOG_NINT4_KERNEL, &k4,
                        d) < 0;
    c->quant = (enum catalog_quant)q;
    c->kv = (enum catalog_kv_dtype)kv;
    c->int4_kernel = k4 >= 0 ? (enum catalog_int4_kernel)k4
                             : catalog_int4_kernel_default(c->gpu.arch);
    if (!bad) {
        st = parse_serving(map, where, c, &reserve, d);
        oom |= st == SLM_ENOMEM;
        bad |= st != SLM_OK;
        bad |= parse_efficiency(map, where, c, d) < 0;
        /* A file has no fp4 figures: calib_dtype says so (models/calib.c),
         * and parse_calibration reports it. */
        st = parse_calibration(map, where, c, d);
        oom |= st == SLM_ENOMEM;
        bad |= st != SLM_OK;
        bad |= parse_failures(map, where, c, d) < 0;
    }
    /* Own the names: the document goes away after parsing. */
    c->gpu_name = mem_strdup(c->gpu.name ? c->gpu.name : "custom");
    c->model_name = mem_strdup(c->model.name ? c->model.name : "custom");
    c->gpu.name = c->gpu_name;
    c->model.name = c->model_name;
    if (oom || !c->gpu_name || !c->model_name) {
        gpu_cfg_free(c);
        return SLM_ENOMEM;
    }
    if (!bad)
        bad |= derive(map, c, reserve, d) < 0;
    if (bad) {
        gpu_cfg_free(c);
        return SLM_EINPUT;
    }
    *out = c;
    return SLM_OK;
}

static const char *gpu_describe(const void *vc, char *buf, size_t size)
{
    const struct gpu_cfg *c = vc;
    const struct serve_params *p = &c->sp;
    char tp[32] = "", fe[48] = "", at[48] = "";
    if (c->tp > 1)
        snprintf(tp, sizeof tp, " (TP %ld)", c->tp);
    if (fabs(p->perf.attn_flops - p->perf.flops) > 5e-3 * p->perf.flops)
        snprintf(at, sizeof at, ", attention %.4g TFLOP/s",
                 p->perf.attn_flops / 1e12);
    if (c->frontend > 0)
        snprintf(fe, sizeof fe, ", front end %.4g ms a request",
                 c->frontend * 1e3);
    snprintf(buf, size,
             "gpu: %ld x %s%s, %s %s (kv %s, %ld tokens), max_batch %d, "
             "chunked_prefill %d, %s%s; steps %s (%.4g GB/s, %.4g TFLOP/s%s, "
             "overhead %.3g ms a step + %.3g us a layer, %s%s)",
             c->count, c->gpu.name, tp, c->model.name,
             catalog_quant_names[c->quant], catalog_kv_dtype_names[c->kv],
             p->kv_blocks * (long)p->block_tokens, p->max_batch, p->chunk,
             lb_names[c->balancer], fe,
             c->measured ? "measured" : "derived",
             p->perf.bandwidth / 1e9, p->perf.flops / 1e12, at,
             p->perf.overhead * 1e3, p->perf.layer_overhead * 1e6,
             c->cal_path ? "from " : "datasheet x ",
             c->cal_path ? c->cal_path : "default efficiencies");
    return buf;
}

/* ---- the instance ---- */

struct gpu;

struct replica {
    struct gpu *g;
    struct serve *sv;
    int index, up;
    double t_down;      /* s: when it last failed */
    size_t down_slot;   /* its window in the gpu's downlog */
    size_t timer;       /* its next step boundary (sim_timer_*) */
    uint64_t scheduled; /* epoch of the boundary the timer holds */
    int has_event;      /* the timer is set for epoch `scheduled` */
};

struct gpu {
    const struct gpu_cfg *c;
    struct backend_env env;
    struct sim *s;
    struct replica *rep;
    size_t n, rr;
    struct request *park_head, *park_tail; /* all replicas down */
    struct tseries *ts;
    gsl_rng *fail_rng;
    uint64_t rejected, truncated, failures, retries;
    double downtime; /* replica-seconds down inside the window */
    double mean_in, mean_out; /* the workload's tokens per request */
    uint32_t *prefix;         /* per workload task, shared prefix tokens */
    size_t prefix_matched;    /* shared_prefix names found in the tasks */
    int hashed;               /* the replicas cache by block hash */
    double last_done;         /* s, clock time of the latest completion */
    struct downlog down;      /* each replica's failure until repair */
};

/* The names are the keys of backends.NAME.timeseries in results.json. */
static const struct tseries_def series[] = {
    {"arrivals", TSERIES_COUNT},
    {"queue", TSERIES_LEVEL},
    {"batch", TSERIES_LEVEL},
    {"kv", TSERIES_LEVEL},
};

static void on_step(struct sim *s, void *ctx, void *arg);

/* Moves the replica's timer to its next boundary when that changed (a
 * decode run cut by an arrival ends earlier): the timer's event takes the
 * push number a new event would, so the order of events is what it was
 * when a new event was pushed and the old one left behind, stale (a
 * fifth of all events, each a pop and a check). */
static void resync(struct replica *r)
{
    uint64_t e = serve_epoch(r->sv);
    double t = serve_next_time(r->sv);
    if (r->has_event && r->scheduled == e)
        return;
    if (isinf(t)) { /* idle: nothing to run */
        if (r->has_event)
            sim_timer_cancel(r->g->s, r->timer);
        r->has_event = 0;
        return;
    }
    r->scheduled = e;
    r->has_event = 1;
    sim_timer_set(r->g->s, r->timer, t, NULL);
}

static void on_step(struct sim *s, void *ctx, void *arg)
{
    struct replica *r = ctx;
    (void)arg;
    assert(r->up && r->has_event && r->scheduled == serve_epoch(r->sv));
    r->has_event = 0;
    serve_boundary(r->sv, sim_now(s));
    resync(r);
}

/* The answer has reached the client: the request leaves. */
static void on_answered(struct sim *s, void *ctx, void *arg)
{
    struct replica *r = ctx;
    r->g->last_done = sim_now(s);
    r->g->env.done(s, r->g->env.ctx, arg, BACKEND_DONE);
}

/* The engine is done with rq.  The front end's time comes after it, on
 * the way out, where it holds no batch slot (models/gpu.h). */
static void on_done(void *ctx, struct request *rq, double now)
{
    struct replica *r = ctx;
    double fe = r->g->c->frontend;
    rq->x[0] = r->index;
    if (fe > 0) {
        rq->t_first_token += fe;
        sim_schedule_at(r->g->s, now + fe, on_answered, r, rq);
        return;
    }
    on_answered(r->g->s, r, rq);
}

static struct replica *choose(struct gpu *g)
{
    struct replica *best = NULL;
    size_t bk1 = SIZE_MAX, bk2 = SIZE_MAX;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->c->balancer == LB_ROUND_ROBIN ? (g->rr + k) % g->n : k;
        struct replica *r = &g->rep[i];
        if (!r->up)
            continue;
        if (g->c->balancer == LB_ROUND_ROBIN) {
            g->rr = (i + 1) % g->n;
            return r;
        }
        size_t w = serve_waiting(r->sv), run = serve_running(r->sv);
        size_t k1 = g->c->balancer == LB_JSQ ? w : w + run;
        size_t k2 = g->c->balancer == LB_JSQ ? run : 0;
        if (k1 < bk1 || (k1 == bk1 && k2 < bk2)) {
            best = r;
            bk1 = k1;
            bk2 = k2;
        }
    }
    return best;
}

static void dispatch(struct gpu *g, struct request *rq)
{
    struct replica *r = choose(g);
    if (!r) {
        rq->next = NULL;
        if (g->park_tail)
            g->park_tail->next = rq;
        else
            g->park_head = rq;
        g->park_tail = rq;
        return;
    }
    serve_submit(r->sv, rq, sim_now(g->s));
    resync(r);
}

static void gpu_submit(struct sim *s, void *self, struct request *rq)
{
    struct gpu *g = self;
    const struct gpu_cfg *c = g->c;
    uint32_t ctx = (uint32_t)c->model.context;
    if (g->ts)
        tseries_count(g->ts, 0, sim_now(s), 1);
    rq->u[0] = 0;
    rq->u[1] = 0;
    rq->p = NULL;
    if ((uint64_t)rq->input_tokens + rq->output_tokens > ctx) {
        if (c->context_policy == CTX_REJECT) {
            g->rejected++;
            g->env.done(s, g->env.ctx, rq, BACKEND_REJECTED);
            return;
        }
        /* keep the prompt's last context-1 tokens; stop at the window */
        if (rq->input_tokens > ctx - 1) {
            rq->input_tokens = ctx - 1;
            rq->prefix_hashes = NULL; /* its start is gone: a new prefix */
        }
        rq->output_tokens = ctx - rq->input_tokens;
        g->truncated++;
    }
    if (!serve_fits(g->rep[0].sv, rq->input_tokens, rq->output_tokens)) {
        g->rejected++;
        g->env.done(s, g->env.ctx, rq, BACKEND_REJECTED);
        return;
    }
    dispatch(g, rq);
}

static void take_back(void *ctx, struct request *rq)
{
    struct gpu *g = ctx;
    rq->attempts++;
    g->retries++;
    dispatch(g, rq);
}

static void on_repair(struct sim *s, void *ctx, void *arg);

/* The part of replica r's current outage inside the window, s. */
static double down_in_window(const struct sim *s, const struct replica *r)
{
    double from = r->t_down > sim_warmup(s) ? r->t_down : sim_warmup(s);

    return sim_now(s) > from ? sim_now(s) - from : 0.0;
}

static void on_failure(struct sim *s, void *ctx, void *arg)
{
    struct replica *r = ctx;
    struct gpu *g = r->g;
    (void)arg;
    r->up = 0;
    if (r->has_event)
        sim_timer_cancel(s, r->timer);
    r->has_event = 0;
    r->t_down = sim_now(s);
    r->down_slot = downlog_open(&g->down, sim_now(s));
    if (sim_measuring(s))
        g->failures++;
    serve_evict(r->sv, sim_now(s), take_back, g);
    sim_schedule_in(s, g->c->mttr, on_repair, r, NULL);
}

static void on_repair(struct sim *s, void *ctx, void *arg)
{
    struct replica *r = ctx;
    struct gpu *g = r->g;
    (void)arg;
    r->up = 1;
    downlog_close(&g->down, r->down_slot, sim_now(s));
    g->downtime += down_in_window(s, r);
    sim_schedule_in(s, rng_exponential(g->fail_rng, g->c->mtbf),
                    on_failure, r, NULL);
    while (g->park_head) {
        struct request *rq = g->park_head;
        g->park_head = rq->next;
        if (!g->park_head)
            g->park_tail = NULL;
        dispatch(g, rq);
    }
}

/* serving.shared_prefix by task index of the workload (names matched
 * without regard to case; an unmatched name matches nothing and
 * prefix.tasks_matched says so).  0, or SLM_ENOMEM. */
static int gpu_map_prefixes(struct gpu *g, const struct workload_spec *w)
{
    const struct gpu_cfg *c = g->c;
    if (c->nprefix == 0 || !w || w->ntasks == 0)
        return 0;
    g->prefix = mem_calloc(w->ntasks, sizeof *g->prefix);
    if (!g->prefix)
        return SLM_ENOMEM;
    for (size_t i = 0; i < c->nprefix; i++)
        for (size_t t = 0; t < w->ntasks; t++)
            if (strcasecmp(c->prefix_task[i], w->tasks[t].type) == 0) {
                g->prefix[t] = c->prefix_len[i];
                g->prefix_matched++;
            }
    return 0;
}

static void gpu_destroy(void *self)
{
    struct gpu *g = self;
    if (!g)
        return;
    for (size_t i = 0; g->rep && i < g->n; i++)
        serve_free(g->rep[i].sv);
    mem_free(g->rep);
    mem_free(g->prefix);
    tseries_free(g->ts);
    mem_free(g);
}

static void *gpu_create(struct sim *s, const void *vc, const char *name,
                        const struct backend_env *env)
{
    const struct gpu_cfg *c = vc;
    struct gpu *g = mem_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->c = c;
    g->env = *env;
    g->s = s;
    g->n = (size_t)c->count;
    g->rep = mem_calloc(g->n, sizeof *g->rep);
    if (sim_series(s))
        g->ts = tseries_new(60.0, sim_horizon(s), series, 4);
    if (!g->rep || (sim_series(s) && !g->ts)) {
        gpu_destroy(g);
        return NULL;
    }
    for (size_t t = 0; env->workload && t < env->workload->ntasks; t++) {
        const struct task_spec *task = &env->workload->tasks[t];
        g->mean_in += task->share * dist_mean(&task->input_tokens);
        g->mean_out += task->share * dist_mean(&task->output_tokens);
    }
    struct serve_params p = c->sp;
    p.warmup = sim_warmup(s);
    if (gpu_map_prefixes(g, env->workload) != SLM_OK) {
        gpu_destroy(g);
        return NULL;
    }
    p.ntasks = g->prefix ? env->workload->ntasks : 0;
    p.prefix_tokens = g->prefix;
    /* a cache only where requests can carry hashes */
    p.prefix_caching = c->prefix_caching && env->workload &&
                       env->workload->arrivals.trace.hashes;
    g->hashed = p.prefix_caching;
    struct serve_series ser = {g->ts, 1, 2, 3, 1.0 / (double)g->n};
    char src[160];
    for (size_t i = 0; i < g->n; i++) {
        struct replica *r = &g->rep[i];
        r->g = g;
        r->index = (int)i;
        r->up = 1;
        snprintf(src, sizeof src, "backend.%s.jitter.%zu", name, i);
        gsl_rng *jit = sim_stream(s, src);
        struct serve_hooks h = {on_done, r};
        r->sv = jit ? serve_new(&p, jit, &h, &ser) : NULL;
        if (!r->sv || sim_timer_new(s, on_step, r, &r->timer) != 0) {
            gpu_destroy(g);
            return NULL;
        }
    }
    if (c->mtbf > 0) {
        snprintf(src, sizeof src, "backend.%s.failures", name);
        g->fail_rng = sim_stream(s, src);
        if (!g->fail_rng) {
            gpu_destroy(g);
            return NULL;
        }
        for (size_t i = 0; i < g->n; i++)
            sim_schedule_in(s, rng_exponential(g->fail_rng, c->mtbf),
                            on_failure, &g->rep[i], NULL);
    }
    return g;
}

/* Pool-wide time-weighted quantile of the cache occupancy. */
static double kv_quantile(const struct gpu *g, double q)
{
    double hist[SERVE_KV_BINS] = {0}, busy = 0, span = 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct serve_stats *st = serve_stats(g->rep[i].sv);
        for (int b = 0; b < SERVE_KV_BINS; b++) {
            hist[b] += st->kv_hist[b];
            busy += st->kv_hist[b];
        }
        span += st->span;
    }
    double total = span > busy ? span : busy, acc = total - busy;
    if (!(total > 0) || acc >= q * total)
        return 0;
    for (int b = 0; b < SERVE_KV_BINS; b++) {
        acc += hist[b];
        if (acc >= q * total)
            return (double)(b + 1) / SERVE_KV_BINS;
    }
    return 1;
}

/* The most output tokens per second one replica can generate at a mix
 * of `in` prompt and `out` answer tokens per request: a full batch b
 * (max_batch, or fewer when the cache cannot hold max_batch sequences at
 * their mean context in + out/2, or with no-evict admission their whole
 * in + out) in steady state, each step decoding b tokens and prefilling
 * the b in / out prompt tokens that keep the batch full:
 *   max = b / t_step(b decodes at context in + out/2, b in/out prefill).
 * A model figure, not a measurement: the denominator of
 * token_utilization. */
static double gpu_max_tokens_per_s(const struct gpu *g, double in,
                                   double out)
{
    const struct serve_params *p = &g->c->sp;
    in = in > 1 ? in : 1;
    out = out > 1 ? out : 1;
    double ctx = in + out / 2;
    double held = p->no_evict ? in + out : ctx;
    /* A full sliding window caps what a sequence holds (the prompt is
     * held whole while prefilled); its reads are capped either way. */
    double win = p->model.window;
    if (win > 0 && p->model.window_share >= 1 && held > win)
        held = in > win ? in : win;
    double fit = (double)p->kv_blocks * p->block_tokens / held;
    double b = fit < p->max_batch ? fit : (double)p->max_batch;
    if (b < 1)
        b = 1;
    struct serve_step st;
    memset(&st, 0, sizeof st);
    st.decodes = b;
    st.decode_ctx = b * serve_ctx_read(&p->model, ctx);
    st.prefill = b * in / out;
    st.prefill_read = st.prefill;
    st.prefill_attn = st.prefill / in * serve_prefill_attn(&p->model, 0, in);
    return b / serve_step_time(p, &st);
}

/* The utilisation figures (docs/internals/serve.md says which saturates
 * first and which one power follows). */
static void gpu_add_utilisation(const struct gpu *g, const struct sim *s,
                                const struct serve_stats *t,
                                struct backend_figures *o)
{
    double span = t->span, n = (double)g->n;
    double tok_s = span > 0 ? (double)t->tokens_out / (span / n) : 0;
    /* the mix served (traces carry their own lengths), else the
     * workload's declared means */
    double in = g->mean_in, out = g->mean_out;
    if (t->completed > 0) {
        in = (double)t->tokens_in / (double)t->completed;
        out = (double)t->tokens_out / (double)t->completed;
    }
    double max_tok = gpu_max_tokens_per_s(g, in, out) * n;
    double w = sim_warmup(s);
    backend_figures_add(o, "busy", span > 0 ? t->busy / span : 0);
    backend_figures_add(o, "batch_occupancy",
                        span > 0 ? t->batch_time / span / g->c->sp.max_batch
                                 : 0);
    backend_figures_add(o, "kv_occupancy", span > 0 ? t->kv_time / span : 0);
    backend_figures_add(o, "max_tokens_per_s", max_tok);
    backend_figures_add(o, "token_utilization",
                        max_tok > 0 ? tok_s / max_tok : 0);
    backend_figures_add(o, "makespan",
                        g->last_done > w ? g->last_done - w : 0);
}

static void gpu_collect(void *self, struct sim *s, struct backend_figures *o)
{
    struct gpu *g = self;
    struct serve_stats t;
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < g->n; i++) {
        serve_flush(g->rep[i].sv, sim_now(s));
        const struct serve_stats *st = serve_stats(g->rep[i].sv);
        t.busy += st->busy;
        t.batch_time += st->batch_time;
        t.kv_time += st->kv_time;
        t.span += st->span;
        t.steps += st->steps;
        t.events += st->events;
        t.tokens_out += st->tokens_out;
        t.tokens_in += st->tokens_in;
        t.preemptions += st->preemptions;
        t.compute_bound += st->compute_bound;
        t.prefix_lookups += st->prefix_lookups;
        t.prefix_hits += st->prefix_hits;
        t.prefix_tokens_saved += st->prefix_tokens_saved;
        t.prefix_prompt_tokens += st->prefix_prompt_tokens;
        t.completed += st->completed;
        if (st->max_batch > t.max_batch)
            t.max_batch = st->max_batch;
    }
    double window = t.span / (double)g->n;
    backend_figures_add(o, "utilization", t.span > 0 ? t.busy / t.span : 0);
    backend_figures_add(o, "batch.mean", t.busy > 0 ? t.batch_time / t.busy
                                                    : 0);
    backend_figures_add(o, "batch.max", t.max_batch);
    backend_figures_add(o, "kv.occupancy.mean",
                        t.span > 0 ? t.kv_time / t.span : 0);
    backend_figures_add(o, "kv.occupancy.p99", kv_quantile(g, 0.99));
    backend_figures_add(o, "kv.capacity_tokens",
                        (double)g->c->sp.kv_blocks * g->c->sp.block_tokens);
    backend_figures_add(o, "preemptions", (double)t.preemptions);
    backend_figures_add(o, "tokens_per_s",
                        window > 0 ? (double)t.tokens_out / window : 0);
    backend_figures_add(o, "prefill_tokens_per_s",
                        window > 0 ? (double)t.tokens_in / window : 0);
    backend_figures_add(o, "rejected", (double)g->rejected);
    backend_figures_add(o, "truncated", (double)g->truncated);
    backend_figures_add(o, "replica_failures", (double)g->failures);
    backend_figures_add(o, "retries", (double)g->retries);
    {
        /* replicas still down at the end count up to now */
        double down = g->downtime;
        for (size_t i = 0; i < g->n; i++)
            if (!g->rep[i].up)
                down += down_in_window(s, &g->rep[i]);
        backend_figures_add(o, "downtime", down);
    }
    backend_figures_add(o, "steps", (double)t.steps);
    backend_figures_add(o, "step_events", (double)t.events);
    backend_figures_add(o, "compute_bound_share",
                        t.busy > 0 ? t.compute_bound / t.busy : 0);
    backend_figures_add(o, "replicas", (double)g->n);
    backend_figures_add(o, "gpus", (double)g->n * (double)g->c->tp);
    backend_figures_add(o, "calibration.measured", g->c->measured);
    gpu_add_utilisation(g, s, &t, o);
    if (g->c->nprefix > 0 || g->hashed) {
        backend_figures_add(o, "prefix.by_hash", g->hashed);
        backend_figures_add(o, "prefix.hits", (double)t.prefix_hits);
        backend_figures_add(o, "prefix.prompt_tokens",
                            (double)t.prefix_prompt_tokens);
        backend_figures_add(o, "prefix.token_share",
                            t.prefix_prompt_tokens > 0
                                ? (double)t.prefix_tokens_saved /
                                      (double)t.prefix_prompt_tokens
                                : 0);
        backend_figures_add(o, "prefix.tasks_matched",
                            (double)g->prefix_matched);
        backend_figures_add(o, "prefix.lookups", (double)t.prefix_lookups);
        backend_figures_add(o, "prefix.hit_rate",
                            t.prefix_lookups > 0
                                ? (double)t.prefix_hits /
                                      (double)t.prefix_lookups
                                : 0);
        backend_figures_add(o, "prefix.tokens_saved",
                            (double)t.prefix_tokens_saved);
    }
}

long gpu_cfg_replicas(const void *cfg)
{
    return ((const struct gpu_cfg *)cfg)->count;
}

double gpu_cfg_frontend(const void *cfg)
{
    return ((const struct gpu_cfg *)cfg)->frontend;
}

const struct gpu_spec *gpu_cfg_hardware(const void *cfg, long *tp)
{
    const struct gpu_cfg *c = cfg;

    *tp = c->tp;
    return &c->gpu;
}

const struct tseries *gpu_timeseries(const void *self)
{
    return ((const struct gpu *)self)->ts;
}

/* The series change hands rather than being copied: after collect the
 * replicas no longer write to them. */
static void *gpu_extras(void *self)
{
    struct gpu *g = self;
    struct tseries *ts = g->ts;
    g->ts = NULL;
    return ts;
}

static void gpu_extras_free(void *extras)
{
    tseries_free(extras);
}

static void gpu_write_json(const void *extras, struct jw *w)
{
    tseries_write_json(extras, w, "timeseries");
}

const char *gpu_binding_constraint(const void *self)
{
    const struct gpu *g = self;
    uint64_t pre = 0;
    double busy = 0, bt = 0, cb = 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct serve_stats *st = serve_stats(g->rep[i].sv);
        pre += st->preemptions;
        busy += st->busy;
        bt += st->batch_time;
        cb += st->compute_bound;
    }
    if (pre > 0 || kv_quantile(g, 0.99) > 0.9)
        return "kv-cache";
    if (busy > 0 && bt / busy >= 0.9 * g->c->sp.max_batch)
        return "batch-limit";
    if (busy > 0 && cb > 0.5 * busy)
        return "compute";
    return "bandwidth";
}

/* Up while any replica is: the failover router asks. */
static int gpu_available(void *self, struct sim *s)
{
    const struct gpu *g = self;
    size_t i;

    (void)s;
    for (i = 0; i < (size_t)g->n; i++)
        if (g->rep[i].up)
            return 1;
    return 0;
}

/* The overflow router's question: how long would a request wait before
 * its prefill began if it came now?  A first-order estimate, not a
 * simulation: on the replica with the fewest requests, a request that
 * finds a free batch slot starts at the next step boundary; otherwise it
 * waits for the sequences ahead of it to get slots, which free at
 * running / (mean output tokens x full-batch step time) per second.  The
 * KV cache limit is not modelled here, so under cache pressure it is
 * optimistic. */
static double gpu_predicted_wait(void *self, struct sim *s,
                                 const struct request *rq)
{
    const struct gpu *g = self;
    const struct replica *best = NULL;
    size_t load = SIZE_MAX, running, ahead, slots;
    struct serve_step st;
    double now = sim_now(s), next, step;

    (void)rq;
    for (size_t i = 0; i < g->n; i++) {
        size_t l = serve_waiting(g->rep[i].sv) + serve_running(g->rep[i].sv);
        if (g->rep[i].up && l < load) {
            load = l;
            best = &g->rep[i];
        }
    }
    if (!best)
        return (double)INFINITY; /* every replica down */
    running = serve_running(best->sv);
    slots = (size_t)g->c->sp.max_batch;
    if (load < slots) {
        next = serve_next_time(best->sv);
        return isfinite(next) && next > now ? next - now : 0.0;
    }
    ahead = load - slots + 1;
    memset(&st, 0, sizeof st);
    st.decodes = (double)running;
    st.decode_ctx = (double)running * (g->mean_in + g->mean_out / 2);
    step = serve_step_time(&g->c->sp, &st);
    return (double)ahead * g->mean_out * step / (double)(running ? running : 1);
}

static const struct downlog *gpu_downlog(const void *self)
{
    return &((const struct gpu *)self)->down;
}

const struct backend_kind gpu_backend_kind = {
    .name = "gpu",
    .parse = gpu_parse,
    .cfg_free = gpu_cfg_free,
    .describe = gpu_describe,
    .create = gpu_create,
    .destroy = gpu_destroy,
    .submit = gpu_submit,
    .collect = gpu_collect,
    .binding = gpu_binding_constraint,
    .extras = gpu_extras,
    .extras_free = gpu_extras_free,
    .write_json = gpu_write_json,
    .has_tokens = 1,
    .available = gpu_available,
    .downlog = gpu_downlog,
    .predicted_wait = gpu_predicted_wait,
};
