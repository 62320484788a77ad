/*
 * slmsim-bench-cuda: the CUDA micro-benchmark of the kernels a decode and
 * a prefill step are made of (docs/calibration.md, "What is timed").
 *
 * Writes the raw samples CSV that `slmsim calibrate` fits (the same
 * format as the CPU twin's, calibrate/fit.h): one row per timed
 * repetition, CUDA events around each launch, after warm-up, buffers
 * rotated through a pool of at least twice the L2 so that no repetition is
 * served from cache.  Before anything is timed, every kernel is run on
 * small sizes and compared with a plain CPU reference; a failure stops the
 * run (exit 1) with nothing written.  Every CUDA, cuBLAS and NCCL call is
 * checked.
 *
 * Usually run by `slmsim calibrate --device cuda`, which passes the model's
 * shapes from the catalog (this program does not link slmsim):
 *   slmsim-bench-cuda --model llama-3-8b --layers 32 --hidden 4096 \
 *       --heads 32 --kv-heads 8 --head-dim 128 --mlp 14336 --vocab 128256 \
 *       --quant fp16,fp8,int4 --out samples.csv [--tp K] [--quick]
 *       [--check-only]
 *
 * Built by `make calibrate-cuda` (nvcc, cuBLAS, cuBLASLt; NCCL when found).
 */
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>
#ifdef SLM_HAVE_NCCL
#include <nccl.h>
#endif

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <string>
#include <vector>

/* ---- checked calls ---- */

static void die(const char *what, const char *why, const char *file,
                int line)
{
    fprintf(stderr, "slmsim-bench-cuda: error: %s failed: %s (%s:%d)\n",
            what, why, file, line);
    exit(1);
}

#define CK(call)                                                             \
    do {                                                                     \
        cudaError_t e_ = (call);                                             \
        if (e_ != cudaSuccess)                                               \
            die(#call, cudaGetErrorString(e_), __FILE__, __LINE__);          \
    } while (0)
#define CB(call)                                                             \
    do {                                                                     \
        cublasStatus_t s_ = (call);                                          \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                     \
            die(#call, cublasGetStatusString(s_), __FILE__, __LINE__);       \
    } while (0)
#define CK_LAUNCH() CK(cudaGetLastError())

/* ---- the model and the plan ---- */

enum { DT_FP16, DT_FP8, DT_INT8, DT_INT4, DT_BF16, NDT };
static const char *const dt_names[NDT] = {"fp16", "fp8", "int8", "int4",
                                          "bf16"};
#define GROUP 128 /* int4 group size along k */
#define MT 8      /* int4 kernel: activation rows per pass over weights */
#define BLOCK 16  /* tokens per paged KV block */

struct model {
    std::string name;
    long layers, hidden, heads, kv_heads, head_dim, mlp, vocab;
    long tp; /* the shapes are one GPU's shard at this TP degree */
};

struct plan {
    int reps, warmup, jitter_reps;
    std::vector<long> batch, prompt, ctx, abatch, plen, steps, layer_batch;
};

static plan make_plan(bool quick, const model &m)
{
    plan p;
    if (quick) {
        p.reps = 20;
        p.warmup = 2;
        p.jitter_reps = 50;
        p.batch = {1, 2, 8, 32, 128};
        p.prompt = {512, 1024, 2048};
        p.ctx = {512, 4096};
        p.abatch = {1, 16};
        p.plen = {512, 1024, 2048};
        p.steps = {1, 2, 4};
        p.layer_batch = {1};
    } else {
        p.reps = 20;
        p.warmup = 3;
        p.jitter_reps = 200;
        p.batch = {1, 2, 4, 8, 16, 32, 64, 128, 256};
        p.prompt = {512, 1024, 2048, 4096, 8192};
        p.ctx = {128, 512, 2048, 8192, 32768};
        p.abatch = {1, 4, 16, 64, 256};
        /* 8192 would take our CUDA-core kernel seconds a call */
        p.plen = {512, 1024, 2048, 4096};
        for (long l = 1; l <= m.layers; l *= 2)
            p.steps.push_back(l);
        p.layer_batch = {1, 64};
    }
    return p;
}

/* ---- output ---- */

struct out {
    FILE *f;
    long rows;
};

static void sample(out &o, const char *kernel, const char *dtype,
                   const char *shape, long m, long k, long n, long ctx,
                   double bytes, double flops, double seconds)
{
    fprintf(o.f, "%s,%s,%s,%ld,%ld,%ld,%ld,%.17g,%.17g,%.9g\n", kernel,
            dtype, shape, m, k, n, ctx, bytes, flops, seconds);
    o.rows++;
}

/* ---- timing ---- */

struct timer {
    cudaEvent_t a, b;
    timer()
    {
        CK(cudaEventCreate(&a));
        CK(cudaEventCreate(&b));
    }
    ~timer()
    {
        cudaEventDestroy(a);
        cudaEventDestroy(b);
    }
    void start() { CK(cudaEventRecord(a)); }
    double stop()
    {
        float ms = 0;
        CK(cudaEventRecord(b));
        CK(cudaEventSynchronize(b));
        CK(cudaEventElapsedTime(&ms, a, b));
        return ms * 1e-3;
    }
};

/* ---- kernels ---- */

/* Streaming read: float4 loads, a block sum, one atomic per block. */
__global__ void k_read_reduce(const float4 *p, size_t n4, float *out)
{
    __shared__ float s[256];
    float acc = 0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n4;
         i += (size_t)gridDim.x * blockDim.x) {
        float4 v = p[i];
        acc += v.x + v.y + v.z + v.w;
    }
    s[threadIdx.x] = acc;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
        if ((int)threadIdx.x < w)
            s[threadIdx.x] += s[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        atomicAdd(out, s[0]);
}

__global__ void k_empty(void) {}

/* int4 weight-only GEMV/GEMM: y (m x n, fp16) = x (m x k, fp16) W^T, W
 * packed two 4-bit weights a byte (low nibble first) n x k, an FP16 scale
 * and a 4-bit zero (one byte here) per group of 128 along k.  One warp
 * per output, MT rows of x per pass: each weight is dequantised once per
 * pass, so the cost grows with the batch in steps of MT. */
__global__ void k_int4_gemm(const uint8_t *q, const __half *scale,
                            const uint8_t *zero, const __half *x, long m,
                            long k, long n, __half *y)
{
    long j = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (j >= n)
        return;
    long groups = k / GROUP;
    for (long r0 = 0; r0 < m; r0 += MT) {
        int mt = (int)(m - r0 < MT ? m - r0 : MT);
        float acc[MT];
        for (int r = 0; r < MT; r++)
            acc[r] = 0;
        /* each lane takes 8 consecutive weights (4 bytes) at a time */
        for (long i = lane * 8; i < k; i += 32 * 8) {
            uint32_t packed = *(const uint32_t *)(q + (j * k + i) / 2);
            long g = j * groups + i / GROUP;
            float s = __half2float(scale[g]), z = (float)zero[g];
            float w[8];
            for (int t = 0; t < 8; t++)
                w[t] = ((float)((packed >> (4 * t)) & 15) - z) * s;
            for (int r = 0; r < mt; r++) {
                const __half *xp = x + (r0 + r) * k + i;
                float a = 0;
                for (int t = 0; t < 8; t++)
                    a += __half2float(xp[t]) * w[t];
                acc[r] += a;
            }
        }
        for (int r = 0; r < mt; r++) {
            float v = acc[r];
            for (int o = 16; o > 0; o /= 2)
                v += __shfl_down_sync(0xffffffffu, v, o);
            if (lane == 0)
                y[(r0 + r) * n + j] = __float2half(v);
        }
    }
}

/* Paged decode attention: one block of 4 warps per (sequence, query
 * head); the warps take the context's blocks in turn, each with an online
 * softmax (running max and sum), merged at the end.  head_dim <= 256: 8
 * elements a lane. */
#define AW 4
__global__ void k_attn_decode(const __half *kc, const __half *vc,
                              const int *table, long per_seq, const int *ctx,
                              int heads, int kv_heads, int hd,
                              const __half *q, __half *out)
{
    long b = blockIdx.x / heads;
    int h = blockIdx.x % heads, kvh = h / (heads / kv_heads);
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __shared__ float sm[AW], sl[AW], sacc[AW][256];
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, mx = -INFINITY, l = 0;
    float qv[8];
    float scale = rsqrtf((float)hd);
    for (int e = 0; e < 8; e++) {
        int d = lane * 8 + e;
        qv[e] = d < hd ? __half2float(q[(b * heads + h) * hd + d]) : 0;
    }
    for (long t = warp; t < ctx[b]; t += AW) {
        long blk = table[b * per_seq + t / BLOCK];
        size_t base = ((blk * kv_heads + kvh) * BLOCK + t % BLOCK) * hd;
        float sc = 0;
        for (int e = 0; e < 8; e++) {
            int d = lane * 8 + e;
            if (d < hd)
                sc += qv[e] * __half2float(kc[base + d]);
        }
        for (int o = 16; o > 0; o /= 2)
            sc += __shfl_xor_sync(0xffffffffu, sc, o);
        sc *= scale;
        float nm = fmaxf(mx, sc), c = __expf(mx - nm), p = __expf(sc - nm);
        l = l * c + p;
        for (int e = 0; e < 8; e++) {
            int d = lane * 8 + e;
            acc[e] = acc[e] * c + (d < hd ? p * __half2float(vc[base + d])
                                          : 0);
        }
        mx = nm;
    }
    if (lane == 0) {
        sm[warp] = mx;
        sl[warp] = l;
    }
    for (int e = 0; e < 8; e++)
        if (lane * 8 + e < hd)
            sacc[warp][lane * 8 + e] = acc[e];
    __syncthreads();
    if (warp == 0) {
        float M = -INFINITY, L = 0;
        for (int w = 0; w < AW; w++)
            M = fmaxf(M, sm[w]);
        for (int w = 0; w < AW; w++)
            L += sm[w] == -INFINITY ? 0 : sl[w] * __expf(sm[w] - M);
        for (int e = 0; e < 8; e++) {
            int d = lane * 8 + e;
            if (d >= hd)
                continue;
            float v = 0;
            for (int w = 0; w < AW; w++)
                if (sm[w] != -INFINITY)
                    v += sacc[w][d] * __expf(sm[w] - M);
            out[(b * heads + h) * hd + d] = __float2half(L > 0 ? v / L : 0);
        }
    }
}

/* Causal prefill attention: one warp per (query token, head), K and V of
 * the tokens before it read in turn.  CUDA cores, not a flash-attention
 * tensor-core kernel: its rate is a floor for what a serving engine gets. */
__global__ void k_attn_prefill(const __half *q, const __half *k,
                               const __half *v, long len, int heads,
                               int kv_heads, int hd, __half *out)
{
    long w = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (w >= len * heads)
        return;
    long t = w / heads;
    int h = (int)(w % heads), kvh = h / (heads / kv_heads);
    float qv[8], acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, mx = -INFINITY, l = 0;
    float scale = rsqrtf((float)hd);
    for (int e = 0; e < 8; e++) {
        int d = lane * 8 + e;
        qv[e] = d < hd ? __half2float(q[(t * heads + h) * hd + d]) : 0;
    }
    for (long s = 0; s <= t; s++) {
        size_t base = (s * kv_heads + kvh) * hd;
        float sc = 0;
        for (int e = 0; e < 8; e++) {
            int d = lane * 8 + e;
            if (d < hd)
                sc += qv[e] * __half2float(k[base + d]);
        }
        for (int o = 16; o > 0; o /= 2)
            sc += __shfl_xor_sync(0xffffffffu, sc, o);
        sc *= scale;
        float nm = fmaxf(mx, sc), c = __expf(mx - nm), p = __expf(sc - nm);
        l = l * c + p;
        for (int e = 0; e < 8; e++) {
            int d = lane * 8 + e;
            acc[e] = acc[e] * c + (d < hd ? p * __half2float(v[base + d]) : 0);
        }
        mx = nm;
    }
    for (int e = 0; e < 8; e++) {
        int d = lane * 8 + e;
        if (d < hd)
            out[(t * heads + h) * hd + d] = __float2half(acc[e] / l);
    }
}

/* SiLU(gate) * up over m rows of [gate | up] (each `half` wide). */
__global__ void k_silu_mul(const __half *gu, long m, long half, __half *act)
{
    long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (i >= m * half)
        return;
    long r = i / half, c = i % half;
    float g = __half2float(gu[r * 2 * half + c]);
    float u = __half2float(gu[r * 2 * half + half + c]);
    act[i] = __float2half(g / (1 + __expf(-g)) * u);
}

/* Greedy sampling: the argmax of each row of logits (one block a row). */
__global__ void k_argmax(const __half *logits, long n, int *best)
{
    __shared__ float sv[256];
    __shared__ int si[256];
    const __half *row = logits + blockIdx.x * n;
    float bv = -INFINITY;
    int bi = 0;
    for (long i = threadIdx.x; i < n; i += blockDim.x) {
        float v = __half2float(row[i]);
        if (v > bv) {
            bv = v;
            bi = (int)i;
        }
    }
    sv[threadIdx.x] = bv;
    si[threadIdx.x] = bi;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
        if ((int)threadIdx.x < w && sv[threadIdx.x + w] > sv[threadIdx.x]) {
            sv[threadIdx.x] = sv[threadIdx.x + w];
            si[threadIdx.x] = si[threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0)
        best[blockIdx.x] = si[0];
}

__global__ void k_fill_half(__half *p, size_t n, uint32_t seed, float amp)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n) {
        uint32_t h = (uint32_t)i * 2654435761u ^ seed;
        h ^= h >> 15;
        h *= 2246822519u;
        h ^= h >> 13;
        p[i] = __float2half(((float)(h & 0xffff) / 65536.0f - 0.5f) * amp);
    }
}

__global__ void k_fill_bytes(uint8_t *p, size_t n, uint32_t seed,
                             uint8_t mask, uint8_t set)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n) {
        uint32_t h = (uint32_t)i * 2654435761u ^ seed;
        h ^= h >> 15;
        h *= 2246822519u;
        p[i] = (uint8_t)(((h >> 8) & mask) | set);
    }
}

static unsigned blocks_for(size_t n, unsigned threads)
{
    return (unsigned)((n + threads - 1) / threads);
}

__global__ void k_fill_bf16(__nv_bfloat16 *p, size_t n, uint32_t seed)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n) {
        uint32_t h = (uint32_t)i * 2654435761u ^ seed;
        h ^= h >> 15;
        h *= 2246822519u;
        p[i] = __float2bfloat16(((float)(h & 0xffff) / 65536.0f - 0.5f) *
                                0.1f);
    }
}

/* ---- device memory ---- */

static void *dalloc(size_t bytes)
{
    void *p = NULL;
    CK(cudaMalloc(&p, bytes ? bytes : 1));
    return p;
}

static void fill_half(__half *p, size_t n, uint32_t seed, float amp)
{
    k_fill_half<<<blocks_for(n, 256), 256>>>(p, n, seed, amp);
    CK_LAUNCH();
}

static void fill_bytes(void *p, size_t n, uint32_t seed, uint8_t mask,
                       uint8_t set)
{
    k_fill_bytes<<<blocks_for(n, 256), 256>>>((uint8_t *)p, n, seed, mask,
                                              set);
    CK_LAUNCH();
}

/* ---- linear layers in each format ---- */

struct lin {
    int dt;
    long k, n;
    void *w;
    __half *scale;  /* int4: n * k/GROUP */
    uint8_t *zero;  /* int4: n * k/GROUP */
    double bytes;   /* read per product: weights, scales, zeros */
};

static size_t wbytes(int dt, long k, long n)
{
    return dt == DT_FP16 || dt == DT_BF16 ? (size_t)(k * n) * 2
           : dt == DT_INT4                ? (size_t)(k * n) / 2
                                          : (size_t)(k * n);
}

static lin lin_new(int dt, long k, long n, uint32_t seed)
{
    lin l = {dt, k, n, dalloc(wbytes(dt, k, n)), NULL, NULL, 0};
    size_t groups = dt == DT_INT4 ? (size_t)(n * (k / GROUP)) : 0;
    l.bytes = (double)wbytes(dt, k, n) + 2.5 * (double)groups;
    switch (dt) {
    case DT_FP16: fill_half((__half *)l.w, (size_t)(k * n), seed, 0.1f); break;
    case DT_BF16:
        k_fill_bf16<<<blocks_for((size_t)(k * n), 256), 256>>>(
            (__nv_bfloat16 *)l.w, (size_t)(k * n), seed);
        CK_LAUNCH();
        break;
    case DT_FP8: fill_bytes(l.w, (size_t)(k * n), seed, 0x9f, 0x20); break;
    case DT_INT8: fill_bytes(l.w, (size_t)(k * n), seed, 0xff, 0); break;
    default:
        fill_bytes(l.w, (size_t)(k * n) / 2, seed, 0xff, 0);
        l.scale = (__half *)dalloc(groups * 2);
        l.zero = (uint8_t *)dalloc(groups);
        fill_half(l.scale, groups, seed + 1, 0.01f);
        CK(cudaMemset(l.zero, 8, groups));
    }
    return l;
}

static void lin_free(lin &l)
{
    CK(cudaFree(l.w));
    if (l.scale)
        CK(cudaFree(l.scale));
    if (l.zero)
        CK(cudaFree(l.zero));
}

struct ctx {
    cublasHandle_t blas;
    cublasLtHandle_t lt;
    void *lt_ws;
    size_t lt_ws_bytes;
    float *one; /* device 1.0f: the FP8 scales */
    int cc;     /* compute capability, 10 * major + minor */
};

/* FP8 E4M3 x E4M3 -> FP16 through cuBLASLt (TN, as FP8 requires).
 * false when cuBLASLt has no algorithm for these sizes. */
static bool gemm_fp8(ctx &c, const lin &l, const void *x, long m, void *y)
{
    cublasLtMatmulDesc_t op;
    cublasLtMatrixLayout_t la, lb, lc;
    cublasOperation_t t = CUBLAS_OP_T, nn = CUBLAS_OP_N;
    CB(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    CB(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &t,
                                      sizeof t));
    CB(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &nn,
                                      sizeof nn));
    CB(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER,
                                      &c.one, sizeof c.one));
    CB(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER,
                                      &c.one, sizeof c.one));
    CB(cublasLtMatrixLayoutCreate(&la, CUDA_R_8F_E4M3, l.k, l.n, l.k));
    CB(cublasLtMatrixLayoutCreate(&lb, CUDA_R_8F_E4M3, l.k, m, l.k));
    CB(cublasLtMatrixLayoutCreate(&lc, CUDA_R_16F, l.n, m, l.n));
    cublasLtMatmulPreference_t pref;
    CB(cublasLtMatmulPreferenceCreate(&pref));
    CB(cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &c.lt_ws_bytes,
        sizeof c.lt_ws_bytes));
    cublasLtMatmulHeuristicResult_t h;
    int found = 0;
    cublasStatus_t s = cublasLtMatmulAlgoGetHeuristic(c.lt, op, la, lb, lc,
                                                      lc, pref, 1, &h, &found);
    bool ok = s == CUBLAS_STATUS_SUCCESS && found > 0;
    if (ok) {
        float alpha = 1, beta = 0;
        CB(cublasLtMatmul(c.lt, op, &alpha, l.w, la, x, lb, &beta, y, lc, y,
                          lc, &h.algo, c.lt_ws, c.lt_ws_bytes, 0));
    }
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(la);
    cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(lc);
    cublasLtMatmulDescDestroy(op);
    return ok;
}

/* y = x W^T for m rows.  x and y are in the format's activation type:
 * fp16 (fp16, int4), bf16, fp8 in / fp16 out, int8 in / int32 out.
 * false when the library has no kernel for these sizes. */
static bool gemm(ctx &c, const lin &l, const void *x, long m, void *y)
{
    if (l.dt == DT_INT4) {
        unsigned warps = 4;
        k_int4_gemm<<<blocks_for((size_t)l.n, warps), warps * 32>>>(
            (const uint8_t *)l.w, l.scale, l.zero, (const __half *)x, m, l.k,
            l.n, (__half *)y);
        CK_LAUNCH();
        return true;
    }
    if (l.dt == DT_FP8)
        return gemm_fp8(c, l, x, m, y);
    if (l.dt == DT_INT8) {
        int32_t alpha = 1, beta = 0;
        cublasStatus_t s = cublasGemmEx(
            c.blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)l.n, (int)m, (int)l.k,
            &alpha, l.w, CUDA_R_8I, (int)l.k, x, CUDA_R_8I, (int)l.k, &beta,
            y, CUDA_R_32I, (int)l.n, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT);
        if (s == CUBLAS_STATUS_NOT_SUPPORTED ||
            s == CUBLAS_STATUS_INVALID_VALUE)
            return false;
        CB(s);
        return true;
    }
    cudaDataType_t t = l.dt == DT_BF16 ? CUDA_R_16BF : CUDA_R_16F;
    float alpha = 1, beta = 0;
    CB(cublasGemmEx(c.blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)l.n, (int)m,
                    (int)l.k, &alpha, l.w, t, (int)l.k, x, t, (int)l.k,
                    &beta, y, t, (int)l.n, CUBLAS_COMPUTE_32F,
                    CUBLAS_GEMM_DEFAULT));
    return true;
}

/* ---- the CPU-reference checks ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static float rnd(void) /* xorshift64*, in [-1, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (float)((rng_state * 2685821657736338717ULL) >> 40) / 8388608.0f -
           1.0f;
}

static double rel_err(const std::vector<double> &y,
                      const std::vector<double> &ref)
{
    double e = 0, mx = 0;
    for (size_t i = 0; i < y.size(); i++) {
        e = fmax(e, fabs(y[i] - ref[i]));
        mx = fmax(mx, fabs(ref[i]));
    }
    return mx > 0 ? e / mx : e;
}

static void check_fail(const char *what, double err, double bound)
{
    fprintf(stderr, "slmsim-bench-cuda: error: check failed: %s: relative "
            "error %.3g > %.3g\n", what, err, bound);
    exit(1);
}

template <typename T> static T *upload(const std::vector<T> &v)
{
    T *d = (T *)dalloc(v.size() * sizeof(T));
    CK(cudaMemcpy(d, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

template <typename T> static std::vector<T> download(const T *d, size_t n)
{
    std::vector<T> v(n);
    CK(cudaMemcpy(v.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
}

/* One format's GEMM on K x N weights and M rows against a double
 * reference over the very values the device was given. */
static void check_gemm(ctx &c, int dt)
{
    const long K = 256, N = 64, M = 11;
    std::vector<double> wref(K * N), xref(M * K), ref(M * N), got(M * N);
    lin l = {dt, K, N, NULL, NULL, NULL, 0};
    void *x = NULL, *y = dalloc((size_t)(M * N) * 4);
    if (dt == DT_FP16 || dt == DT_INT4) {
        std::vector<__half> xs(M * K);
        for (long i = 0; i < M * K; i++)
            xref[i] = __half2float(xs[i] = __float2half(rnd()));
        x = upload(xs);
    }
    if (dt == DT_FP16 || dt == DT_BF16) {
        std::vector<__half> ws(K * N);
        std::vector<__nv_bfloat16> wb(K * N), xb(M * K);
        for (long i = 0; i < K * N; i++) {
            float f = rnd() * 0.05f;
            ws[i] = __float2half(f);
            wb[i] = __float2bfloat16(f);
            wref[i] = dt == DT_FP16 ? __half2float(ws[i])
                                    : __bfloat162float(wb[i]);
        }
        if (dt == DT_BF16) {
            for (long i = 0; i < M * K; i++)
                xref[i] = __bfloat162float(xb[i] = __float2bfloat16(rnd()));
            x = upload(xb);
            l.w = upload(wb);
        } else {
            l.w = upload(ws);
        }
    } else if (dt == DT_FP8) {
        std::vector<__nv_fp8_e4m3> ws(K * N), xs(M * K);
        for (long i = 0; i < K * N; i++)
            wref[i] = (float)(ws[i] = __nv_fp8_e4m3(rnd()));
        for (long i = 0; i < M * K; i++)
            xref[i] = (float)(xs[i] = __nv_fp8_e4m3(rnd()));
        l.w = upload(ws);
        x = upload(xs);
    } else if (dt == DT_INT8) {
        std::vector<int8_t> ws(K * N), xs(M * K);
        for (long i = 0; i < K * N; i++)
            wref[i] = ws[i] = (int8_t)lrintf(rnd() * 127);
        for (long i = 0; i < M * K; i++)
            xref[i] = xs[i] = (int8_t)lrintf(rnd() * 127);
        l.w = upload(ws);
        x = upload(xs);
    } else { /* int4: two nibbles a byte, low first; scale, zero a group */
        std::vector<uint8_t> q(K * N / 2, 0), z(N * (K / GROUP));
        std::vector<__half> s(N * (K / GROUP));
        for (long g = 0; g < N * (K / GROUP); g++) {
            s[g] = __float2half(0.01f + 0.002f * (float)(g % 7));
            z[g] = (uint8_t)(g % 16);
        }
        for (long i = 0; i < K * N; i++) {
            int v = (int)((rnd() + 1) * 8) & 15;
            long g = (i / K) * (K / GROUP) + (i % K) / GROUP;
            q[i / 2] |= (uint8_t)(i & 1 ? v << 4 : v);
            wref[i] = (double)(v - z[g]) * (double)__half2float(s[g]);
        }
        l.w = upload(q);
        l.scale = upload(s);
        l.zero = upload(z);
    }
    for (long r = 0; r < M; r++)
        for (long j = 0; j < N; j++) {
            double a = 0;
            for (long i = 0; i < K; i++)
                a += xref[r * K + i] * wref[j * K + i];
            ref[r * N + j] = a;
        }
    if (!gemm(c, l, x, M, y)) {
        fprintf(stderr, "slmsim-bench-cuda: error: check failed: no %s "
                "kernel for %ldx%ldx%ld\n", dt_names[dt], M, N, K);
        exit(1);
    }
    CK(cudaDeviceSynchronize());
    if (dt == DT_INT8) {
        std::vector<int32_t> v = download((int32_t *)y, (size_t)(M * N));
        for (long i = 0; i < M * N; i++)
            got[i] = v[i];
    } else if (dt == DT_BF16) {
        std::vector<__nv_bfloat16> v =
            download((__nv_bfloat16 *)y, (size_t)(M * N));
        for (long i = 0; i < M * N; i++)
            got[i] = __bfloat162float(v[i]);
    } else {
        std::vector<__half> v = download((__half *)y, (size_t)(M * N));
        for (long i = 0; i < M * N; i++)
            got[i] = __half2float(v[i]);
    }
    /* bounds: the output's own rounding (fp16 ~5e-4, bf16 ~4e-3) and the
     * summation order; int8 sums in int32, exactly */
    static const double bound[NDT] = {1e-2, 5e-2, 0, 1e-2, 2e-2};
    double e = rel_err(got, ref);
    if (e > bound[dt]) {
        char what[64];
        snprintf(what, sizeof what, "%s GEMM", dt_names[dt]);
        check_fail(what, e, bound[dt]);
    }
    lin_free(l);
    CK(cudaFree(x));
    CK(cudaFree(y));
}

static void check_memory(void)
{
    const size_t n = 1 << 20;
    std::vector<float> ones(n, 1.0f);
    float *a = upload(ones), *b = (float *)dalloc(n * 4), *sum;
    sum = (float *)dalloc(4);
    CK(cudaMemset(sum, 0, 4));
    k_read_reduce<<<256, 256>>>((const float4 *)a, n / 4, sum);
    CK_LAUNCH();
    CK(cudaMemcpy(b, a, n * 4, cudaMemcpyDeviceToDevice));
    k_empty<<<1, 1>>>();
    CK_LAUNCH();
    float s = download(sum, 1)[0];
    std::vector<float> back = download(b, n);
    if (s != (float)n || memcmp(back.data(), ones.data(), n * 4))
        check_fail("read-reduce or copy", fabs(s - (double)n) / (double)n, 0);
    CK(cudaFree(a));
    CK(cudaFree(b));
    CK(cudaFree(sum));
}

/* Online-softmax attention against a two-pass double reference. */
static void check_attention(void)
{
    const int B = 3, H = 4, KVH = 2, HD = 64, NB = 7;
    const int ctxs[B] = {5, 17, 40};
    const int per = 3, table[B * per] = {6, 0, 0, 2, 0, 0, 1, 5, 3};
    size_t elems = (size_t)NB * KVH * BLOCK * HD;
    std::vector<__half> k(elems), v(elems), q(B * H * HD);
    for (size_t i = 0; i < elems; i++) {
        k[i] = __float2half(rnd());
        v[i] = __float2half(rnd());
    }
    for (auto &e : q)
        e = __float2half(rnd());
    std::vector<double> ref(B * H * HD, 0), got(B * H * HD);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            int kvh = h / (H / KVH);
            std::vector<double> sc(ctxs[b]);
            double mx = -INFINITY, l = 0;
            for (int t = 0; t < ctxs[b]; t++) {
                size_t base = ((size_t)(table[b * per + t / BLOCK] * KVH +
                                        kvh) * BLOCK + t % BLOCK) * HD;
                double s = 0;
                for (int d = 0; d < HD; d++)
                    s += (double)__half2float(q[(b * H + h) * HD + d]) *
                         (double)__half2float(k[base + d]);
                sc[t] = s / sqrt((double)HD);
                mx = fmax(mx, sc[t]);
            }
            for (int t = 0; t < ctxs[b]; t++) {
                size_t base = ((size_t)(table[b * per + t / BLOCK] * KVH +
                                        kvh) * BLOCK + t % BLOCK) * HD;
                double p = exp(sc[t] - mx);
                l += p;
                for (int d = 0; d < HD; d++)
                    ref[(b * H + h) * HD + d] +=
                        p * (double)__half2float(v[base + d]);
            }
            for (int d = 0; d < HD; d++)
                ref[(b * H + h) * HD + d] /= l;
        }
    __half *dk = upload(k), *dv = upload(v), *dq = upload(q);
    __half *dout = (__half *)dalloc(q.size() * 2);
    std::vector<int> tv(table, table + B * per), cv(ctxs, ctxs + B);
    int *dt = upload(tv), *dc = upload(cv);
    k_attn_decode<<<B * H, AW * 32>>>(dk, dv, dt, per, dc, H, KVH, HD, dq,
                                      dout);
    CK_LAUNCH();
    std::vector<__half> o = download(dout, q.size());
    for (size_t i = 0; i < o.size(); i++)
        got[i] = __half2float(o[i]);
    double e = rel_err(got, ref);
    if (e > 1e-2)
        check_fail("paged decode attention", e, 1e-2);
    /* prefill: causal, over the first L rows of k and v as tokens */
    const int L = 19;
    std::vector<__half> pq(L * H * HD), pk(L * KVH * HD), pv(L * KVH * HD);
    for (auto &e2 : pq)
        e2 = __float2half(rnd());
    for (size_t i = 0; i < pk.size(); i++) {
        pk[i] = __float2half(rnd());
        pv[i] = __float2half(rnd());
    }
    std::vector<double> pref(pq.size(), 0), pgot(pq.size());
    for (int t = 0; t < L; t++)
        for (int h = 0; h < H; h++) {
            int kvh = h / (H / KVH);
            double mx = -INFINITY, l = 0;
            std::vector<double> sc(t + 1);
            for (int s = 0; s <= t; s++) {
                double a = 0;
                for (int d = 0; d < HD; d++)
                    a += (double)__half2float(pq[(t * H + h) * HD + d]) *
                         (double)__half2float(pk[(s * KVH + kvh) * HD + d]);
                sc[s] = a / sqrt((double)HD);
                mx = fmax(mx, sc[s]);
            }
            for (int s = 0; s <= t; s++) {
                double p = exp(sc[s] - mx);
                l += p;
                for (int d = 0; d < HD; d++)
                    pref[(t * H + h) * HD + d] +=
                        p * (double)__half2float(pv[(s * KVH + kvh) * HD + d]);
            }
            for (int d = 0; d < HD; d++)
                pref[(t * H + h) * HD + d] /= l;
        }
    __half *pdq = upload(pq), *pdk = upload(pk), *pdv = upload(pv);
    __half *pdo = (__half *)dalloc(pq.size() * 2);
    k_attn_prefill<<<blocks_for((size_t)(L * H), 4), 128>>>(pdq, pdk, pdv, L,
                                                           H, KVH, HD, pdo);
    CK_LAUNCH();
    std::vector<__half> po = download(pdo, pq.size());
    for (size_t i = 0; i < po.size(); i++)
        pgot[i] = __half2float(po[i]);
    e = rel_err(pgot, pref);
    if (e > 1e-2)
        check_fail("prefill attention", e, 1e-2);
    for (void *p : {(void *)dk, (void *)dv, (void *)dq, (void *)dout,
                    (void *)dt, (void *)dc, (void *)pdq, (void *)pdk,
                    (void *)pdv, (void *)pdo})
        CK(cudaFree(p));
}

static void check_small_kernels(void)
{
    const long M = 2, HALF = 37, N = 1000;
    std::vector<__half> gu(M * 2 * HALF), logits(M * N);
    for (auto &e : gu)
        e = __float2half(rnd() * 3);
    for (long i = 0; i < M * N; i++)
        logits[i] = __float2half(rnd());
    logits[417] = __float2half(5.0f);
    logits[N + 999] = __float2half(5.0f);
    __half *dgu = upload(gu), *dact = (__half *)dalloc(M * HALF * 2);
    __half *dl = upload(logits);
    int *best = (int *)dalloc(M * sizeof(int));
    k_silu_mul<<<1, 128>>>(dgu, M, HALF, dact);
    CK_LAUNCH();
    k_argmax<<<M, 256>>>(dl, N, best);
    CK_LAUNCH();
    std::vector<__half> act = download(dact, (size_t)(M * HALF));
    std::vector<int> b = download(best, (size_t)M);
    std::vector<double> got(M * HALF), ref(M * HALF);
    for (long r = 0; r < M; r++)
        for (long c = 0; c < HALF; c++) {
            double g = __half2float(gu[r * 2 * HALF + c]);
            double u = __half2float(gu[r * 2 * HALF + HALF + c]);
            ref[r * HALF + c] = g / (1 + exp(-g)) * u;
            got[r * HALF + c] = __half2float(act[r * HALF + c]);
        }
    double e = rel_err(got, ref);
    if (e > 1e-2)
        check_fail("SiLU-and-multiply", e, 1e-2);
    if (b[0] != 417 || b[1] != 999)
        check_fail("argmax", 1, 0);
    for (void *p : {(void *)dgu, (void *)dact, (void *)dl, (void *)best})
        CK(cudaFree(p));
}

/* ---- the timed plan ---- */

struct run {
    ctx c;
    model m;
    plan p;
    out o;
    size_t l2;
    std::vector<int> dts;
    size_t free_bytes;
};

static void progress(const char *what)
{
    fprintf(stderr, "slmsim-bench-cuda: %s ...\n", what);
}

static void bench_memory(run &r)
{
    size_t pool = r.l2 * 8 > ((size_t)1 << 30) ? r.l2 * 8 : (size_t)1 << 30;
    float *a = (float *)dalloc(pool), *b = (float *)dalloc(pool);
    float *sum = (float *)dalloc(4);
    fill_half((__half *)a, pool / 2, 3, 1.0f);
    timer t;
    progress("read and copy bandwidth");
    for (size_t part = 4; part >= 1; part /= 2) {
        size_t len = pool / part / 16 * 16;
        for (int i = 0; i < r.p.warmup + r.p.reps; i++) {
            size_t off = (i * len) % (pool - len + 16) / 16 * 16;
            t.start();
            k_read_reduce<<<1024, 256>>>((const float4 *)((char *)a + off),
                                         len / 16, sum);
            CK_LAUNCH();
            double tr = t.stop();
            t.start();
            CK(cudaMemcpyAsync((char *)b + off, (char *)a + off, len,
                               cudaMemcpyDeviceToDevice));
            double tc = t.stop();
            if (i < r.p.warmup)
                continue;
            /* the size in n, so each has its own raw summary */
            sample(r.o, "read", "-", "-", 0, 0, (long)len, 0, (double)len, 0,
                   tr);
            sample(r.o, "copy", "-", "-", 0, 0, (long)len, 0,
                   2.0 * (double)len, 0, tc);
        }
    }
    progress("launch");
    for (int i = 0; i < 1000; i++) {
        t.start();
        k_empty<<<1, 1>>>();
        CK_LAUNCH();
        double te = t.stop();
        sample(r.o, "launch", "-", "-", 0, 0, 0, 0, 0, 0, te);
    }
    CK(cudaFree(a));
    CK(cudaFree(b));
    CK(cudaFree(sum));
}

struct shape {
    const char *name;
    long k, n;
};

static std::vector<shape> shapes_of(const model &m)
{
    long q = m.heads * m.head_dim, kv = 2 * m.kv_heads * m.head_dim;
    return {{"q", m.hidden, q},
            {"kv", m.hidden, kv},
            {"o", q, m.hidden},
            {"gate_up", m.hidden, 2 * m.mlp},
            {"down", m.mlp, m.hidden}};
}

/* The activation buffers: big enough for every format and size. */
struct acts {
    void *x, *y;
};

static void bench_gemm_shape(run &r, int dt, const shape &s, acts &a)
{
    std::vector<lin> rot;
    double wb = (double)wbytes(dt, s.k, s.n);
    int copies = (int)fmin(16, fmax(1, ceil(2.0 * (double)r.l2 / wb)));
    for (int i = 0; i < copies; i++)
        rot.push_back(lin_new(dt, s.k, s.n, (uint32_t)(i * 7919 + dt)));
    timer t;
    int next = 0;
    for (int pass = 0; pass < 2; pass++) {
        const std::vector<long> &ms = pass ? r.p.prompt : r.p.batch;
        const char *kernel = pass ? "prefill" : "gemm";
        for (long m : ms) {
            bool ok = true;
            for (int i = 0; ok && i < r.p.warmup + r.p.reps; i++) {
                const lin &l = rot[next];
                next = (next + 1) % copies;
                t.start();
                ok = gemm(r.c, l, a.x, m, a.y);
                double sec = t.stop();
                if (ok && i >= r.p.warmup)
                    sample(r.o, kernel, dt_names[dt], s.name, m, s.k, s.n, 0,
                           l.bytes + 2.0 * (double)(m * (s.k + s.n)),
                           2.0 * (double)m * (double)s.k * (double)s.n, sec);
            }
            if (!ok)
                fprintf(stderr, "slmsim-bench-cuda: note: no %s kernel for "
                        "%s at m = %ld; skipped\n", dt_names[dt], s.name, m);
        }
    }
    for (lin &l : rot)
        lin_free(l);
}

static void bench_gemms(run &r)
{
    long maxm = 1, maxk = 1, maxn = 1;
    for (long m : r.p.batch)
        maxm = m > maxm ? m : maxm;
    for (long m : r.p.prompt)
        maxm = m > maxm ? m : maxm;
    for (const shape &s : shapes_of(r.m)) {
        maxk = s.k > maxk ? s.k : maxk;
        maxn = s.n > maxn ? s.n : maxn;
    }
    acts a = {dalloc((size_t)(maxm * maxk) * 2),
              dalloc((size_t)(maxm * maxn) * 4)};
    for (int dt : r.dts) {
        char what[64];
        snprintf(what, sizeof what, "%s linear layers", dt_names[dt]);
        progress(what);
        /* activations valid in every format: small fp16 / bf16 / fp8 /
         * int8 codes (fp8 codes 0x20|.. are never NaN) */
        if (dt == DT_FP8 || dt == DT_INT8)
            fill_bytes(a.x, (size_t)(maxm * maxk) * 2, 5,
                       dt == DT_FP8 ? 0x9f : 0xff, dt == DT_FP8 ? 0x20 : 0);
        else if (dt == DT_BF16)
            k_fill_bf16<<<blocks_for((size_t)(maxm * maxk), 256), 256>>>(
                (__nv_bfloat16 *)a.x, (size_t)(maxm * maxk), 5);
        else
            fill_half((__half *)a.x, (size_t)(maxm * maxk), 5, 1.0f);
        CK_LAUNCH();
        for (const shape &s : shapes_of(r.m))
            bench_gemm_shape(r, dt, s, a);
    }
    CK(cudaFree(a.x));
    CK(cudaFree(a.y));
}

/* A paged KV arena and its block tables for batch sequences of ctx. */
struct kv {
    __half *k, *v;
    int *table, *ctx;
    long blocks, per_seq, batch;
    std::vector<int> perm; /* the shuffled block order, from 0 */
};

static bool kv_new(run &r, long batch, long ctx, kv &out)
{
    long per = (ctx + BLOCK - 1) / BLOCK, need = batch * per;
    double block_bytes = 2.0 * r.m.kv_heads * BLOCK * r.m.head_dim;
    long blocks = (long)fmax((double)need, 4.0 * (double)r.l2 / block_bytes);
    if (2.0 * (double)blocks * block_bytes > (double)r.free_bytes / 4)
        return false;
    size_t elems = (size_t)blocks * r.m.kv_heads * BLOCK * r.m.head_dim;
    out.k = (__half *)dalloc(elems * 2);
    out.v = (__half *)dalloc(elems * 2);
    out.blocks = blocks;
    out.per_seq = per;
    out.batch = batch;
    fill_half(out.k, elems, 11, 1.0f);
    fill_half(out.v, elems, 12, 1.0f);
    std::vector<int> t(need), c(batch, (int)ctx);
    /* shuffled blocks, as a paged cache hands them out */
    for (long i = 0; i < need; i++)
        t[i] = (int)i;
    for (long i = need - 1; i > 0; i--) {
        long j = (long)(((uint64_t)i * 2654435761u) % (uint64_t)(i + 1));
        int s = t[i];
        t[i] = t[j];
        t[j] = s;
    }
    out.perm = t;
    out.table = upload(t);
    out.ctx = upload(c);
    return true;
}

/* Moves the tables to another part of the arena, so that a repetition
 * does not find the previous one's blocks in L2. */
static void kv_move(kv &a, int rep)
{
    long need = a.batch * a.per_seq, parts = a.blocks / need;
    if (parts < 2)
        return;
    std::vector<int> t(a.perm);
    for (auto &e : t)
        e += (int)(need * (rep % parts));
    CK(cudaMemcpy(a.table, t.data(), t.size() * 4, cudaMemcpyHostToDevice));
}

static void kv_free(kv &a)
{
    for (void *p : {(void *)a.k, (void *)a.v, (void *)a.table, (void *)a.ctx})
        CK(cudaFree(p));
}

static void bench_attention(run &r)
{
    const model &m = r.m;
    timer t;
    progress("decode attention");
    for (long ctx : r.p.ctx)
        for (long b : r.p.abatch) {
            kv a;
            if (!kv_new(r, b, ctx, a)) {
                fprintf(stderr, "slmsim-bench-cuda: note: KV of %ld x %ld "
                        "tokens exceeds a quarter of free memory; "
                        "skipped\n", b, ctx);
                continue;
            }
            size_t qn = (size_t)(b * m.heads * m.head_dim);
            __half *q = (__half *)dalloc(qn * 2), *o = (__half *)dalloc(qn * 2);
            fill_half(q, qn, 13, 1.0f);
            double bytes = (double)b * (double)ctx * 4.0 * m.kv_heads *
                           m.head_dim;
            double flops = 4.0 * (double)b * m.heads * (double)ctx *
                           m.head_dim;
            for (int i = 0; i < r.p.warmup + r.p.reps; i++) {
                kv_move(a, i);
                t.start();
                k_attn_decode<<<(unsigned)(b * m.heads), AW * 32>>>(
                    a.k, a.v, a.table, a.per_seq, a.ctx, (int)m.heads,
                    (int)m.kv_heads, (int)m.head_dim, q, o);
                CK_LAUNCH();
                double sec = t.stop();
                if (i >= r.p.warmup)
                    sample(r.o, "attn", "fp16", "-", b, m.head_dim, m.heads,
                           ctx, bytes, flops, sec);
            }
            CK(cudaFree(q));
            CK(cudaFree(o));
            kv_free(a);
        }
    progress("prefill attention");
    for (long len : r.p.plen) {
        size_t qn = (size_t)(len * m.heads * m.head_dim);
        size_t kn = (size_t)(len * m.kv_heads * m.head_dim);
        __half *q = (__half *)dalloc(qn * 2), *k = (__half *)dalloc(kn * 2);
        __half *v = (__half *)dalloc(kn * 2), *o = (__half *)dalloc(qn * 2);
        fill_half(q, qn, 14, 1.0f);
        fill_half(k, kn, 15, 1.0f);
        fill_half(v, kn, 16, 1.0f);
        double flops = 4.0 * m.heads * m.head_dim * (double)len *
                       (double)(len + 1) / 2;
        for (int i = 0; i < r.p.warmup + r.p.reps; i++) {
            t.start();
            k_attn_prefill<<<blocks_for((size_t)(len * m.heads), 4), 128>>>(
                q, k, v, len, (int)m.heads, (int)m.kv_heads, (int)m.head_dim,
                o);
            CK_LAUNCH();
            double sec = t.stop();
            if (i >= r.p.warmup)
                sample(r.o, "prefill_attn", "fp16", "-", len, m.head_dim,
                       m.heads, len, 4.0 * (double)(qn + kn), flops, sec);
        }
        for (void *p : {(void *)q, (void *)k, (void *)v, (void *)o})
            CK(cudaFree(p));
    }
}

/* ---- whole layers and steps (FP16) ---- */

#define LAYER_CTX 512

struct layer {
    std::vector<shape> s;
    std::vector<lin> w;
    lin head;
    kv cache;
    long m;
    __half *x, *buf[5], *q, *attn, *act, *logits;
    int *best;
};

static void layer_new(run &r, long m, layer &l)
{
    const model &mo = r.m;
    l.s = shapes_of(mo);
    l.m = m;
    long maxk = mo.mlp > mo.hidden ? mo.mlp : mo.hidden;
    for (int i = 0; i < 5; i++) {
        l.w.push_back(lin_new(DT_FP16, l.s[i].k, l.s[i].n, 100 + i));
        l.buf[i] = (__half *)dalloc((size_t)(m * l.s[i].n) * 2);
    }
    /* the LM head stays in 16 bits, as AWQ and GPTQ keep it */
    l.head = lin_new(DT_FP16, mo.hidden, mo.vocab, 99);
    size_t qn = (size_t)(m * mo.heads * mo.head_dim);
    l.x = (__half *)dalloc((size_t)(m * maxk) * 2);
    l.q = (__half *)dalloc(qn * 2);
    l.attn = (__half *)dalloc(qn * 2);
    l.act = (__half *)dalloc((size_t)(m * mo.mlp) * 2);
    l.logits = (__half *)dalloc((size_t)(m * mo.vocab) * 2);
    l.best = (int *)dalloc((size_t)m * sizeof(int));
    fill_half(l.x, (size_t)(m * maxk), 21, 1.0f);
    fill_half(l.q, qn, 22, 1.0f);
    if (!kv_new(r, m, LAYER_CTX, l.cache))
        die("the layer's KV cache", "too large", __FILE__, __LINE__);
}

static void layer_free(layer &l)
{
    for (int i = 0; i < 5; i++) {
        lin_free(l.w[i]);
        CK(cudaFree(l.buf[i]));
    }
    lin_free(l.head);
    kv_free(l.cache);
    for (void *p : {(void *)l.x, (void *)l.q, (void *)l.attn, (void *)l.act,
                    (void *)l.logits, (void *)l.best})
        CK(cudaFree(p));
}

/* Part p: 0 q, 1 kv, 2 attention, 3 o, 4 gate_up + SiLU-and-multiply,
 * 5 down. */
static void layer_part(run &r, layer &l, int p)
{
    const model &m = r.m;
    switch (p) {
    case 0: gemm(r.c, l.w[0], l.x, l.m, l.buf[0]); break;
    case 1: gemm(r.c, l.w[1], l.x, l.m, l.buf[1]); break;
    case 2:
        k_attn_decode<<<(unsigned)(l.m * m.heads), AW * 32>>>(
            l.cache.k, l.cache.v, l.cache.table, l.cache.per_seq, l.cache.ctx,
            (int)m.heads, (int)m.kv_heads, (int)m.head_dim, l.q, l.attn);
        CK_LAUNCH();
        break;
    case 3: gemm(r.c, l.w[2], l.attn, l.m, l.buf[2]); break;
    case 4:
        gemm(r.c, l.w[3], l.x, l.m, l.buf[3]);
        k_silu_mul<<<blocks_for((size_t)(l.m * m.mlp), 256), 256>>>(
            l.buf[3], l.m, m.mlp, l.act);
        CK_LAUNCH();
        break;
    default: gemm(r.c, l.w[4], l.act, l.m, l.buf[4]); break;
    }
}

static void layer_run(run &r, layer &l)
{
    for (int p = 0; p < 6; p++)
        layer_part(r, l, p);
}

static void step_run(run &r, layer &l, long layers)
{
    for (long i = 0; i < layers; i++)
        layer_run(r, l);
    gemm(r.c, l.head, l.x, l.m, l.logits);
    k_argmax<<<(unsigned)l.m, 256>>>(l.logits, r.m.vocab, l.best);
    CK_LAUNCH();
}

static void bench_layers(run &r)
{
    timer t, tp;
    progress("whole layers");
    for (long m : r.p.layer_batch) {
        layer l;
        layer_new(r, m, l);
        for (int i = 0; i < r.p.warmup + r.p.reps; i++) {
            t.start();
            layer_run(r, l);
            double whole = t.stop(), parts = 0;
            for (int p = 0; p < 6; p++) {
                tp.start();
                layer_part(r, l, p);
                parts += tp.stop();
            }
            if (i < r.p.warmup)
                continue;
            sample(r.o, "layer", "fp16", "-", m, r.m.hidden, r.m.hidden,
                   LAYER_CTX, 0, 0, whole);
            sample(r.o, "layer_parts", "fp16", "-", m, r.m.hidden,
                   r.m.hidden, LAYER_CTX, 0, 0, parts);
        }
        layer_free(l);
    }
    progress("whole steps and jitter");
    layer l;
    layer_new(r, 1, l);
    for (long L : r.p.steps)
        for (int i = 0; i < r.p.warmup + r.p.reps; i++) {
            t.start();
            step_run(r, l, L);
            double sec = t.stop();
            if (i >= r.p.warmup)
                sample(r.o, "step", "fp16", "-", 1, r.m.hidden, r.m.vocab, L,
                       0, 0, sec);
        }
    for (int i = 0; i < r.p.jitter_reps; i++) {
        t.start();
        step_run(r, l, r.m.layers);
        sample(r.o, "jitter", "fp16", "-", 1, r.m.hidden, r.m.vocab,
               r.m.layers, 0, 0, t.stop());
    }
    layer_free(l);
}

/* ---- all-reduce between GPUs (tensor parallelism) ---- */

/* Why the all-reduce is not measured, or "" when it is. */
static std::string allreduce_note(void)
{
    int ndev = 0;
    CK(cudaGetDeviceCount(&ndev));
    if (ndev < 2)
        return "skipped: one GPU";
#ifdef SLM_HAVE_NCCL
    return "";
#else
    return "skipped: built without NCCL";
#endif
}

static void bench_allreduce(run &r)
{
#ifdef SLM_HAVE_NCCL
    int ndev = 0;
    CK(cudaGetDeviceCount(&ndev));
    progress("NCCL all-reduce");
    std::vector<ncclComm_t> comms(ndev);
    std::vector<int> devs(ndev);
    for (int i = 0; i < ndev; i++)
        devs[i] = i;
    if (ncclCommInitAll(comms.data(), ndev, devs.data()) != ncclSuccess)
        die("ncclCommInitAll", "failed", __FILE__, __LINE__);
    for (long m : r.p.batch) {
        size_t n = (size_t)(m * r.m.hidden);
        std::vector<__half *> buf(ndev);
        std::vector<cudaStream_t> st(ndev);
        for (int i = 0; i < ndev; i++) {
            CK(cudaSetDevice(i));
            buf[i] = (__half *)dalloc(n * 2);
            CK(cudaStreamCreate(&st[i]));
        }
        for (int rep = 0; rep < r.p.warmup + r.p.reps; rep++) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            if (ncclGroupStart() != ncclSuccess)
                die("ncclGroupStart", "failed", __FILE__, __LINE__);
            for (int i = 0; i < ndev; i++)
                if (ncclAllReduce(buf[i], buf[i], n, ncclFloat16, ncclSum,
                                  comms[i], st[i]) != ncclSuccess)
                    die("ncclAllReduce", "failed", __FILE__, __LINE__);
            if (ncclGroupEnd() != ncclSuccess)
                die("ncclGroupEnd", "failed", __FILE__, __LINE__);
            for (int i = 0; i < ndev; i++) {
                CK(cudaSetDevice(i));
                CK(cudaStreamSynchronize(st[i]));
            }
            clock_gettime(CLOCK_MONOTONIC, &b);
            double sec = (double)(b.tv_sec - a.tv_sec) +
                         1e-9 * (double)(b.tv_nsec - a.tv_nsec);
            if (rep >= r.p.warmup)
                sample(r.o, "allreduce", "fp16", "-", m, r.m.hidden, ndev, 0,
                       2.0 * (double)n, 0, sec);
        }
        for (int i = 0; i < ndev; i++) {
            CK(cudaSetDevice(i));
            CK(cudaFree(buf[i]));
            CK(cudaStreamDestroy(st[i]));
        }
    }
    for (auto c : comms)
        ncclCommDestroy(c);
    CK(cudaSetDevice(0));
#else
    (void)r;
#endif
}

/* ---- identity ---- */

/* The NVIDIA kernel module's version ("550.54.15"), else the CUDA
 * driver API's ("CUDA 12.4"). */
static std::string driver_version(void)
{
    char line[512];
    FILE *f = fopen("/proc/driver/nvidia/version", "r");
    if (f && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "Kernel Module");
        if (p) {
            p += strlen("Kernel Module");
            while (*p == ' ')
                p++;
            std::string v(p, strcspn(p, " \n"));
            fclose(f);
            return v;
        }
    }
    if (f)
        fclose(f);
    int d = 0;
    CK(cudaDriverGetVersion(&d));
    char buf[32];
    snprintf(buf, sizeof buf, "CUDA %d.%d", d / 1000, d % 1000 / 10);
    return buf;
}

static void write_header(run &r, bool quick, const std::string &note)
{
    cudaDeviceProp p;
    int rt = 0, sm_khz = 0, mem_khz = 0;
    CK(cudaGetDeviceProperties(&p, 0));
    CK(cudaRuntimeGetVersion(&rt));
    CK(cudaDeviceGetAttribute(&sm_khz, cudaDevAttrClockRate, 0));
    CK(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, 0));
    char date[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    FILE *f = r.o.f;
    fprintf(f, "# slmsim calibration samples 2\n# device.name: %s\n"
            "# device.kind: cuda\n# device.catalog: \n"
            "# device.compute_capability: %d.%d\n# device.driver: %s\n"
            "# device.runtime: %d.%d\n# device.sms: %d\n"
            "# device.sm_clock: %.6g\n# device.memory_clock: %.6g\n"
            "# device.memory: %.6g\n# device.l2: %.6g\n",
            p.name, p.major, p.minor, driver_version().c_str(), rt / 1000,
            rt % 1000 / 10, p.multiProcessorCount, sm_khz * 1e3,
            mem_khz * 1e3, (double)p.totalGlobalMem, (double)p.l2CacheSize);
    fprintf(f, "# date: %s\n# model: %s\n# kv_dtype: fp16\n# quick: %d\n"
            "# warmup: %d\n# repetitions: %d\n# buffer: %.6g\n"
            "# dequant_tile: %d\n# allreduce: %s\n",
            date, r.m.name.c_str(), quick ? 1 : 0, r.p.warmup, r.p.reps,
            fmax(8.0 * (double)r.l2, 1073741824.0), MT, note.c_str());
    if (r.m.tp > 1)
        fprintf(f, "# tensor_parallel: %ld\n", r.m.tp);
    fputs("kernel,dtype,shape,m,k,n,ctx,bytes,flops,seconds\n", f);
}

/* ---- main ---- */

static const char usage[] =
    "usage: slmsim-bench-cuda --model NAME --layers N --hidden N --heads N\n"
    "         --kv-heads N --head-dim N --mlp N --vocab N [--quant LIST]\n"
    "         --out FILE [--tp K] [--quick] [--check-only]\n"
    "Times the kernels of a decode and a prefill step on GPU 0 and writes\n"
    "the raw samples (CSV) for `slmsim calibrate --fit`.  Every kernel is\n"
    "checked against a CPU reference first.  --tp K times one GPU's shard\n"
    "of a K-way tensor-parallel group: heads, mlp and vocab divided by K,\n"
    "kv-heads too (at least 1, as vLLM replicates them), hidden whole.\n"
    "Exit 0, 1 a check or CUDA call failed, 2 bad arguments.\n";

static int bad_args(const char *what)
{
    fprintf(stderr, "slmsim-bench-cuda: error: %s\n%s", what, usage);
    return 2;
}

int main(int argc, char **argv)
{
    run r;
    const char *out = NULL, *quant = "fp16,bf16,fp8,int8,int4";
    bool quick = false, check_only = false;
    long *dims[] = {&r.m.layers, &r.m.hidden, &r.m.heads, &r.m.kv_heads,
                    &r.m.head_dim, &r.m.mlp, &r.m.vocab};
    const char *names[] = {"--layers", "--hidden", "--heads", "--kv-heads",
                           "--head-dim", "--mlp", "--vocab"};
    for (long *d : dims)
        *d = 0;
    r.m.tp = 1;
    for (int i = 1; i < argc; i++) {
        bool took = false;
        if (!strcmp(argv[i], "--quick"))
            quick = took = true;
        else if (!strcmp(argv[i], "--check-only"))
            check_only = took = true;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (i + 1 < argc && !strcmp(argv[i], "--model")) {
            r.m.name = argv[++i];
            took = true;
        } else if (i + 1 < argc && !strcmp(argv[i], "--out")) {
            out = argv[++i];
            took = true;
        } else if (i + 1 < argc && !strcmp(argv[i], "--quant")) {
            quant = argv[++i];
            took = true;
        } else if (i + 1 < argc && !strcmp(argv[i], "--tp")) {
            char *end;
            r.m.tp = strtol(argv[++i], &end, 10);
            if (*end || r.m.tp < 1 || r.m.tp > 64)
                return bad_args("--tp must be an integer from 1 to 64");
            took = true;
        }
        for (int k = 0; k < 7 && !took; k++)
            if (i + 1 < argc && !strcmp(argv[i], names[k])) {
                char *end;
                *dims[k] = strtol(argv[++i], &end, 10);
                if (*end || *dims[k] <= 0)
                    return bad_args("model dimensions must be integers > 0");
                took = true;
            }
        if (!took)
            return bad_args("unknown argument");
    }
    if (r.m.name.empty() || (!out && !check_only))
        return bad_args("--model and --out are required");
    for (long *d : dims)
        if (*d <= 0)
            return bad_args("every model dimension is required");
    if (r.m.heads % r.m.tp || r.m.mlp % r.m.tp ||
        (r.m.kv_heads > r.m.tp ? r.m.kv_heads % r.m.tp : r.m.tp % r.m.kv_heads))
        return bad_args("--tp must divide heads and mlp, and divide or be a "
                        "multiple of kv-heads");
    /* One GPU's shard (Megatron-style): column-parallel QKV and gate/up,
     * row-parallel O and down, the LM head split by vocabulary, the
     * hidden width and the layer count whole. */
    r.m.heads /= r.m.tp;
    r.m.kv_heads = r.m.kv_heads > r.m.tp ? r.m.kv_heads / r.m.tp : 1;
    r.m.mlp /= r.m.tp;
    r.m.vocab = (r.m.vocab + r.m.tp - 1) / r.m.tp;
    if (r.m.hidden % GROUP || r.m.mlp % GROUP || r.m.head_dim > 256 ||
        r.m.heads % r.m.kv_heads)
        return bad_args("int4 needs widths in multiples of 128, attention "
                        "head_dim <= 256 and heads a multiple of kv_heads");
    CK(cudaSetDevice(0));
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    r.c.cc = prop.major * 10 + prop.minor;
    r.l2 = (size_t)prop.l2CacheSize;
    CB(cublasCreate(&r.c.blas));
    CB(cublasLtCreate(&r.c.lt));
    r.c.lt_ws_bytes = 32u << 20;
    r.c.lt_ws = dalloc(r.c.lt_ws_bytes);
    float one = 1.0f;
    r.c.one = (float *)dalloc(4);
    CK(cudaMemcpy(r.c.one, &one, 4, cudaMemcpyHostToDevice));
    for (int d = 0; d < NDT; d++) {
        const char *p = strstr(quant, dt_names[d]);
        size_t n = strlen(dt_names[d]);
        if (!p || (p[n] && p[n] != ','))
            continue;
        if (d == DT_FP8 && r.c.cc < 89) {
            fprintf(stderr, "slmsim-bench-cuda: note: fp8 skipped: compute "
                    "capability %d.%d has no FP8 tensor cores\n", prop.major,
                    prop.minor);
            continue;
        }
        r.dts.push_back(d);
    }
    progress("checking every kernel against its CPU reference");
    check_memory();
    for (int d : r.dts)
        check_gemm(r.c, d);
    check_attention();
    check_small_kernels();
    fprintf(stderr, "slmsim-bench-cuda: all kernel checks passed on %s\n",
            prop.name);
    if (check_only)
        return 0;
    size_t total = 0;
    CK(cudaMemGetInfo(&r.free_bytes, &total));
    r.p = make_plan(quick, r.m);
    std::string tmp = std::string(out) + ".tmp";
    r.o = {fopen(tmp.c_str(), "w"), 0};
    if (!r.o.f) {
        fprintf(stderr, "slmsim-bench-cuda: error: cannot write '%s': %s\n",
                tmp.c_str(), strerror(errno));
        return 1;
    }
    std::string note = allreduce_note();
    write_header(r, quick, note);
    bench_memory(r);
    bench_gemms(r);
    bench_attention(r);
    bench_layers(r);
    if (note.empty())
        bench_allreduce(r);
    if (fclose(r.o.f) != 0 || rename(tmp.c_str(), out) != 0) {
        fprintf(stderr, "slmsim-bench-cuda: error: cannot write '%s': %s\n",
                out, strerror(errno));
        return 1;
    }
    fprintf(stderr, "slmsim-bench-cuda: wrote %ld samples to %s\n", r.o.rows,
            out);
    CK(cudaFree(r.c.lt_ws));
    CK(cudaFree(r.c.one));
    cublasLtDestroy(r.c.lt);
    cublasDestroy(r.c.blas);
    return 0;
}
