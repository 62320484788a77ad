/*
 * serve: one GPU serving replica, as a state machine the event loop drives.
 *
 * Iteration-level (continuous) batching as vLLM does it.  At every step
 * boundary the replica admits waiting requests first come, first served
 * while the batch (max_batch sequences), the step's token budget and the
 * paged KV cache allow; the step then runs one decode token for every
 * decoding sequence and the prompt work of the prefilling ones: whole
 * prompts in a prefill-only step (chunk 0: decodes wait, as vLLM V0), or
 * chunks of at most chunk - decodes tokens mixed with the decodes (chunked
 * prefill, as vLLM V1).  A prompt's last chunk yields the first output
 * token.  When a decode step needs a cache block and none is free, the most
 * recently admitted sequence is preempted by recompute: its blocks are
 * freed and it goes back to the head of the queue, to prefill its prompt
 * and the tokens it had generated when readmitted.
 *
 * Step time is a roofline (serve_step_time): the larger of bytes moved
 * (weights once, plus the KV cache every sequence reads) over the effective
 * bandwidth and FLOPs (2 params per token, plus attention over the context)
 * over the effective FLOP/s, plus a fixed overhead and, with tensor
 * parallelism, two all-reduces per layer; the whole multiplied by a jitter
 * factor of mean 1.
 *
 * Cost does not grow with output length.  Decoding sequences are kept by
 * the decode-step index at which they finish (a heap), their total context
 * and block demand as sums and per-residue counts, so a step costs O(1).
 * A run of decode steps with an unchanging batch is one event whose length
 * is the number of steps to the first completion (or to cache exhaustion);
 * its time is drawn at once: for gamma jitter with equal step times the sum
 * is exactly gamma; otherwise a gamma or lognormal matched to the run's mean
 * and variance (cv^2 * sum of squared step times).  An arrival that could
 * join at an earlier boundary cuts the run there, the boundary placed by
 * scaling the run's base times by its drawn factor.  exact_steps makes
 * every step its own event: the reference the runs are tested against.
 *
 * Ownership: the caller owns the replica (serve_free); requests are
 * borrowed from submit until they are handed back through the callbacks.
 * Each request's scratch fields u[0], u[1] and p belong to the replica while
 * it holds the request.  Nothing here allocates after serve_new.
 */
#ifndef SLM_SERVE_H
#define SLM_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/catalog.h"
#include "sim/sim.h"
#include "sim/tseries.h"

enum serve_jitter { SERVE_JITTER_NONE, SERVE_JITTER_GAMMA,
                    SERVE_JITTER_LOGNORMAL };

/* What one step costs: effective rates of one GPU, and the model. */
struct serve_perf {
    double bandwidth;      /* B/s, effective, per GPU */
    double flops;          /* FLOP/s, effective, per GPU, weight format */
    double attn_flops;     /* FLOP/s, effective, per GPU, of attention's
                              products, in the KV cache's format (FP16
                              for weight-only int4, FP8 attention only
                              with an FP8 cache); 0: flops */
    double overhead;       /* s added to every step */
    double layer_overhead; /* s added to every step per layer: kernel
                              launches and gaps beyond the kernels'
                              rooflines (a calibration file's
                              layer_launch; 0 without one) */
    int tp;                /* tensor-parallel degree, >= 1 */
    double tp_link;        /* B/s one way between GPUs of the group */
    double tp_latency;     /* s per ring hop of an all-reduce */
    enum serve_jitter jitter;
    double jitter_cv;      /* coefficient of variation of the factor */
};

struct serve_model {
    double weight_read;     /* bytes of weights a step reads when it
                               touches every expert (all GPUs) */
    double expert_read;     /* MoE: of which the routed experts' bytes;
                               0 for a dense model */
    double expert_share;    /* MoE: experts per token / experts, k / E */
    double flops_per_token; /* 2 * active params */
    double attn_flops_per_ctx; /* per token per context token */
    double kv_per_token;    /* bytes of KV cache per token (all GPUs) */
    int layers, hidden;     /* for the all-reduce sizes */
    /* Sliding-window attention: window_share of the layers (and of
     * kv_per_token) attend to the last `window` tokens only, so their
     * attention reads stop growing there; when every layer does
     * (window_share 1, Mistral-7B) the cache a sequence holds stops
     * growing too (blocks falling out of the window are freed, as vLLM's
     * sliding-window manager does).  With a share below 1 (Gemma-2's
     * alternate layers) the cache keeps the full context, as an engine
     * without a hybrid allocator does.  window 0: full attention. */
    int window;             /* tokens, 0 = none */
    double window_share;    /* 0..1 */
};

struct serve_params {
    struct serve_model model;
    struct serve_perf perf;
    int max_batch;       /* sequences, >= 1 */
    int chunk;           /* chunked-prefill tokens per step; 0 = off */
    int whole_prompts;   /* with chunk > 0: 1 never splits a prompt
                            across steps (TensorRT-LLM without chunked
                            context): it joins a mixed step only when all
                            of it fits in the budget the decodes leave, and
                            one longer than the whole budget runs alone;
                            0 fills the budget with chunks (vLLM V1) */
    int max_batched;     /* prefill tokens per step without chunking */
    int block_tokens;    /* tokens per KV block, 1..SERVE_MAX_BLOCK */
    long kv_blocks;      /* blocks in the cache, >= 1 */
    int exact_steps;     /* 1: every step its own event */
    int no_evict;        /* 1: admit only requests whose every token fits
                            (TensorRT-LLM GUARANTEED_NO_EVICT): never
                            preempt; 0: recompute preemption (vLLM) */
    double warmup;       /* s: statistics count from here */
    /* Prefix caching: prefix_tokens[task] prompt tokens every request of
     * that task shares (0: none), for tasks 0..ntasks-1; borrowed. */
    size_t ntasks;
    const uint32_t *prefix_tokens;
    /* 1: cache prompt blocks by the requests' prefix-block hashes
     * (sim/sim.h prefix_hashes; models/prefix.h), vLLM's automatic prefix
     * caching; a request with hashes then ignores prefix_tokens.  Off for
     * a model whose every layer is windowed (its early blocks leave the
     * cache as it decodes). */
    int prefix_caching;
};

#define SERVE_MAX_BLOCK 256
#define SERVE_KV_BINS 1000

/* The composition of one step, for serve_step_time. */
struct serve_step {
    double decodes;       /* sequences decoding one token */
    double decode_ctx;    /* their total context (tokens) */
    double prefill;       /* prompt tokens processed */
    double prefill_read;  /* KV tokens the prompt chunks read and write */
    double prefill_attn;  /* sum over prompt tokens of the context each
                             attends to */
};

/* The parts of a step's base time, seconds (a per-operator roofline: the
 * kernels of a step run one after another, so the linear layers' and
 * attention's rooflines add; docs/internals/serve.md):
 *   linear_mem = (weight_read - expert_read (1 - touched)) / (tp bw),
 *     touched = 1 - (1 - expert_share)^tokens, the expected share of a
 *     layer's experts that a step's tokens route to (each token picks k
 *     of E; 1 for a dense model)
 *   linear_cmp = flops_per_token (decodes + prefill) / (tp F)
 *   attn = max(kv_per_token decode_ctx / (tp bw),
 *              attn_flops_per_ctx decode_ctx / (tp F))
 *        + max(kv_per_token prefill_read / (tp bw),
 *              attn_flops_per_ctx prefill_attn / (tp F))
 *   fixed = overhead + layers layer_overhead
 *         + [tp > 1] 2 layers 2 (tp-1) (tp_latency
 *                     + tokens * hidden * 2 / tp / tp_link) */
struct serve_step_parts {
    double linear_mem; /* s, the weights over the bandwidth */
    double linear_cmp; /* s, the linear layers' FLOPs over the FLOP rate */
    double attn;       /* s, attention (decode and prefill parts) */
    double fixed;      /* s, per-step overhead and all-reduces */
};
void serve_step_split(const struct serve_params *p,
                      const struct serve_step *st,
                      struct serve_step_parts *out);

/* Context tokens a sequence of `ctx` tokens reads per token of KV
 * (the windowed share capped at the window):
 *   (1 - window_share) ctx + window_share min(ctx, window). */
double serve_ctx_read(const struct serve_model *m, double ctx);
/* Summed over the c prompt tokens of a chunk that starts after p0
 * (token i attends to p0 + i tokens, i = 1..c): the prefill's attention
 * context, with the same cap. */
double serve_prefill_attn(const struct serve_model *m, double p0, double c);
/* Blocks a sequence of `in` prompt and `out` answer tokens holds at its
 * peak: its whole context, or with a full sliding window
 * max(in, min(in + out, window)) tokens (the prompt is held whole while
 * it is prefilled). */
long serve_peak_blocks(const struct serve_params *p, uint32_t in,
                       uint32_t out);

/* MoE: the expected share of a layer's E experts that `tokens` tokens,
 * each routed to k of them (share = k / E, independent and uniform),
 * touch: 1 - (1 - k/E)^tokens; 0 for no tokens. */
double serve_experts_touched(double share, double tokens);

/* The linear layers' time from their two terms: hypot(linear_mem,
 * linear_cmp), a smooth roofline (docs/internals/serve.md). */
double serve_linear_time(const struct serve_step_parts *t);

/* Base step time (no jitter), seconds:
 *   serve_linear_time + attn + fixed. */
double serve_step_time(const struct serve_params *p,
                       const struct serve_step *st);

/* How an engine sizes its KV cache on each GPU of a group. */
struct serve_memory {
    double usable;     /* bytes the card exposes (nvidia-smi total) */
    double fraction;   /* of usable (vLLM gpu_memory_utilization, SGLang
                          mem_fraction_static), or with of_free of what
                          is left after weights and activations */
    int of_free;       /* 1: TensorRT-LLM free_gpu_memory_fraction */
    double activation; /* bytes: activation peak, CUDA graphs, runtime */
};

/* Fills p->model from the catalog entries (weights in format q, KV cache
 * in kv) and returns the cache size in blocks for a tensor-parallel group
 * of tp GPUs: per GPU,
 *   usable * fraction - weights / tp - activation          (vLLM, SGLang)
 *   fraction * (usable - weights / tp - activation)        (of_free)
 * over the bytes of one block; 0 when nothing is left.  p->perf and the
 * serving fields are left for the caller. */
long serve_derive(struct serve_params *p, const struct model_spec *m,
                  enum catalog_quant q, enum catalog_kv_dtype kv, int tp,
                  const struct serve_memory *mem, int block_tokens);

/* Called when a request leaves the replica (finished) at time now. */
struct serve_hooks {
    void (*done)(void *ctx, struct request *r, double now);
    void *ctx;
};

/* Figures kept over [warmup, now) (all but the counters are time
 * integrals or sums; serve_flush brings them up to a time). */
struct serve_stats {
    double busy;          /* s with a step running */
    double batch_time;    /* integral of the batch size while busy */
    int max_batch;        /* largest batch seen */
    double kv_time;       /* integral of the occupied fraction of blocks */
    double kv_hist[SERVE_KV_BINS]; /* s spent at each occupancy bin */
    double span;          /* s observed (from warmup) */
    uint64_t steps;       /* steps run */
    uint64_t events;      /* step events (runs count once) */
    uint64_t tokens_out;  /* output tokens generated (first included) */
    uint64_t tokens_in;   /* prompt tokens prefilled (recompute too) */
    uint64_t preemptions;
    uint64_t completed;
    uint64_t prefix_lookups; /* admissions of requests with a prefix */
    uint64_t prefix_hits;    /* of which found it cached */
    uint64_t prefix_tokens_saved; /* prompt tokens not computed */
    uint64_t prefix_prompt_tokens; /* prompt tokens of those lookups */
    double compute_bound; /* s of steps whose FLOPs outweigh their bytes */
};

/* Time-series indices a replica adds to, or SIZE_MAX for none. */
struct serve_series {
    struct tseries *ts;   /* borrowed; may be NULL */
    size_t queue, batch, kv; /* level series: waiting, batch, occupancy */
    double kv_scale;      /* multiplies the occupied fraction (1/replicas
                             for a pool average) */
};

struct serve;

/* A replica, idle and empty, owned by the caller; p is copied, jitter and
 * series.ts are borrowed for its life.  NULL when out of memory or when p
 * is out of range (block_tokens, max_batch, kv_blocks). */
struct serve *serve_new(const struct serve_params *p, gsl_rng *jitter,
                        const struct serve_hooks *hooks,
                        const struct serve_series *series);
void serve_free(struct serve *sv); /* NULL is fine */

/* Whether a request of in + out tokens can ever fit in the cache. */
int serve_fits(const struct serve *sv, uint32_t in, uint32_t out);

/* Queues r (prompt r->input_tokens, answer r->output_tokens; r must pass
 * serve_fits) at time now.  It is admitted at the next boundary that has
 * room; a decode run in progress is cut there.  Sets r->t_start at its
 * first admission and r->t_first_token when its first token is out (each
 * only once: a request moved between replicas keeps them). */
void serve_submit(struct serve *sv, struct request *r, double now);

/* The time of the replica's next step boundary, +infinity when idle. */
double serve_next_time(const struct serve *sv);
/* Changes whenever serve_next_time changes: the driver's generation
 * stamp for stale events. */
uint64_t serve_epoch(const struct serve *sv);
/* Runs the boundary due at now (== serve_next_time): applies the step's
 * effects, hands finished requests to hooks->done, plans the next step. */
void serve_boundary(struct serve *sv, double now);

/* Takes every request away (a failure): the running ones in admission
 * order, then the queue, each passed to take(ctx, r) with its progress
 * reset (a retry starts over); the replica is left idle and empty.
 * Statistics are brought up to now first. */
void serve_evict(struct serve *sv, double now,
                 void (*take)(void *ctx, struct request *r), void *ctx);

/* Brings the statistics and time series up to now without changing the
 * state (call at the horizon before reading them). */
void serve_flush(struct serve *sv, double now);
const struct serve_stats *serve_stats(const struct serve *sv);
/* Time-weighted quantile of the cache occupancy (fraction), q in [0, 1]. */
double serve_kv_quantile(const struct serve *sv, double q);

/* Blocks of a prompt of input_tokens tokens of task that its task's
 * shared prefix covers: whole blocks, at least one token left to
 * compute; 0 without a prefix. */
long serve_prefix_blocks(const struct serve_params *p, int task,
                         uint32_t input_tokens);

/* Current state, for tests and load balancing. */
size_t serve_waiting(const struct serve *sv);
size_t serve_running(const struct serve *sv);
long serve_blocks_used(const struct serve *sv);
/* Steps the current event covers (1 for a single step; 0 when idle). */
long serve_run_steps(const struct serve *sv);

#endif
