#include "models/serve.h"

#include <assert.h>
#include <limits.h>
#include <math.h>

#include <gsl/gsl_randist.h>

#include "models/prefix.h"
#include "sim/mem.h"

/* The request scratch (sim/sim.h's u[] and p) belongs to the replica
 * while it holds the request; these name its parts:
 *   RQ_GENERATED(r)  output tokens generated before the current admission
 *                    (recompute preemption re-prefills them)
 *   RQ_FLAGS(r)      RQ_STARTED | RQ_FIRST: t_start / t_first_token set
 *   RQ_SEQ(r)        the sequence slot holding it, NULL while queued */
#define RQ_GENERATED(r) ((r)->u[0])
#define RQ_FLAGS(r) ((r)->u[1])
#define RQ_SEQ(r) ((r)->p)
#define RQ_STARTED 1u
#define RQ_FIRST 2u

enum { PH_PREFILL, PH_DECODE };

/* A running sequence (one batch slot). */
struct seq {
    struct request *r;  /* borrowed while running */
    int phase;          /* PH_PREFILL, then PH_DECODE */
    uint32_t in, out;   /* prompt (>= 1) and answer tokens */
    uint32_t prompt;    /* tokens to prefill this admission */
    uint32_t done_pf;   /* of which done */
    uint32_t chunk;     /* planned for the step in flight */
    long blocks;        /* prefill: blocks of its context so far */
    long shared;        /* of its blocks, those of a cached prefix (not
                           its own: never freed with it) */
    long commit;        /* no_evict: blocks reserved for all its tokens */
    uint32_t held;      /* hash cache: entries of its prompt's first
                           `held` hashes it holds a reference on */
    int64_t base;       /* decode: context L(K) = base + K */
    int64_t kfin;       /* decode: K once its last token is out */
    int capped;         /* decode: its context has passed the sliding
                           window (serve_window_cap) */
    size_t hi;          /* index in the finish heap */
    struct seq *prev, *next;   /* running, in admission order */
    struct seq *pprev, *pnext; /* prefill FIFO */
};

struct serve {
    struct serve_params p;     /* copied at serve_new */
    gsl_rng *rng;              /* jitter stream, borrowed; NULL: none */
    struct serve_hooks hooks;  /* where finished requests go */
    struct serve_series ser;   /* time series it adds to (ts borrowed) */
    struct seq *slots;         /* max_batch sequence slots, owned */
    struct seq *free_slots;    /* unused slots, a list through next */
    struct seq **heap;         /* decoders, min-heap on kfin, owned */
    size_t nheap;              /* decoders in the heap */
    long *cnt;                 /* decoders by (base - 1) mod block_tokens:
                                  who needs a new block at which step */
    long *cum;                 /* cum[k] = cnt[0] + ... + cnt[k-1],
                                  k = 0..block_tokens: a run's demand is
                                  two look-ups (serve_kv_demand) */
    int64_t bmask;             /* block_tokens - 1 when a power of two
                                  (residues and quotients by mask and
                                  shift, not a 64-bit division), else -1 */
    int bshift;                /* log2 block_tokens, with bmask */
    int cache_capped;          /* serve_cache_capped(&p), once */
    double per_ctx;            /* s per context token a decode step's
                                  attention reads: the larger of bytes
                                  over bandwidth and FLOPs over FLOP/s
                                  (constant; two divisions a run) */
    struct request *qhead, *qtail; /* the waiting queue, FIFO */
    size_t nq;                 /* requests waiting */
    struct seq *rhead, *rtail; /* running sequences, admission order */
    struct seq *phead, *ptail; /* of which prefilling, FIFO */
    size_t nrun;               /* running sequences */
    size_t nd;                 /* of which decoding */
    int64_t sum_base;          /* sum of the decoders' base */
    size_t ncap;               /* decoders past the sliding window */
    int64_t cap_base;          /* sum of their base */
    int64_t K;                 /* decode steps run since the replica
                                  started: a decoder's context is
                                  base + K */
    long pf_pending; /* prompt tokens left in the prefill FIFO */
    long blocks_used;          /* KV blocks held (cached prefixes too) */
    long committed;  /* no_evict: blocks reserved by running sequences
                        plus the cached prefixes */
    unsigned char *cached; /* per task: its shared prefix is resident */
    struct prefix *pc;     /* block-hash cache (p.prefix_caching), owned;
                              its idle blocks are free space, not in
                              blocks_used */
    /* the step (or decode run) in flight */
    int busy;        /* a step or run is in flight */
    int decode_in;   /* it includes one decode token for every decoder */
    int in_boundary; /* inside serve_boundary: submissions only queue */
    int cmp_bound;   /* its linear layers are compute-bound */
    double t0, t1;   /* s, its start and its end (the next boundary) */
    double t_acc;    /* s, statistics integrated up to here */
    double factor;   /* drawn time / base time (the jitter) */
    long n;          /* decode steps it covers (1 for a single step) */
    long demand;     /* KV blocks its decodes allocate by its end */
    size_t npf;      /* prefilling sequences with a chunk in it */
    size_t batch;    /* sequences in it */
    double t_qmark;  /* s, queue length integrated up to here */
    uint64_t epoch;  /* changes with every change of t1 */
    struct serve_stats st;     /* over [warmup, now) */
    /* serve_run_lin's parts that depend on the decoder count alone (the linear
     * roofline's hypot, the fixed time), memoised by nd: a decode run is
     * planned at every boundary, and nd takes few values */
    struct { size_t nd1; double linear, fixed; int cmp; } lin_memo[64];
    /* serve_run_lin of the decode run in flight (set when it is planned;
     * nothing it reads changes until the next boundary), for its cuts */
    struct lin { double a0, a1, b0, b1, c;
                 int cmp_bound; /* its linear layers are compute-bound */
               } run_lin;
};

static int64_t serve_imod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* serve_imod(a, block_tokens); a mask when block_tokens is a power of
 * two (two's complement: the same residue for negative a). */
static inline int64_t serve_bmod(const struct serve *sv, int64_t a)
{
    return sv->bmask >= 0 ? (a & sv->bmask)
                          : serve_imod(a, sv->p.block_tokens);
}

/* serve_blocks_for(tokens, block_tokens), by shift when it can. */
static inline long serve_blocks_of(const struct serve *sv, int64_t tokens)
{
    if (tokens <= 0)
        return 0;
    if (sv->bmask >= 0)
        return (long)((tokens + sv->bmask) >> sv->bshift);
    return (long)((tokens + sv->p.block_tokens - 1) / sv->p.block_tokens);
}

/* cnt[x] += d, and the prefix sums after it. */
static void serve_cnt_add(struct serve *sv, int64_t x, long d)
{
    sv->cnt[x] += d;
    for (int k = (int)x + 1; k <= sv->p.block_tokens; k++)
        sv->cum[k] += d;
}

static long serve_blocks_for(int64_t tokens, int bs)
{
    return tokens <= 0 ? 0 : (long)((tokens + bs - 1) / bs);
}

/* Whether a sequence's cache stops growing at the window (every layer
 * windowed). */
static int serve_cache_capped(const struct serve_params *p)
{
    return p->model.window > 0 && p->model.window_share >= 1;
}

/* Decoders whose cache grows a token a step (cnt[] counts these). */
static size_t serve_growing(const struct serve *sv)
{
    return sv->cache_capped ? sv->nd - sv->ncap : sv->nd;
}

/* Context tokens the decoders' attention reads at decode step K: the
 * full context for the layers without a window, and for the windowed
 * share the growing decoders' context plus `window` for each capped
 * one. */
static double serve_decode_read(const struct serve *sv, int64_t K)
{
    const struct serve_model *m = &sv->p.model;
    double all = (double)(sv->sum_base + (int64_t)sv->nd * K);
    if (m->window <= 0)
        return all;
    double grow = (double)(sv->sum_base - sv->cap_base +
                           (int64_t)(sv->nd - sv->ncap) * K);
    double win = grow + (double)sv->ncap * m->window;
    return (1 - m->window_share) * all + m->window_share * win;
}

/* How much serve_decode_read grows per decode step. */
static double serve_decode_read_slope(const struct serve *sv)
{
    const struct serve_model *m = &sv->p.model;
    double nd = (double)sv->nd;
    if (m->window <= 0)
        return nd;
    return (1 - m->window_share) * nd +
           m->window_share * (nd - (double)sv->ncap);
}

double serve_ctx_read(const struct serve_model *m, double ctx)
{
    if (m->window <= 0 || ctx <= m->window)
        return ctx;
    return (1 - m->window_share) * ctx + m->window_share * m->window;
}

double serve_prefill_attn(const struct serve_model *m, double p0, double c)
{
    double full = c * p0 + c * (c + 1) / 2;
    if (m->window <= 0 || p0 + c <= m->window)
        return full;
    /* tokens i = 1..k still inside the window (p0 + i <= W), the rest
     * read exactly W */
    double W = m->window, k = W - p0;
    k = k < 0 ? 0 : k > c ? c : k;
    double capped = k * p0 + k * (k + 1) / 2 + (c - k) * W;
    return (1 - m->window_share) * full + m->window_share * capped;
}

long serve_peak_blocks(const struct serve_params *p, uint32_t in,
                       uint32_t out)
{
    int64_t prompt = in ? in : 1, tokens = prompt + out;
    if (serve_cache_capped(p) && tokens > p->model.window)
        tokens = prompt > p->model.window ? prompt : p->model.window;
    return serve_blocks_for(tokens, p->block_tokens);
}

/* ---- the roofline ---- */

/* Attention's effective FLOP/s per GPU (serve_perf.attn_flops). */
static double serve_attn_rate(const struct serve_perf *f)
{
    return f->attn_flops > 0 ? f->attn_flops : f->flops;
}

static double serve_comm_time(const struct serve_params *p, double tokens)
{
    const struct serve_perf *f = &p->perf;
    if (f->tp <= 1)
        return 0;
    /* Two ring all-reduces per layer (after attention and after the MLP)
     * of tokens * hidden FP16 activations; a ring takes 2 (tp-1) hops,
     * each a latency plus 1/tp of the buffer over the bus bandwidth. */
    double bytes = tokens * p->model.hidden * 2.0;
    double hops = 2.0 * (f->tp - 1);
    double ring = hops * (f->tp_latency + bytes / f->tp / f->tp_link);
    return 2.0 * p->model.layers * ring;
}

double serve_experts_touched(double share, double tokens)
{
    /* A given expert is missed by one token with probability 1 - k/E and
     * by all of them with (1 - k/E)^tokens (routing taken independent and
     * uniform; real routers are skewed, which touches fewer). */
    if (!(tokens > 0) || !(share > 0))
        return 0;
    if (share >= 1)
        return 1;
    return -expm1(tokens * log1p(-share));
}

double serve_linear_time(const struct serve_step_parts *t)
{
    /* A smooth roofline, (mem^2 + cmp^2)^(1/2): far from the ridge it is
     * the larger term (within 2% once one is 5x the other); at the ridge
     * a GEMM streams its weights and computes at once and reaches neither
     * peak, sqrt(2) x max, as measured GEMM efficiency curves dip at
     * arithmetic intensities near the ridge point. */
    return hypot(t->linear_mem, t->linear_cmp);
}

void serve_step_split(const struct serve_params *p,
                      const struct serve_step *st,
                      struct serve_step_parts *out)
{
    const struct serve_model *m = &p->model;
    const struct serve_perf *f = &p->perf;
    double bw = f->tp * f->bandwidth, fl = f->tp * f->flops;
    double afl = f->tp * serve_attn_rate(f);
    /* The linear layers stream the weights once and do 2 x active params
     * FLOPs per token: one roofline.  An MoE layer reads only the experts
     * its tokens route to. */
    double tokens = st->decodes + st->prefill;
    double untouched = m->expert_read > 0
        ? m->expert_read * (1 - serve_experts_touched(m->expert_share, tokens))
        : 0;
    out->linear_mem = (m->weight_read - untouched) / bw;
    out->linear_cmp = m->flops_per_token * (st->decodes + st->prefill) / fl;
    /* Attention kernels run after them, each its own roofline: decode
     * attention reads every context token once; prefill attention reads
     * and writes its chunk's context. */
    double dec_mem = m->kv_per_token * st->decode_ctx / bw;
    double dec_cmp = m->attn_flops_per_ctx * st->decode_ctx / afl;
    double pf_mem = m->kv_per_token * st->prefill_read / bw;
    double pf_cmp = m->attn_flops_per_ctx * st->prefill_attn / afl;
    out->attn = (dec_mem > dec_cmp ? dec_mem : dec_cmp) +
                (pf_mem > pf_cmp ? pf_mem : pf_cmp);
    /* Every GPU of the group runs every layer's kernels: the per-layer
     * cost does not shrink with tp. */
    out->fixed = f->overhead + f->layer_overhead * m->layers +
                 serve_comm_time(p, st->decodes + st->prefill);
}

double serve_step_time(const struct serve_params *p,
                       const struct serve_step *st)
{
    struct serve_step_parts t;
    serve_step_split(p, st, &t);
    return serve_linear_time(&t) +
           t.attn + t.fixed;
}

long serve_derive(struct serve_params *p, const struct model_spec *m,
                  enum catalog_quant q, enum catalog_kv_dtype kv, int tp,
                  const struct serve_memory *mem, int block_tokens)
{
    p->model.weight_read = catalog_weight_read_bytes(m, q);
    p->model.expert_read = catalog_expert_bytes(m, q);
    p->model.expert_share = m->experts > 0
        ? (double)m->experts_active / m->experts : 0;
    p->model.flops_per_token = catalog_flops_per_token(m);
    p->model.attn_flops_per_ctx = catalog_attn_flops_per_ctx(m);
    p->model.kv_per_token = catalog_kv_bytes_per_token(m, kv);
    p->model.layers = m->layers;
    p->model.hidden = m->hidden;
    p->model.window = m->sliding_window > 0 && m->sliding_window < m->context
                          ? m->sliding_window : 0;
    p->model.window_share = p->model.window > 0 ? m->sliding_share : 0;
    double weights = catalog_weight_bytes(m, q) / tp;
    double per_gpu;
    if (mem->of_free) /* TensorRT-LLM: a share of what is left */
        per_gpu = mem->fraction * (mem->usable - weights - mem->activation);
    else /* vLLM, SGLang: a share of the card, less what else lives there */
        per_gpu = mem->usable * mem->fraction - weights - mem->activation;
    if (!(per_gpu > 0) || block_tokens < 1)
        return 0;
    return (long)floor(per_gpu * tp /
                       (p->model.kv_per_token * block_tokens));
}

/*
 * A decode run: step j (from 0) of a batch of nd decoders whose context
 * totals S at its start costs max(a0 + a1 j, b0 + b1 j) + c.  With the
 * per-operator roofline of serve_step_split the linear layers cost the
 * same at every step of the run, and decode attention is the larger of
 * its bytes and FLOPs, both proportional to the context S + nd j: a
 * single line, so both pieces are set to it (serve_lin_sums then takes one
 * segment).
 */
static struct lin serve_run_lin(struct serve *sv)
{
    double nd = (double)sv->nd;
    double S = serve_decode_read(sv, sv->K);
    struct serve *w = sv; /* lin_memo: a cache, the same values */
    size_t slot = sv->nd % (sizeof w->lin_memo / sizeof w->lin_memo[0]);
    if (w->lin_memo[slot].nd1 != sv->nd + 1) {
        struct serve_step st = {nd, 0, 0, 0, 0};
        struct serve_step_parts t;
        serve_step_split(&sv->p, &st, &t);
        w->lin_memo[slot].nd1 = sv->nd + 1;
        w->lin_memo[slot].linear = serve_linear_time(&t);
        w->lin_memo[slot].fixed = t.fixed;
        w->lin_memo[slot].cmp = t.linear_cmp > t.linear_mem;
    }
    double per_ctx = sv->per_ctx;
    struct lin l;
    l.a0 = w->lin_memo[slot].linear +
           per_ctx * S;
    l.a1 = per_ctx * serve_decode_read_slope(sv);
    l.b0 = l.a0;
    l.b1 = l.a1;
    l.c = w->lin_memo[slot].fixed;
    l.cmp_bound = w->lin_memo[slot].cmp;
    return l;
}

/* Sums of g(j) = u + v j and of g(j)^2 over j in [j0, j1); s2 NULL:
 * the first only (the searches for a cut), the same bits. */
static inline void serve_seg_sums(double u, double v, double j0, double j1,
                                  double *s1, double *s2)
{
    if (j1 <= j0)
        return;
    double n = j1 - j0;
    double sj = (j1 * (j1 - 1) - j0 * (j0 - 1)) / 2;
    *s1 += n * u + v * sj;
    if (!s2)
        return;
    double sjj = ((j1 - 1) * j1 * (2 * j1 - 1) - (j0 - 1) * j0 * (2 * j0 - 1)) /
                 6;
    *s2 += n * u * u + 2 * u * v * sj + v * v * sjj;
}

/* Sum and sum of squares (s2 NULL: the sum only) of the first m base
 * step times of a run. */
static inline void serve_lin_sums(const struct lin *l, double m, double *s1,
                                  double *s2)
{
    *s1 = 0;
    if (s2)
        *s2 = 0;
    double da = l->a0 - l->b0, db = l->a1 - l->b1;
    double js; /* the first j of the second piece */
    int a_first;
    if (db == 0) {
        js = m;
        a_first = da >= 0;
    } else if (db > 0) { /* memory overtakes compute at j >= -da/db */
        js = ceil(-da / db);
        a_first = 0;
    } else {
        js = floor(-da / db) + 1;
        a_first = 1;
    }
    if (js < 0)
        js = 0;
    if (js > m)
        js = m;
    double u1 = (a_first ? l->a0 : l->b0) + l->c;
    double v1 = a_first ? l->a1 : l->b1;
    double u2 = (a_first ? l->b0 : l->a0) + l->c;
    double v2 = a_first ? l->b1 : l->a1;
    serve_seg_sums(u1, v1, 0, js, s1, s2);
    serve_seg_sums(u2, v2, js, m, s1, s2);
}

/* A draw of the total time of steps whose base times sum to mean and
 * whose squares sum to sq: the jitter factor has mean 1 and cv, so the
 * total has that mean and variance cv^2 sq. */
static double serve_draw_total(struct serve *sv, double mean, double sq)
{
    const struct serve_perf *f = &sv->p.perf;
    double var = f->jitter_cv * f->jitter_cv * sq;
    if (f->jitter == SERVE_JITTER_NONE || !(var > 0) || !sv->rng)
        return mean;
    if (f->jitter == SERVE_JITTER_GAMMA) {
        /* shape = mean^2/var, scale = var/mean; with n equal steps of b,
         * shape = n/cv^2: exactly the sum of n gamma(1/cv^2) factors. */
        return gsl_ran_gamma(sv->rng, mean * mean / var, var / mean);
    }
    /* Lognormal matched to the mean and variance (Fenton-Wilkinson);
     * exact for one step. */
    double s2 = log1p(var / (mean * mean));
    return gsl_ran_lognormal(sv->rng, log(mean) - s2 / 2, sqrt(s2));
}

/* ---- the cache ---- */

/* Blocks the decoders allocate over steps [K, K + m): one for each at
 * every step where its context has just filled a block. */
static long serve_kv_demand(const struct serve *sv, int64_t K, int64_t m)
{
    int bs = sv->p.block_tokens;
    int64_t q, r;
    if (m < bs) { /* one step, mostly */
        q = 0;
        r = m;
    } else if (sv->bmask >= 0) {
        q = m >> sv->bshift;
        r = m & sv->bmask;
    } else {
        q = m / bs;
        r = m % bs;
    }
    long d = (long)(q * (int64_t)serve_growing(sv));
    if (r == 0)
        return d;
    /* cnt at the residues serve_imod(-(K + j), bs), j = 0..r-1: i, i-1,
     * ... down to 0, then from bs-1 down; a difference of prefix sums for
     * each stretch (it was a walk over up to bs counts). */
    int64_t i = serve_bmod(sv, -K);
    if (r <= i + 1)
        return d + sv->cum[i + 1] - sv->cum[i + 1 - r];
    return d + sv->cum[i + 1] + sv->cum[bs] - sv->cum[bs - (r - i - 1)];
}

/* Steps the decoders can run before the cache is exhausted. */
static int64_t serve_kv_steps(const struct serve *sv)
{
    long free_blocks = sv->p.kv_blocks - sv->blocks_used;
    int bs = sv->p.block_tokens;
    long ng = (long)serve_growing(sv);
    if (ng == 0)
        return INT64_MAX;
    /* Every growing decoder takes one block per bs steps: whole periods
     * first. */
    int64_t q = free_blocks / ng;
    long rem = free_blocks - (long)(q * (int64_t)ng);
    int64_t j = 0, i = serve_bmod(sv, -sv->K); /* i: serve_imod(-(K + j), bs) */
    long acc = 0;
    while (j < bs) {
        long d = sv->cnt[i];
        if (acc + d > rem)
            break;
        acc += d;
        j++;
        i = i > 0 ? i - 1 : bs - 1;
    }
    return q * bs + j;
}

/* serve_kv_steps(sv) == 0, without its walk: no whole period fits (C's
 * division truncates, so |free| < nd) and neither does the next step's
 * allocation.  The check at every plan, where the walk cost the most. */
static int serve_kv_none(const struct serve *sv)
{
    long free_blocks = sv->p.kv_blocks - sv->blocks_used;
    long ng = (long)serve_growing(sv); /* as serve_kv_steps counts */
    return ng > 0 && free_blocks < ng && free_blocks > -ng &&
           sv->cnt[serve_bmod(sv, -sv->K)] > free_blocks;
}

/* ---- lists ---- */

static void serve_heap_swap(struct seq **h, size_t i, size_t j)
{
    struct seq *t = h[i];
    h[i] = h[j];
    h[j] = t;
    h[i]->hi = i;
    h[j]->hi = j;
}

static void serve_heap_up(struct serve *sv, size_t i)
{
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (sv->heap[up]->kfin <= sv->heap[i]->kfin)
            break;
        serve_heap_swap(sv->heap, i, up);
        i = up;
    }
}

static void serve_heap_down(struct serve *sv, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < sv->nheap && sv->heap[l]->kfin < sv->heap[m]->kfin)
            m = l;
        if (l + 1 < sv->nheap && sv->heap[l + 1]->kfin < sv->heap[m]->kfin)
            m = l + 1;
        if (m == i)
            return;
        serve_heap_swap(sv->heap, i, m);
        i = m;
    }
}

static void serve_heap_remove(struct serve *sv, struct seq *s)
{
    size_t i = s->hi;
    sv->nheap--;
    if (i == sv->nheap)
        return;
    sv->heap[i] = sv->heap[sv->nheap];
    sv->heap[i]->hi = i;
    serve_heap_down(sv, i);
    serve_heap_up(sv, i);
}

static void serve_decoder_add(struct serve *sv, struct seq *s)
{
    s->phase = PH_DECODE;
    s->capped = 0;
    serve_cnt_add(sv, serve_bmod(sv, s->base - 1), 1);
    sv->sum_base += s->base;
    sv->nd++;
    s->hi = sv->nheap;
    sv->heap[sv->nheap++] = s;
    serve_heap_up(sv, s->hi);
}

/* Takes s out of the decode set; returns the blocks it held. */
static long serve_decoder_remove(struct serve *sv, struct seq *s)
{
    serve_heap_remove(sv, s);
    int capped = s->capped, cache_capped = sv->cache_capped;
    if (!capped || !cache_capped)
        serve_cnt_add(sv, serve_bmod(sv, s->base - 1), -1);
    if (capped) {
        sv->ncap--;
        sv->cap_base -= s->base;
        s->capped = 0;
    }
    sv->sum_base -= s->base;
    sv->nd--;
    if (capped && cache_capped) {
        long keep = serve_blocks_for(sv->p.model.window, sv->p.block_tokens);
        return keep > s->shared ? keep - s->shared : 0;
    }
    return serve_blocks_of(sv, s->base + sv->K - 1) - s->shared;
}

/* Steps before the first growing decoder's context passes the window
 * (its position base + K - 1 reaches it); INT64_MAX without a window.
 * A scan of the decoders, O(batch), made only for windowed models. */
static int64_t serve_window_steps(const struct serve *sv)
{
    int64_t W = sv->p.model.window, best = INT64_MAX;
    if (W <= 0 || sv->ncap == sv->nd)
        return best;
    for (size_t i = 0; i < sv->nheap; i++) {
        const struct seq *s = sv->heap[i];
        int64_t left = W + 1 - s->base - sv->K;
        if (!s->capped && left < best)
            best = left;
    }
    return best < 1 ? 1 : best;
}

/* Moves the decoders whose context has passed the window to the capped
 * set: their windowed reads stay at the window and, when every layer is
 * windowed, their cache stops growing and the blocks that fell out of
 * the window go back to the pool. */
static void serve_window_cap(struct serve *sv)
{
    int64_t W = sv->p.model.window;
    int bs = sv->p.block_tokens, cache_capped = sv->cache_capped;
    if (W <= 0 || sv->ncap == sv->nd)
        return;
    for (size_t i = 0; i < sv->nheap; i++) {
        struct seq *s = sv->heap[i];
        int64_t pos = s->base + sv->K - 1; /* tokens in its cache */
        if (s->capped || pos < W)
            continue;
        s->capped = 1;
        sv->ncap++;
        sv->cap_base += s->base;
        if (!cache_capped)
            continue;
        serve_cnt_add(sv, serve_bmod(sv, s->base - 1), -1);
        long held = serve_blocks_for(pos, bs) - s->shared;
        long keep = serve_blocks_for(W, bs) - s->shared;
        keep = keep > 0 ? keep : 0;
        if (held > keep)
            sv->blocks_used -= held - keep;
    }
}

static void serve_pf_unlink(struct serve *sv, struct seq *s)
{
    if (s->pprev)
        s->pprev->pnext = s->pnext;
    else
        sv->phead = s->pnext;
    if (s->pnext)
        s->pnext->pprev = s->pprev;
    else
        sv->ptail = s->pprev;
    sv->pf_pending -= (long)(s->prompt - s->done_pf);
}

static void serve_run_unlink(struct serve *sv, struct seq *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        sv->rhead = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        sv->rtail = s->prev;
    sv->nrun--;
    RQ_SEQ(s->r) = NULL;
    s->next = sv->free_slots;
    sv->free_slots = s;
}

/* ---- statistics ---- */

static void serve_queue_mark(struct serve *sv, double now)
{
    /* An empty queue adds (b - a) * 0 = +0 to a bucket, which leaves it
     * as it was: the call is skipped (an arrival to an empty queue, most
     * of them below saturation). */
    if (sv->ser.ts && now > sv->t_qmark && sv->nq > 0)
        tseries_level(sv->ser.ts, sv->ser.queue, sv->t_qmark, now,
                      (double)sv->nq, (double)sv->nq);
    sv->t_qmark = now;
}

/* Spreads dt seconds spent going linearly from occupancy o0 to o1. */
static void serve_kv_hist_add(struct serve *sv, double o0, double o1, double dt)
{
    if (o0 > o1) {
        double t = o0;
        o0 = o1;
        o1 = t;
    }
    int i0 = (int)(o0 * SERVE_KV_BINS), i1 = (int)(o1 * SERVE_KV_BINS);
    if (i0 >= SERVE_KV_BINS)
        i0 = SERVE_KV_BINS - 1;
    if (i1 >= SERVE_KV_BINS)
        i1 = SERVE_KV_BINS - 1;
    if (i0 == i1 || !(o1 > o0)) {
        sv->st.kv_hist[i0] += dt;
        return;
    }
    for (int i = i0; i <= i1; i++) {
        double lo = (double)i / SERVE_KV_BINS, hi = (double)(i + 1) / SERVE_KV_BINS;
        lo = lo < o0 ? o0 : lo;
        hi = hi > o1 ? o1 : hi;
        if (hi > lo)
            sv->st.kv_hist[i] += dt * (hi - lo) / (o1 - o0);
    }
}

/* Integrates the step in flight over [t_acc, now]. */
static void serve_account(struct serve *sv, double now)
{
    if (!sv->busy || !(now > sv->t_acc))
        return;
    double len = sv->t1 - sv->t0;
    double total = (double)sv->p.kv_blocks;
    double b0 = (double)sv->blocks_used, db = (double)sv->demand;
    double a = sv->t_acc, b = now;
    double o_a, o_b;
    if (db == 0) { /* b0 + 0 x is b0 exactly: one division, not four */
        o_a = o_b = b0 / total;
    } else {
        o_a = (b0 + db * (len > 0 ? (a - sv->t0) / len : 0)) / total;
        o_b = (b0 + db * (len > 0 ? (b - sv->t0) / len : 1)) / total;
    }
    if (sv->ser.ts) {
        tseries_level(sv->ser.ts, sv->ser.batch, a, b, (double)sv->batch,
                      (double)sv->batch);
        tseries_level(sv->ser.ts, sv->ser.kv, a, b, o_a * sv->ser.kv_scale,
                      o_b * sv->ser.kv_scale);
    }
    if (b > sv->p.warmup) {
        if (a < sv->p.warmup) { /* clip the line to the window */
            o_a += (o_b - o_a) * (sv->p.warmup - a) / (b - a);
            a = sv->p.warmup;
        }
        double dt = b - a;
        sv->st.busy += dt;
        sv->st.batch_time += dt * (double)sv->batch;
        sv->st.kv_time += dt * 0.5 * (o_a + o_b);
        serve_kv_hist_add(sv, o_a, o_b, dt);
    }
    sv->t_acc = now;
}

/* ---- scheduling ---- */

static void serve_set_step(struct serve *sv, double now, double base_sum,
                           double base_sq, long n)
{
    double T = serve_draw_total(sv, base_sum, base_sq);
    if (!(T > 0))
        T = base_sum > 0 ? base_sum : 1e-9;
    sv->busy = 1;
    sv->t0 = sv->t_acc = now;
    sv->t1 = now + T;
    sv->factor = T / base_sum;
    sv->n = n;
    sv->epoch++;
    if ((int)sv->batch > sv->st.max_batch && now >= sv->p.warmup)
        sv->st.max_batch = (int)sv->batch;
}

static long serve_prefix_hit_blocks(const struct serve *sv,
                                    const struct request *r);
static int serve_prefix_hashed(const struct serve *sv,
                               const struct request *r);

/* Counts a prefix-cache lookup (a request of a task with a shared
 * prefix) and whether it hit. */
static void serve_prefix_count(struct serve *sv, const struct request *r,
                               int hit,
                         double now)
{
    if (now < sv->p.warmup || r->task < 0 ||
        (size_t)r->task >= sv->p.ntasks ||
        serve_prefix_blocks(&sv->p, r->task, r->input_tokens) == 0)
        return;
    sv->st.prefix_lookups++;
    sv->st.prefix_prompt_tokens += r->input_tokens + RQ_GENERATED(r);
    if (hit) {
        sv->st.prefix_hits++;
        sv->st.prefix_tokens_saved +=
            (uint64_t)serve_prefix_hit_blocks(sv, r) *
            (uint64_t)sv->p.block_tokens;
    }
}

/* After a miss's prompt is in, its task's prefix blocks become the
 * cache's: pinned (charged once, never freed while the replica is up). */
static void serve_prefix_pin(struct serve *sv, struct seq *s)
{
    const struct request *r = s->r;
    if (!sv->cached || s->shared > 0 || r->task < 0 ||
        (size_t)r->task >= sv->p.ntasks || sv->cached[r->task] ||
        serve_prefix_hashed(sv, r))
        return;
    long pb = serve_prefix_blocks(&sv->p, r->task, r->input_tokens);
    if (pb == 0)
        return;
    sv->cached[r->task] = 1;
    s->shared = pb;
    s->commit -= sv->p.no_evict ? pb : 0;
}

/* Blocks of r's prompt a cached prefix covers (0 on a miss): the task's
 * shared prefix in whole blocks, leaving at least one prompt token to
 * compute. */
static long serve_prefix_hit_blocks(const struct serve *sv,
                                    const struct request *r)
{
    if (!sv->cached || r->task < 0 || (size_t)r->task >= sv->p.ntasks ||
        !sv->cached[r->task] || serve_prefix_hashed(sv, r))
        return 0;
    return serve_prefix_blocks(&sv->p, r->task, r->input_tokens);
}

/* ---- prefix cache by block hash ----
 *
 * Hash j of a request covers prompt tokens [j H, min((j + 1) H, in)), H
 * the trace's hash block (512 in Mooncake), and stands for the engine's
 * whole KV blocks (block_tokens each, 16 in vLLM) that complete inside
 * it: floor(end_j / bs) - floor(end_{j-1} / bs), 32 for a full 512-token
 * hash block.  A trailing part block is the sequence's own, never
 * cached, as vLLM hashes only full blocks.  A hash block shared means
 * all of its engine blocks are; an unshared one, none of them (the trace
 * cannot say more). */

/* Whether r goes through the hash cache. */
static int serve_prefix_hashed(const struct serve *sv,
                               const struct request *r)
{
    return sv->pc && r->prefix_hashes && r->prefix_block_tokens > 0;
}

/* The hashes of r that describe its prompt and own at least one engine
 * block: up to the first past the prompt or without a whole block. */
static uint32_t serve_prefix_usable(const struct serve *sv,
                                    const struct request *r)
{
    uint64_t H = r->prefix_block_tokens, bs = (uint64_t)sv->p.block_tokens;
    uint64_t in = r->input_tokens, n = (in + H - 1) / H;
    if (n > r->prefix_blocks)
        n = r->prefix_blocks;
    for (uint64_t j = 0; j < n; j++)
        if (((j + 1) * H < in ? (j + 1) * H : in) / bs <= j * H / bs)
            return (uint32_t)j;
    return (uint32_t)n;
}

/* Engine blocks of r's first k hashes. */
static long serve_prefix_span(const struct serve *sv,
                              const struct request *r, uint32_t k)
{
    uint64_t end = (uint64_t)k * r->prefix_block_tokens;
    if (end > r->input_tokens)
        end = r->input_tokens;
    return (long)(end / (uint64_t)sv->p.block_tokens);
}

/* Blocks of r's hash 0 <= j < usable. */
static long serve_prefix_entry_blocks(const struct serve *sv,
                                      const struct request *r, uint32_t j)
{
    return serve_prefix_span(sv, r, j + 1) - serve_prefix_span(sv, r, j);
}

/* The leading run of r's hashes resident now: its length, its blocks
 * (*shared) and of those the idle ones (*idle: taking them adds them to
 * blocks_used). */
static uint32_t serve_prefix_lookup(const struct serve *sv,
                                    const struct request *r, long *shared,
                                    long *idle)
{
    uint32_t n = serve_prefix_usable(sv, r), h = 0, refs = 0;
    *idle = 0;
    /* one probe a hash: this runs at every admission check of the head */
    for (; h < n; h++) {
        long b = prefix_peek(sv->pc,
                             prefix_key(r->prefix_pass, r->prefix_hashes[h]),
                             &refs);
        /* not resident; or an equal hash over another length (a trace
         * that is not consistent): no hit, the blocks would not add up */
        if (b == 0 || b != serve_prefix_entry_blocks(sv, r, h))
            break;
        if (refs == 0)
            *idle += b;
    }
    *shared = serve_prefix_span(sv, r, h);
    return h;
}

/* Gives the cache's idle blocks back to the pool until it fits beside
 * what the sequences hold. */
static void serve_prefix_trim(struct serve *sv)
{
    if (sv->pc)
        prefix_evict(sv->pc, sv->p.kv_blocks - sv->blocks_used);
}

/* At admission (s's own blocks already counted): takes the resident
 * leading run, whose prefill is skipped (at least the prompt's last
 * token is computed, as vLLM recomputes it on a full hit). */
static void serve_prefix_take(struct serve *sv, struct seq *s, double now)
{
    const struct request *r = s->r;
    long shared, idle;
    uint32_t h = serve_prefix_lookup(sv, r, &shared, &idle);
    for (uint32_t j = 0; j < h; j++)
        prefix_acquire(sv->pc, prefix_key(r->prefix_pass,
                                          r->prefix_hashes[j]));
    s->held = h;
    s->shared = shared;
    sv->blocks_used += idle - shared;
    uint64_t skip = (uint64_t)shared * (uint64_t)sv->p.block_tokens;
    s->done_pf = (uint32_t)(skip < s->prompt ? skip : s->prompt - 1);
    serve_prefix_trim(sv);
    if (now < sv->p.warmup)
        return;
    sv->st.prefix_lookups++;
    sv->st.prefix_hits += s->done_pf > 0;
    sv->st.prefix_tokens_saved += s->done_pf;
    sv->st.prefix_prompt_tokens += s->prompt;
}

/* Once s's prompt is in: its hashed blocks past the hit join the cache
 * (one resident already, computed meanwhile by another sequence, is
 * shared and s's copy freed; a table full of pinned entries stops it). */
static void serve_prefix_put(struct serve *sv, struct seq *s)
{
    const struct request *r = s->r;
    if (!serve_prefix_hashed(sv, r))
        return;
    uint32_t n = serve_prefix_usable(sv, r);
    for (; s->held < n; s->held++) {
        uint64_t key = prefix_key(r->prefix_pass, r->prefix_hashes[s->held]);
        long b = serve_prefix_entry_blocks(sv, r, s->held), have;
        if ((have = prefix_blocks_of(sv->pc, key)) > 0 && have != b)
            break; /* see serve_prefix_lookup */
        long moved = have > 0 ? prefix_acquire(sv->pc, key) : -1;
        if (moved >= 0)
            sv->blocks_used += moved - b;
        else if (prefix_insert(sv->pc, key, b) < 0)
            break;
        s->shared += b;
    }
    serve_prefix_trim(sv);
}

/* When s leaves (finished or preempted; its own blocks already
 * returned): its entries are released, tail first. */
static void serve_prefix_drop(struct serve *sv, struct seq *s)
{
    if (!sv->pc || s->held == 0)
        return;
    const struct request *r = s->r;
    sv->blocks_used -= prefix_release_run(sv->pc, r->prefix_hashes, s->held,
                                          r->prefix_pass);
    s->held = 0;
    s->shared = 0;
}

/* Whether the queue head fits after m more decode steps (batch, step
 * budget and cache; with no_evict, all its tokens). */
static int serve_head_fits(const struct serve *sv, int64_t m)
{
    const struct request *r = sv->qhead;
    if (!r || sv->nrun >= (size_t)sv->p.max_batch)
        return 0;
    if (sv->p.chunk > 0 &&
        (long)sv->p.chunk - (long)sv->nd - sv->pf_pending <= 0)
        return 0;
    if (sv->p.chunk == 0 && sv->pf_pending > 0 &&
        sv->pf_pending + (long)r->input_tokens + (long)RQ_GENERATED(r) >
            sv->p.max_batched)
        return 0;
    uint32_t in = r->input_tokens ? r->input_tokens : 1;
    long declared = serve_prefix_hit_blocks(sv, r), shared = declared;
    long idle = 0;
    if (sv->pc && serve_prefix_hashed(sv, r))
        serve_prefix_lookup(sv, r, &shared, &idle);
    if (sv->p.no_evict &&
        sv->committed + serve_peak_blocks(&sv->p, in, r->output_tokens) -
                declared > sv->p.kv_blocks)
        return 0;
    long need = serve_blocks_of(sv, (int64_t)in + (int64_t)RQ_GENERATED(r)) -
                shared + idle;
    long free_blocks = sv->p.kv_blocks - sv->blocks_used -
                       serve_kv_demand(sv, sv->K, m);
    return need + serve_kv_demand(sv, sv->K + m, 1) <= free_blocks;
}

static void serve_admit(struct serve *sv, double now)
{
    while (serve_head_fits(sv, 0)) {
        struct request *r = sv->qhead;
        serve_queue_mark(sv, now);
        sv->qhead = r->next;
        if (!sv->qhead)
            sv->qtail = NULL;
        sv->nq--;
        r->next = NULL;
        struct seq *s = sv->free_slots;
        assert(s);
        sv->free_slots = s->next;
        s->r = r;
        s->in = r->input_tokens ? r->input_tokens : 1;
        s->out = r->output_tokens;
        s->prompt = s->in + (uint32_t)RQ_GENERATED(r);
        s->shared = serve_prefix_hit_blocks(sv, r);
        /* A cached prefix is not computed again: its prefill starts
         * after it (its attention still reads it). */
        s->done_pf = (uint32_t)(s->shared * sv->p.block_tokens);
        s->chunk = 0;
        s->blocks = serve_blocks_of(sv, s->prompt);
        s->commit = sv->p.no_evict
                        ? serve_peak_blocks(&sv->p, s->in, s->out) -
                              s->shared
                        : 0;
        s->phase = PH_PREFILL;
        sv->blocks_used += s->blocks - s->shared;
        sv->committed += s->commit;
        s->held = 0;
        if (sv->pc && serve_prefix_hashed(sv, r))
            serve_prefix_take(sv, s, now);
        else
            serve_prefix_count(sv, r, s->shared > 0, now);
        s->prev = sv->rtail;
        s->next = NULL;
        if (sv->rtail)
            sv->rtail->next = s;
        else
            sv->rhead = s;
        sv->rtail = s;
        sv->nrun++;
        s->pprev = sv->ptail;
        s->pnext = NULL;
        if (sv->ptail)
            sv->ptail->pnext = s;
        else
            sv->phead = s;
        sv->ptail = s;
        sv->pf_pending += (long)(s->prompt - s->done_pf);
        RQ_SEQ(r) = s;
        if (!(RQ_FLAGS(r) & RQ_STARTED)) {
            r->t_start = now;
            RQ_FLAGS(r) |= RQ_STARTED;
        }
    }
}

/* Recompute preemption of the most recently admitted sequence. */
static void serve_preempt(struct serve *sv, double now)
{
    struct seq *s = sv->rtail;
    assert(s);
    struct request *r = s->r;
    sv->committed -= s->commit;
    if (s->phase == PH_PREFILL) {
        serve_pf_unlink(sv, s);
        sv->blocks_used -= s->blocks - s->shared;
    } else {
        sv->blocks_used -= serve_decoder_remove(sv, s);
        RQ_GENERATED(r) = (uint64_t)(s->base + sv->K - (int64_t)s->in);
    }
    if (sv->pc)
        serve_prefix_drop(sv, s);
    serve_run_unlink(sv, s);
    serve_queue_mark(sv, now);
    r->next = sv->qhead;
    sv->qhead = r;
    if (!sv->qtail)
        sv->qtail = r;
    sv->nq++;
    if (now >= sv->p.warmup)
        sv->st.preemptions++;
}

/* Plans a step with prompt work; 0 when there is none to do. */
static int serve_start_prefill_step(struct serve *sv, double now)
{
    int mixed = sv->p.chunk > 0;
    long budget = mixed ? (long)sv->p.chunk - (long)sv->nd : LONG_MAX;
    struct serve_step st = {0, 0, 0, 0, 0};
    sv->npf = 0;
    for (struct seq *s = sv->phead; s && budget > 0; s = s->pnext) {
        long c = (long)(s->prompt - s->done_pf);
        if (c > budget && mixed && sv->p.whole_prompts) {
            /* TensorRT-LLM's micro-batch scheduler without chunked
             * context: a context that does not fit waits (first come,
             * first served: so do the ones behind it); one longer than
             * the whole budget, which that engine would refuse, runs
             * alone rather than never. */
            if (sv->npf > 0 || c <= (long)sv->p.chunk)
                break;
        } else if (c > budget) {
            c = budget;
        }
        s->chunk = (uint32_t)c;
        budget -= c;
        sv->npf++;
        double p0 = s->done_pf, cc = (double)c;
        st.prefill += cc;
        st.prefill_read += serve_ctx_read(&sv->p.model, p0 + cc);
        st.prefill_attn += serve_prefill_attn(&sv->p.model, p0, cc);
    }
    if (sv->npf == 0)
        return 0;
    sv->decode_in = mixed && sv->nd > 0;
    sv->demand = 0;
    if (sv->decode_in) {
        st.decodes = (double)sv->nd;
        st.decode_ctx = serve_decode_read(sv, sv->K);
        sv->demand = serve_kv_demand(sv, sv->K, 1);
    }
    sv->batch = sv->npf + (sv->decode_in ? sv->nd : 0);
    struct serve_step_parts parts;
    serve_step_split(&sv->p, &st, &parts);
    /* serve_step_time's sum, from the split already made */
    double b = serve_linear_time(&parts) + parts.attn + parts.fixed;
    sv->cmp_bound = parts.linear_cmp > parts.linear_mem;
    serve_set_step(sv, now, b, b * b, 1);
    return 1;
}

static void serve_plan(struct serve *sv, double now)
{
    int preempted = 0;
    if (sv->p.chunk > 0 || !sv->qhead) {
        /* Decodes run this step: make room for their blocks first. */
        while (serve_kv_none(sv)) {
            serve_preempt(sv, now);
            preempted = 1;
        }
    }
    if (!preempted)
        serve_admit(sv, now);
    if (sv->phead && sv->p.chunk == 0) {
        if (serve_start_prefill_step(sv, now))
            return;
    }
    if (sv->p.chunk == 0 && serve_kv_none(sv)) {
        /* Non-chunked: the queue head did not fit after all. */
        while (serve_kv_none(sv))
            serve_preempt(sv, now);
    }
    if (sv->phead && sv->p.chunk > 0 && serve_start_prefill_step(sv, now))
        return;
    if (sv->nd == 0) {
        sv->busy = 0;
        sv->batch = 0;
        sv->n = 0;
        sv->epoch++;
        return;
    }
    /* A decode run: to the first completion or the cache's end. */
    int64_t n = sv->heap[0]->kfin - sv->K;
    /* The cache bounds the run only when the growing decoders' n steps
     * may need more blocks than are free: at most one per decoder per
     * block. */
    if ((int64_t)serve_growing(sv) * serve_blocks_of(sv, n) >
        sv->p.kv_blocks - sv->blocks_used) {
        int64_t kvn = serve_kv_steps(sv);
        if (kvn < n)
            n = kvn;
    }
    int64_t wn = serve_window_steps(sv);
    if (wn < n)
        n = wn;
    if (sv->p.exact_steps)
        n = 1;
    assert(n >= 1);
    sv->decode_in = 1;
    sv->npf = 0;
    sv->batch = sv->nd;
    sv->demand = serve_kv_demand(sv, sv->K, n);
    sv->run_lin = serve_run_lin(sv);
    const struct lin *l = &sv->run_lin;
    double s1, s2;
    serve_lin_sums(l, (double)n, &s1, &s2);
    sv->cmp_bound = l->cmp_bound; /* the same split as serve_run_lin's */
    serve_set_step(sv, now, s1, s2, (long)n);
}

/* ---- the public face ---- */

struct serve *serve_new(const struct serve_params *p, gsl_rng *jitter,
                        const struct serve_hooks *hooks,
                        const struct serve_series *series)
{
    if (p->block_tokens < 1 || p->block_tokens > SERVE_MAX_BLOCK ||
        p->max_batch < 1 || p->kv_blocks < 1 || p->perf.tp < 1)
        return NULL;
    struct serve *sv = mem_calloc(1, sizeof *sv);
    if (!sv)
        return NULL;
    sv->p = *p;
    if (sv->p.max_batched < 1)
        sv->p.max_batched = 1;
    sv->rng = jitter;
    sv->hooks = *hooks;
    if (series)
        sv->ser = *series;
    sv->slots = mem_calloc((size_t)p->max_batch, sizeof *sv->slots);
    sv->heap = mem_calloc((size_t)p->max_batch, sizeof *sv->heap);
    sv->cnt = mem_calloc((size_t)p->block_tokens, sizeof *sv->cnt);
    sv->cum = mem_calloc((size_t)p->block_tokens + 1, sizeof *sv->cum);
    sv->bmask = -1;
    if ((p->block_tokens & (p->block_tokens - 1)) == 0) {
        sv->bmask = p->block_tokens - 1;
        while ((1 << sv->bshift) < p->block_tokens)
            sv->bshift++;
    }
    sv->cache_capped = serve_cache_capped(p);
    {
        double bw = p->perf.tp * p->perf.bandwidth;
        double fl = p->perf.tp * serve_attn_rate(&p->perf);
        double per_ctx_mem = p->model.kv_per_token / bw;
        double per_ctx_cmp = p->model.attn_flops_per_ctx / fl;
        sv->per_ctx = per_ctx_mem > per_ctx_cmp ? per_ctx_mem : per_ctx_cmp;
    }
    if (p->ntasks > 0 && p->prefix_tokens)
        sv->cached = mem_calloc(p->ntasks, 1);
    /* every entry holds a block at least: kv_blocks entries suffice */
    if (p->prefix_caching && !serve_cache_capped(p))
        sv->pc = prefix_new((size_t)p->kv_blocks);
    if (!sv->slots || !sv->heap || !sv->cnt || !sv->cum ||
        (p->ntasks > 0 && p->prefix_tokens && !sv->cached) ||
        (p->prefix_caching && !serve_cache_capped(p) && !sv->pc)) {
        serve_free(sv);
        return NULL;
    }
    for (int i = p->max_batch - 1; i >= 0; i--) {
        sv->slots[i].next = sv->free_slots;
        sv->free_slots = &sv->slots[i];
    }
    return sv;
}

void serve_free(struct serve *sv)
{
    if (!sv)
        return;
    mem_free(sv->slots);
    mem_free(sv->heap);
    mem_free(sv->cnt);
    mem_free(sv->cum);
    mem_free(sv->cached);
    prefix_free(sv->pc);
    mem_free(sv);
}

int serve_fits(const struct serve *sv, uint32_t in, uint32_t out)
{
    return serve_peak_blocks(&sv->p, in, out) <= sv->p.kv_blocks;
}

/* For a run of one line (serve_run_lin's: b = a), the m in [1, n] where the
 * prefix sum m u + v m (m - 1) / 2, u = a0 + c, v = a1, reaches el, from
 * the quadratic's root; 0 when the run is not of that form.  A guess:
 * serve_maybe_cut steps from it to the exact answer. */
static int64_t serve_cut_guess(const struct lin *l, double el, int64_t n)
{
    double u = l->a0 + l->c, v = l->a1, m;
    if (l->b0 != l->a0 || l->b1 != l->a1 || !(u > 0) || !(v >= 0))
        return 0;
    if (v > 0) {
        double p = u - v / 2;
        m = (-p + sqrt(p * p + 2 * v * el)) / v;
    } else {
        m = el / u;
    }
    if (!(m >= 1))
        return 1;
    return m >= (double)n ? n : (int64_t)ceil(m);
}

/* Cuts the decode run in flight at the first boundary after now at which
 * the queue head can join. */
static void serve_maybe_cut(struct serve *sv, double now)
{
    if (!sv->busy || !sv->decode_in || sv->npf > 0 || sv->n <= 1)
        return;
    const struct lin *l = &sv->run_lin; /* the run's, as planned */
    double el = (now - sv->t0) / sv->factor, s1, at_lo = 0;
    int have_lo = 0; /* at_lo holds the base prefix sum of lo steps */
    /* smallest m in [1, n] whose base prefix sum reaches el */
    int64_t lo = serve_cut_guess(l, el, sv->n), hi = sv->n;
    if (lo > 0) {
        /* From the closed-form guess, step to the exact answer of the
         * search below: the same m, in two or three serve_lin_sums. */
        while (lo > 1 && (serve_lin_sums(l, (double)(lo - 1), &s1, NULL),
                          s1 >= el)) {
            lo--;
            at_lo = s1;
            have_lo = 1;
        }
        while (lo < hi) {
            serve_lin_sums(l, (double)lo, &s1, NULL);
            at_lo = s1;
            have_lo = 1;
            if (s1 >= el)
                break;
            lo++;
            have_lo = 0;
        }
        hi = lo; /* found: the search below has nothing left to do */
    } else {
        lo = 1;
    }
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        serve_lin_sums(l, (double)mid, &s1, NULL);
        if (s1 >= el)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo >= sv->n || !serve_head_fits(sv, lo))
        return;
    if (!have_lo)
        serve_lin_sums(l, (double)lo, &at_lo, NULL);
    double t1 = sv->t0 + sv->factor * at_lo;
    sv->t1 = t1 < now ? now : t1;
    sv->n = (long)lo;
    sv->demand = serve_kv_demand(sv, sv->K, lo);
    sv->epoch++;
}

void serve_submit(struct serve *sv, struct request *r, double now)
{
    serve_queue_mark(sv, now);
    r->next = NULL;
    RQ_SEQ(r) = NULL;
    if (sv->qtail)
        sv->qtail->next = r;
    else
        sv->qhead = r;
    sv->qtail = r;
    sv->nq++;
    if (sv->in_boundary)
        return;
    if (!sv->busy)
        serve_plan(sv, now);
    else if (sv->qhead == r)
        serve_maybe_cut(sv, now);
}

double serve_next_time(const struct serve *sv)
{
    return sv->busy ? sv->t1 : (double)INFINITY;
}

uint64_t serve_epoch(const struct serve *sv) { return sv->epoch; }

static void serve_finish(struct serve *sv, struct seq *s, double now)
{
    struct request *r = s->r;
    sv->committed -= s->commit;
    if (sv->pc)
        serve_prefix_drop(sv, s);
    serve_run_unlink(sv, s);
    RQ_GENERATED(r) = 0;
    if (now >= sv->p.warmup)
        sv->st.completed++;
    sv->hooks.done(sv->hooks.ctx, r, now);
}

static void serve_prefill_done(struct serve *sv, struct seq *s, double now)
{
    struct request *r = s->r;
    uint32_t gen = s->prompt - s->in + 1;
    serve_pf_unlink(sv, s);
    if (!(RQ_FLAGS(r) & RQ_FIRST)) {
        r->t_first_token = now;
        RQ_FLAGS(r) |= RQ_FIRST;
    }
    if (now >= sv->p.warmup)
        sv->st.tokens_out++;
    serve_prefix_pin(sv, s);
    if (sv->pc)
        serve_prefix_put(sv, s);
    if (gen >= s->out) {
        sv->blocks_used -= s->blocks - s->shared;
        serve_finish(sv, s, now);
        return;
    }
    s->base = (int64_t)s->prompt + 1 - sv->K;
    s->kfin = sv->K + (int64_t)(s->out - gen);
    serve_decoder_add(sv, s);
    serve_window_cap(sv); /* a prompt longer than the window */
}

void serve_boundary(struct serve *sv, double now)
{
    assert(sv->busy && now == sv->t1);
    serve_account(sv, now);
    sv->in_boundary = 1;
    int counted = now >= sv->p.warmup;
    if (counted) {
        sv->st.events++;
        sv->st.steps += (uint64_t)sv->n;
        if (sv->cmp_bound)
            sv->st.compute_bound += now - sv->t0;
    }
    if (sv->decode_in) {
        sv->K += sv->n;
        sv->blocks_used += sv->demand;
        if (sv->pc)
            serve_prefix_trim(sv);
        if (counted)
            sv->st.tokens_out += (uint64_t)sv->nd * (uint64_t)sv->n;
        while (sv->nheap > 0 && sv->heap[0]->kfin <= sv->K) {
            struct seq *s = sv->heap[0];
            assert(s->kfin == sv->K);
            sv->blocks_used -= serve_decoder_remove(sv, s);
            serve_finish(sv, s, now);
        }
        serve_window_cap(sv);
    }
    struct seq *s = sv->phead;
    for (size_t i = 0; i < sv->npf && s; i++) {
        struct seq *nx = s->pnext;
        s->done_pf += s->chunk;
        sv->pf_pending -= s->chunk;
        if (counted)
            sv->st.tokens_in += s->chunk;
        s->chunk = 0;
        if (s->done_pf == s->prompt)
            serve_prefill_done(sv, s, now);
        s = nx;
    }
    sv->busy = 0;
    sv->npf = 0;
    sv->demand = 0;
    sv->in_boundary = 0;
    serve_plan(sv, now);
}

void serve_evict(struct serve *sv, double now,
                 void (*take)(void *ctx, struct request *r), void *ctx)
{
    serve_account(sv, now);
    serve_queue_mark(sv, now);
    while (sv->rhead) {
        struct seq *s = sv->rhead;
        struct request *r = s->r;
        if (s->phase == PH_PREFILL)
            serve_pf_unlink(sv, s);
        else
            serve_decoder_remove(sv, s);
        serve_run_unlink(sv, s);
        RQ_GENERATED(r) = 0;
        take(ctx, r);
    }
    while (sv->qhead) {
        struct request *r = sv->qhead;
        sv->qhead = r->next;
        r->next = NULL;
        RQ_GENERATED(r) = 0;
        sv->nq--;
        take(ctx, r);
    }
    sv->qtail = NULL;
    sv->K = 0;
    sv->ncap = 0;
    sv->cap_base = 0;
    sv->blocks_used = 0;
    sv->committed = 0;
    for (size_t t = 0; sv->cached && t < sv->p.ntasks; t++)
        sv->cached[t] = 0; /* the cache goes with the replica */
    if (sv->pc)
        prefix_clear(sv->pc);
    sv->pf_pending = 0;
    sv->busy = 0;
    sv->npf = 0;
    sv->demand = 0;
    sv->batch = 0;
    sv->n = 0;
    sv->epoch++;
}

void serve_flush(struct serve *sv, double now)
{
    serve_account(sv, now);
    serve_queue_mark(sv, now);
    sv->st.span = now > sv->p.warmup ? now - sv->p.warmup : 0;
}

const struct serve_stats *serve_stats(const struct serve *sv)
{
    return &sv->st;
}

double serve_kv_quantile(const struct serve *sv, double q)
{
    double busy_hist = 0;
    for (int i = 0; i < SERVE_KV_BINS; i++)
        busy_hist += sv->st.kv_hist[i];
    double total = sv->st.span > busy_hist ? sv->st.span : busy_hist;
    if (!(total > 0))
        return 0;
    /* Time outside any step (idle) sits at occupancy 0. */
    double target = q * total, acc = total - busy_hist;
    if (acc >= target && acc > 0)
        return 0;
    for (int i = 0; i < SERVE_KV_BINS; i++) {
        acc += sv->st.kv_hist[i];
        if (acc >= target)
            return (double)(i + 1) / SERVE_KV_BINS;
    }
    return 1;
}

size_t serve_waiting(const struct serve *sv) { return sv->nq; }
size_t serve_running(const struct serve *sv) { return sv->nrun; }
long serve_blocks_used(const struct serve *sv) { return sv->blocks_used; }
long serve_run_steps(const struct serve *sv) { return sv->busy ? sv->n : 0; }

long serve_prefix_blocks(const struct serve_params *p, int task,
                         uint32_t input_tokens)
{
    if (!p->prefix_tokens || task < 0 || (size_t)task >= p->ntasks ||
        input_tokens < 2)
        return 0;
    uint32_t t = p->prefix_tokens[task];
    if (t > input_tokens - 1)
        t = input_tokens - 1;
    return (long)(t / (uint32_t)p->block_tokens);
}
