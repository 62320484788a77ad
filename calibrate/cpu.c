#include "calibrate/cpu.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calibrate/kernels.h"
#include "sim/mem.h"

#define MAX_COPIES 16

/* The sizes timed.  The CPU runs the model's shapes at batches and
 * prompts a CPU finishes in seconds; the CUDA plan goes to 256 and 8192. */
struct plan {
    int reps, warmup, jitter_reps, launches;
    long batch[8];
    int nbatch;
    long prompt[6];
    int nprompt;
    int prefill_shapes;   /* the first this many shapes get prefill GEMMs */
    int gemm_shapes;      /* the first this many shapes get decode GEMMs */
    long ctx[6];
    int nctx;
    long abatch[4];
    int nabatch;
    long plen[5];
    int nplen;
    long layers[4];
    int nlayers;
    long layer_batch[2];
    int nlayer_batch;
    long out_div;   /* --quick: output widths (n) and vocabulary cut by */
};

static void plan_make(int quick, struct plan *p)
{
    static const struct plan q = {
        3, 1, 16, 200, {1, 2}, 2, {8, 16, 32}, 3, 1, 5,
        {128, 512, 2048}, 3, {1, 4}, 2, {32, 64, 128}, 3, {1, 2, 3}, 3, {1},
        1, 8};
    static const struct plan f = {
        20, 3, 100, 1000, {1, 2, 4, 8, 16, 32}, 6, {8, 16, 32, 64}, 4, 2, 5,
        {128, 512, 2048, 8192}, 4, {1, 4, 16}, 3, {64, 128, 256, 512}, 4,
        {1, 2, 4}, 3, {1, 8}, 2, 1};
    *p = quick ? q : f;
}

int cpu_bench_repetitions(const struct cpu_bench_opts *o)
{
    struct plan p;
    plan_make(o->quick, &p);
    return p.reps;
}

int cpu_bench_warmup(const struct cpu_bench_opts *o)
{
    struct plan p;
    plan_make(o->quick, &p);
    return p.warmup;
}

/* Twice the last-level cache, between 64 MB and 1 GB. */
double cpu_bench_pool_bytes(void)
{
    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    double b = 2.0 * (double)(l3 > 0 ? l3 : 32L << 20);
    return fmin(fmax(b, 64.0 * (1 << 20)), 1024.0 * (1 << 20));
}

const char *cpu_bench_name(char *buf, size_t size)
{
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    snprintf(buf, size, "cpu (unknown)");
    while (f && fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) || !c)
            continue;
        c += strspn(c + 1, " \t") + 1;
        c[strcspn(c, "\n")] = '\0';
        snprintf(buf, size, "cpu (%.200s)", c);
        break;
    }
    if (f)
        fclose(f);
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct run {
    const struct cpu_bench_opts *o;
    struct plan p;
    struct fit_samples *ss;
    double pool;
    int rc;
};

static void add(struct run *r, int kernel, int dtype, const char *shape,
                const long dims[4], double bytes, double flops, double t)
{
    struct fit_sample s;
    memset(&s, 0, sizeof s);
    s.kernel = kernel;
    s.dtype = dtype;
    snprintf(s.shape, sizeof s.shape, "%s", shape);
    s.m = dims[0];
    s.k = dims[1];
    s.n = dims[2];
    s.ctx = dims[3];
    s.bytes = bytes;
    s.flops = flops;
    s.seconds = t > 1e-9 ? t : 1e-9; /* a clock tick, never 0 */
    if (!r->rc)
        r->rc = fit_samples_add(r->ss, &s);
}

static void progress(struct run *r, const char *part)
{
    if (r->o->progress)
        r->o->progress(r->o->ctx, part);
}

static void fill_floats(float *x, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)(seed >> 40) / 16777216.0f - 0.5f;
    }
}

/* ---- memory ---- */

static void bench_memory(struct run *r)
{
    size_t n = (size_t)(r->pool / sizeof(float));
    float *a = mem_alloc(n * sizeof *a), *b = mem_alloc(n * sizeof *b);
    volatile double sink = 0;
    if (!a || !b) {
        r->rc = SLM_ENOMEM;
        goto done;
    }
    fill_floats(a, n, 1);
    memset(b, 0, n * sizeof *b);
    progress(r, "read and copy bandwidth");
    for (size_t part = 4; part >= 1; part /= 2) {
        size_t len = n / part;
        /* the size in n, so each size has its own raw summary */
        long dims[4] = {0, 0, (long)(len * sizeof(float)), 0};
        for (int i = 0; i < r->p.warmup + r->p.reps + 2; i++) {
            size_t off = ((size_t)i * len) % (n - len + 1);
            double t0 = now();
            sink += kern_read_reduce(a + off, len);
            double t1 = now();
            kern_copy(b + off, a + off, len);
            double t2 = now();
            if (i < r->p.warmup)
                continue;
            add(r, FIT_K_READ, -1, "-", dims, (double)(len * 4), 0, t1 - t0);
            add(r, FIT_K_COPY, -1, "-", dims, (double)(len * 8), 0, t2 - t1);
        }
    }
    progress(r, "launch");
    long zero[4] = {0, 0, 0, 0};
    for (int i = 0; i < r->p.launches; i++) {
        double t0 = now();
        kern_empty();
        add(r, FIT_K_LAUNCH, -1, "-", zero, 0, 0, now() - t0);
    }
done:
    (void)sink;
    mem_free(a);
    mem_free(b);
}

/* ---- linear layers ---- */

struct shape {
    const char *name;
    long k, n;
};

/* The layer's matrices; with div > 1 (--quick) each keeps its input
 * width k (a row is streamed at its real length) and has 1/div of its
 * outputs, so a slow CPU finishes in seconds.  The fits use bytes and
 * FLOPs, not shapes, so they hold either way. */
static int model_shapes(const struct model_spec *m, long div,
                        struct shape s[5])
{
    long q = (long)m->heads * m->head_dim, kv = 2L * m->kv_heads * m->head_dim;
    struct shape all[5] = {{"q", m->hidden, q / div},
                           {"kv", m->hidden, kv / div},
                           {"o", q, m->hidden / div},
                           {"gate_up", m->hidden, 2L * m->mlp / div},
                           {"down", m->mlp, m->hidden / div}};
    memcpy(s, all, sizeof all);
    return 5;
}

/* Copies of one matrix so that the rotation outgrows the cache. */
struct rot {
    struct kern_weights w[MAX_COPIES];
    int n, next;
};

static int rot_init(struct rot *ro, int dtype, long k, long n, double pool)
{
    memset(ro, 0, sizeof *ro);
    int rc = kern_weights_fill(&ro->w[0], dtype, k, n, (uint64_t)(k * n));
    if (rc)
        return rc;
    ro->n = 1;
    int want = (int)fmin(MAX_COPIES, ceil(pool / (double)ro->w[0].bytes));
    while (ro->n < want && !rc)
        if (!(rc = kern_weights_copy(&ro->w[ro->n], &ro->w[0])))
            ro->n++;
    return rc;
}

static const struct kern_weights *rot_next(struct rot *ro)
{
    const struct kern_weights *w = &ro->w[ro->next];
    ro->next = (ro->next + 1) % ro->n;
    return w;
}

static void rot_fini(struct rot *ro)
{
    for (int i = 0; i < ro->n; i++)
        kern_weights_fini(&ro->w[i]);
    ro->n = 0;
}

static void time_gemm(struct run *r, int kernel, int dt, const struct shape *s,
                      struct rot *ro, long m, float *x, float *y,
                      int8_t *scratch)
{
    long dims[4] = {m, s->k, s->n, 0};
    for (int i = 0; i < r->p.warmup + r->p.reps; i++) {
        const struct kern_weights *w = rot_next(ro);
        double t0 = now();
        kern_gemm(w, x, m, y, scratch);
        double t = now() - t0;
        if (i >= r->p.warmup)
            add(r, kernel, dt, s->name, dims,
                (double)w->bytes + 4.0 * (double)(m * (s->k + s->n)),
                2.0 * (double)m * (double)s->k * (double)s->n, t);
    }
}

static void bench_gemm_shape(struct run *r, int dt, const struct shape *s,
                             int prefill)
{
    long maxm = 1;
    for (int i = 0; i < r->p.nbatch; i++)
        maxm = r->p.batch[i] > maxm ? r->p.batch[i] : maxm;
    for (int i = 0; prefill && i < r->p.nprompt; i++)
        maxm = r->p.prompt[i] > maxm ? r->p.prompt[i] : maxm;
    struct rot ro;
    memset(&ro, 0, sizeof ro);
    float *x = mem_alloc((size_t)(maxm * s->k) * sizeof *x);
    float *y = mem_alloc((size_t)(maxm * s->n) * sizeof *y);
    int8_t *scratch = mem_alloc((size_t)(maxm * (s->k + 4)));
    int rc = x && y && scratch ? rot_init(&ro, dt, s->k, s->n, r->pool)
                               : SLM_ENOMEM;
    if (!rc) {
        fill_floats(x, (size_t)(maxm * s->k), (uint64_t)s->k);
        for (int i = 0; i < r->p.nbatch; i++)
            time_gemm(r, FIT_K_GEMM, dt, s, &ro, r->p.batch[i], x, y,
                      scratch);
        for (int i = 0; prefill && i < r->p.nprompt; i++)
            time_gemm(r, FIT_K_PREFILL, dt, s, &ro, r->p.prompt[i], x, y,
                      scratch);
    }
    rot_fini(&ro);
    if (rc && !r->rc)
        r->rc = rc;
    mem_free(scratch);
    mem_free(y);
    mem_free(x);
}

static void bench_gemms(struct run *r)
{
    struct shape s[5];
    model_shapes(r->o->model, r->p.out_div, s);
    for (int dt = 0; dt < CALIB_NDTYPE && !r->rc; dt++) {
        char what[64];
        if (!(r->o->dtypes & (1u << dt)))
            continue;
        snprintf(what, sizeof what, "%s linear layers",
                 calib_dtype_names[dt]);
        progress(r, what);
        for (int i = 0; i < r->p.gemm_shapes && !r->rc; i++)
            bench_gemm_shape(r, dt, &s[i], i < r->p.prefill_shapes);
    }
}

/* ---- attention ---- */

/* A KV arena bigger than the cache, and block tables that move through
 * it from one repetition to the next, in a shuffled order as a paged
 * cache hands blocks out. */
struct arena {
    struct kern_kv kv;
    long batch, per_seq, ctx[256];
    long *blocks;          /* batch * per_seq */
    const long *rows[256]; /* rows[b] = blocks + b * per_seq */
    long *perm;
};

static int arena_init(struct arena *a, const struct model_spec *m,
                      long batch, long ctx, double pool)
{
    memset(a, 0, sizeof *a);
    a->batch = batch;
    a->per_seq = (ctx + KERN_BLOCK - 1) / KERN_BLOCK;
    long need = batch * a->per_seq;
    double block_bytes = 4.0 * m->kv_heads * KERN_BLOCK * m->head_dim;
    long blocks = (long)fmax(2.0 * (double)need, pool / block_bytes);
    size_t elems = (size_t)blocks * (size_t)(m->kv_heads * KERN_BLOCK) *
                   (size_t)m->head_dim;
    a->kv = (struct kern_kv){blocks, m->kv_heads, m->head_dim,
                             mem_alloc(elems * 2), mem_alloc(elems * 2)};
    a->blocks = mem_alloc((size_t)need * sizeof *a->blocks);
    a->perm = mem_alloc((size_t)need * sizeof *a->perm);
    if (!a->kv.k || !a->kv.v || !a->blocks || !a->perm)
        return SLM_ENOMEM;
    for (size_t i = 0; i < elems; i++) /* small halves, never subnormal */
        a->kv.k[i] = a->kv.v[i] = (uint16_t)(0x2c00 | (i * 2654435761u &
                                                       0x83ff));
    uint64_t s = 7;
    for (long i = 0; i < need; i++)
        a->perm[i] = i;
    for (long i = need - 1; i > 0; i--) { /* Fisher-Yates */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        long j = (long)((s >> 33) % (uint64_t)(i + 1)), t = a->perm[i];
        a->perm[i] = a->perm[j];
        a->perm[j] = t;
    }
    for (long b = 0; b < batch; b++) {
        a->ctx[b] = ctx;
        a->rows[b] = a->blocks + b * a->per_seq;
    }
    return 0;
}

static void arena_move(struct arena *a, int rep)
{
    long need = a->batch * a->per_seq;
    long start = ((long)rep * need) % (a->kv.blocks - need + 1);
    for (long i = 0; i < need; i++)
        a->blocks[i] = start + a->perm[i];
}

static void arena_fini(struct arena *a)
{
    mem_free(a->kv.k);
    mem_free(a->kv.v);
    mem_free(a->blocks);
    mem_free(a->perm);
}

static void bench_decode_attn(struct run *r, long batch, long ctx)
{
    const struct model_spec *m = r->o->model;
    struct arena a;
    size_t qn = (size_t)(batch * m->heads * m->head_dim);
    float *q = mem_alloc(qn * sizeof *q), *out = mem_alloc(qn * sizeof *out);
    int rc = q && out ? arena_init(&a, m, batch, ctx, r->pool) : SLM_ENOMEM;
    if (!rc) {
        fill_floats(q, qn, 3);
        struct kern_attn at = {&a.kv, batch, m->heads, a.ctx, a.rows};
        long dims[4] = {batch, m->head_dim, m->heads, ctx};
        double bytes = (double)batch * (double)ctx * 4.0 * m->kv_heads *
                       m->head_dim;
        double flops = 4.0 * (double)batch * m->heads * (double)ctx *
                       m->head_dim;
        for (int i = 0; i < r->p.warmup + r->p.reps; i++) {
            arena_move(&a, i);
            double t0 = now();
            kern_attn_decode(&at, q, out);
            double t = now() - t0;
            if (i >= r->p.warmup)
                add(r, FIT_K_ATTN, CALIB_DT_FP16, "-", dims, bytes, flops, t);
        }
    }
    if (q && out)
        arena_fini(&a);
    if (rc && !r->rc)
        r->rc = rc;
    mem_free(q);
    mem_free(out);
}

static void bench_prefill_attn(struct run *r, long len)
{
    const struct model_spec *m = r->o->model;
    size_t qn = (size_t)(len * m->heads * m->head_dim);
    size_t kn = (size_t)(len * m->kv_heads * m->head_dim);
    float *q = mem_alloc(qn * 4), *k = mem_alloc(kn * 4);
    float *v = mem_alloc(kn * 4), *out = mem_alloc(qn * 4);
    if (q && k && v && out) {
        fill_floats(q, qn, 4);
        fill_floats(k, kn, 5);
        fill_floats(v, kn, 6);
        struct kern_prefill p = {len, m->heads, m->kv_heads, m->head_dim};
        long dims[4] = {len, m->head_dim, m->heads, len};
        double flops = 4.0 * m->heads * m->head_dim * (double)len *
                       (double)(len + 1) / 2.0;
        double bytes = 8.0 * (double)(qn + kn);
        for (int i = 0; i < r->p.warmup + r->p.reps; i++) {
            double t0 = now();
            kern_attn_prefill(&p, q, k, v, out);
            double t = now() - t0;
            if (i >= r->p.warmup)
                add(r, FIT_K_PREFILL_ATTN, CALIB_DT_FP16, "-", dims, bytes,
                    flops, t);
        }
    } else if (!r->rc) {
        r->rc = SLM_ENOMEM;
    }
    mem_free(q);
    mem_free(k);
    mem_free(v);
    mem_free(out);
}

static void bench_attention(struct run *r)
{
    progress(r, "decode attention");
    for (int i = 0; i < r->p.nctx && !r->rc; i++)
        for (int j = 0; j < r->p.nabatch && !r->rc; j++)
            if (r->p.ctx[i] * r->p.abatch[j] <= 65536)
                bench_decode_attn(r, r->p.abatch[j], r->p.ctx[i]);
    progress(r, "prefill attention");
    for (int i = 0; i < r->p.nplen && !r->rc; i++)
        bench_prefill_attn(r, r->p.plen[i]);
}

/* ---- a whole layer, a whole step ---- */

#define LAYER_CTX 512 /* context of the layer's attention */

struct layer {
    struct kern_weights w[5], head;
    struct shape s[5];
    struct arena kv;
    long m, vocab;  /* batch; LM head outputs */
    float *x, *buf[5], *q, *attn, *act, *logits;
    int8_t *scratch;
    int have_kv;
};

static void layer_fini(struct layer *l)
{
    for (int i = 0; i < 5; i++) {
        kern_weights_fini(&l->w[i]);
        mem_free(l->buf[i]);
    }
    kern_weights_fini(&l->head);
    if (l->have_kv)
        arena_fini(&l->kv);
    mem_free(l->x);
    mem_free(l->q);
    mem_free(l->attn);
    mem_free(l->act);
    mem_free(l->logits);
    mem_free(l->scratch);
}

/* The layer's kernels at their shapes (cut by div with --quick).  Each
 * reads a buffer of its input width, so the sequence runs the same
 * kernels on the same sizes whether or not the widths were cut; the
 * values flowing through do not matter to the time. */
static int layer_init(struct layer *l, const struct model_spec *m, int dt,
                      long batch, int head, long div)
{
    memset(l, 0, sizeof *l);
    model_shapes(m, div, l->s);
    l->m = batch;
    l->vocab = m->vocab / div;
    int rc = 0;
    long maxk = m->mlp > m->hidden ? m->mlp : m->hidden;
    for (int i = 0; i < 5 && !rc; i++) {
        rc = kern_weights_fill(&l->w[i], dt, l->s[i].k, l->s[i].n,
                               (uint64_t)i + 11);
        if (!rc && !(l->buf[i] = mem_alloc((size_t)(batch * l->s[i].n) * 4)))
            rc = SLM_ENOMEM;
    }
    /* the LM head stays in 16 bits, as AWQ and GPTQ keep it */
    if (!rc && head)
        rc = kern_weights_fill(&l->head, CALIB_DT_FP16, m->hidden, l->vocab,
                               5);
    size_t qn = (size_t)(batch * m->heads * m->head_dim);
    if (!rc) {
        l->x = mem_alloc((size_t)(batch * maxk) * 4);
        l->q = mem_alloc(qn * 4);
        l->attn = mem_alloc(qn * 4);
        l->act = mem_alloc((size_t)(batch * maxk) * 4);
        l->logits = mem_alloc((size_t)(batch * (l->vocab + 1)) * 4);
        l->scratch = mem_alloc((size_t)(batch * (maxk + 4)));
        if (!l->x || !l->q || !l->attn || !l->act || !l->logits ||
            !l->scratch)
            rc = SLM_ENOMEM;
    }
    if (!rc) {
        rc = arena_init(&l->kv, m, batch, LAYER_CTX, 0);
        l->have_kv = 1;
        if (!rc)
            arena_move(&l->kv, 0);
    }
    if (!rc) {
        fill_floats(l->x, (size_t)(batch * maxk), 9);
        fill_floats(l->q, qn, 10);
        fill_floats(l->act, (size_t)(batch * maxk), 12);
    }
    return rc;
}

/* Part p of the layer: 0 q, 1 kv, 2 attention, 3 o, 4 gate_up and the
 * SiLU-and-multiply, 5 down. */
static void layer_part(struct layer *l, const struct model_spec *m, int p)
{
    long mlp = m->mlp, gu = l->s[3].n, half = gu / 2;
    switch (p) {
    case 0: kern_gemm(&l->w[0], l->x, l->m, l->buf[0], l->scratch); break;
    case 1: kern_gemm(&l->w[1], l->x, l->m, l->buf[1], l->scratch); break;
    case 2: {
        struct kern_attn a = {&l->kv.kv, l->m, m->heads, l->kv.ctx,
                              l->kv.rows};
        kern_attn_decode(&a, l->q, l->attn);
        break;
    }
    case 3: kern_gemm(&l->w[2], l->attn, l->m, l->buf[2], l->scratch); break;
    case 4:
        kern_gemm(&l->w[3], l->x, l->m, l->buf[3], l->scratch);
        for (long r = 0; r < l->m; r++)
            for (long i = 0; i < half; i++) {
                float g = l->buf[3][r * gu + i];
                l->act[r * mlp + i] = g / (1 + expf(-g)) *
                                      l->buf[3][r * gu + half + i];
            }
        break;
    default: kern_gemm(&l->w[4], l->act, l->m, l->buf[4], l->scratch); break;
    }
}

static void layer_run(struct layer *l, const struct model_spec *m)
{
    for (int p = 0; p < 6; p++)
        layer_part(l, m, p);
}

/* The LM head and greedy sampling (an argmax per sequence). */
static long step_head(struct layer *l, const struct model_spec *m)
{
    long best = 0;
    (void)m;
    kern_gemm(&l->head, l->x, l->m, l->logits, l->scratch);
    for (long r = 0; r < l->m; r++)
        for (long i = 1; i < l->vocab; i++)
            if (l->logits[r * l->vocab + i] > l->logits[r * l->vocab + best])
                best = i;
    return best;
}

static int first_dtype(unsigned mask)
{
    for (int d = 0; d < CALIB_NDTYPE; d++)
        if (mask & (1u << d))
            return d;
    return CALIB_DT_FP16;
}

static void bench_layer(struct run *r, long batch, int head)
{
    const struct model_spec *m = r->o->model;
    int dt = first_dtype(r->o->dtypes);
    struct layer l;
    int rc = layer_init(&l, m, dt, batch, head, r->p.out_div);
    volatile long sink = 0;
    long dims[4] = {batch, m->hidden, m->hidden, LAYER_CTX};
    for (int i = 0; !rc && !head && i < r->p.warmup + r->p.reps; i++) {
        double t0 = now(), parts = 0;
        layer_run(&l, m);
        double t = now() - t0;
        for (int p = 0; p < 6; p++) {
            double p0 = now();
            layer_part(&l, m, p);
            parts += now() - p0;
        }
        if (i >= r->p.warmup) {
            add(r, FIT_K_LAYER, dt, "-", dims, 0, 0, t);
            add(r, FIT_K_LAYER_PARTS, dt, "-", dims, 0, 0, parts);
        }
    }
    /* steps of 1, 2, 4 ... layers: the intercept is the step's overhead */
    for (int j = 0; !rc && head && j < r->p.nlayers; j++) {
        long dl[4] = {batch, m->hidden, l.vocab, r->p.layers[j]};
        for (int i = 0; i < r->p.warmup + r->p.reps; i++) {
            double t0 = now();
            for (long L = 0; L < r->p.layers[j]; L++)
                layer_run(&l, m);
            sink += step_head(&l, m);
            if (i >= r->p.warmup)
                add(r, FIT_K_STEP, dt, "-", dl, 0, 0, now() - t0);
        }
    }
    /* the jitter: one layer at this batch, many times over */
    for (int i = 0; !rc && head && i < r->p.jitter_reps; i++) {
        double t0 = now();
        layer_run(&l, m);
        add(r, FIT_K_JITTER, dt, "-", dims, 0, 0, now() - t0);
    }
    (void)sink;
    layer_fini(&l);
    if (rc && !r->rc)
        r->rc = rc;
}

static void bench_layers(struct run *r)
{
    progress(r, "whole layers");
    for (int i = 0; i < r->p.nlayer_batch && !r->rc; i++)
        bench_layer(r, r->p.layer_batch[i], 0);
    progress(r, "whole steps and jitter");
    if (!r->rc)
        bench_layer(r, 1, 1);
}

int cpu_bench_run(const struct cpu_bench_opts *o, struct fit_samples *ss,
                  char *msg, size_t size)
{
    struct run r = {o, {0}, ss, cpu_bench_pool_bytes(), 0};
    plan_make(o->quick, &r.p);
    progress(&r, "checking the kernels against their references");
    int rc = kern_check(msg, size);
    if (rc)
        return rc;
    bench_memory(&r);
    if (!r.rc)
        bench_gemms(&r);
    if (!r.rc)
        bench_attention(&r);
    if (!r.rc)
        bench_layers(&r);
    return r.rc;
}
