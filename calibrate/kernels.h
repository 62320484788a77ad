/*
 * kernels: the CPU twin of the CUDA micro-benchmark's kernels.
 *
 * The same operations as calibrate/bench.cu, in plain C, with the weights
 * stored as the GPU stores them: fp16 and bf16 (16-bit), fp8 (E4M3, one
 * scale per tensor), int8 (W8A8: one FP16 scale per output channel,
 * activations quantised per row, int32 sums) and int4 (weight-only, groups
 * of KERN_GROUP along k, an FP16 scale and a 4-bit zero per group, two
 * weights a byte, low nibble first, as AWQ/GPTQ pack them).  Every format
 * is turned into float in the inner loop; the products are float.
 *
 * Layout: a linear layer's weights are n rows (outputs) of k (inputs), as
 * torch.nn.Linear stores them; activations are m rows of k; y = x W^T is m
 * rows of n.  The GEMM walks KERN_TILE activation rows per pass over the
 * weights, so each weight is dequantised once per tile (the int4 cost that
 * grows with the batch in steps of KERN_TILE).
 *
 * Every kernel has a double-precision reference (kern_*_ref) over the
 * dequantised weights, and kern_check() runs them all on small sizes.
 * Ownership: kern_weights owns its arrays (kern_weights_fini).
 */
#ifndef SLM_KERNELS_H
#define SLM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "models/calib.h"

#define KERN_GROUP 128 /* int4 group size along k */
#define KERN_TILE 8    /* activation rows per pass over the weights */
#define KERN_BLOCK 16  /* tokens per paged KV block */

/* ---- element formats ---- */
uint16_t kern_float_to_half(float f);  /* round to nearest even */
uint16_t kern_float_to_bf16(float f);  /* round to nearest even */
float kern_e4m3_to_float(uint8_t v);
uint8_t kern_float_to_e4m3(float f);   /* nearest, saturating at 448 */

/* ---- linear layers ---- */
struct kern_weights {
    int dtype;         /* enum calib_dtype */
    long k, n;
    void *q;           /* the n x k weights in dtype's storage */
    uint16_t *scale;   /* int8: n (fp16); int4: n * k/KERN_GROUP (fp16) */
    uint8_t *zero;     /* int4: n * k/KERN_GROUP, 0..15 */
    float tensor_scale; /* fp8 */
    size_t bytes;      /* bytes a product reads: weights, scales, zeros */
};

/* Quantises src (n x k floats, borrowed) into w in format dtype (k a
 * multiple of KERN_GROUP for int4).  0 or SLM_ENOMEM. */
int kern_weights_init(struct kern_weights *w, int dtype, long k, long n,
                      const float *src);
/* Fills w with valid weights of format dtype straight from a cheap
 * pattern of seed (no float source: the LM head of an 8B model is half a
 * billion weights), for timing only.  0 or SLM_ENOMEM. */
int kern_weights_fill(struct kern_weights *w, int dtype, long k, long n,
                      uint64_t seed);
/* A copy of src's storage (for rotating buffers).  0 or SLM_ENOMEM. */
int kern_weights_copy(struct kern_weights *dst,
                      const struct kern_weights *src);
void kern_weights_fini(struct kern_weights *w);
/* The dequantised weight of output j, input i. */
double kern_weight_at(const struct kern_weights *w, long j, long i);

/* y (m x n) = x (m x k) W^T.  scratch: m * (k + 4) bytes, used by int8
 * to quantise the activations (NULL for the other formats). */
void kern_gemm(const struct kern_weights *w, const float *x, long m,
               float *y, int8_t *scratch);
void kern_gemm_ref(const struct kern_weights *w, const float *x, long m,
                   double *y);

/* ---- memory ---- */
double kern_read_reduce(const float *buf, size_t n); /* sum */
void kern_copy(float *dst, const float *src, size_t n);
/* An empty function, called through a pointer so it is not inlined. */
extern void (*volatile kern_empty)(void);

/* ---- attention ---- */

/* A paged KV cache for one layer: `blocks` blocks of KERN_BLOCK tokens,
 * each [kv_heads][KERN_BLOCK][head_dim] fp16 for K and again for V. */
struct kern_kv {
    long blocks;
    int kv_heads, head_dim;
    uint16_t *k, *v;
};

/* Decode attention of `batch` sequences, one new query token each:
 * sequence b has ctx[b] tokens in the blocks table[b][0..]; q and out are
 * batch x heads x head_dim.  Softmax over 1/sqrt(head_dim)-scaled scores,
 * one pass with a running maximum. */
struct kern_attn {
    const struct kern_kv *kv;
    long batch;
    int heads;
    const long *ctx;
    const long *const *table;
};
void kern_attn_decode(const struct kern_attn *a, const float *q, float *out);
void kern_attn_decode_ref(const struct kern_attn *a, const float *q,
                          double *out);

/* Causal prefill attention over len tokens: q is len x heads x head_dim,
 * k and v len x kv_heads x head_dim, out like q. */
struct kern_prefill {
    long len;
    int heads, kv_heads, head_dim;
};
void kern_attn_prefill(const struct kern_prefill *p, const float *q,
                       const float *k, const float *v, float *out);
void kern_attn_prefill_ref(const struct kern_prefill *p, const float *q,
                           const float *k, const float *v, double *out);

/* ---- the checks ---- */

/* Runs every kernel on small sizes against its reference: relative error
 * (max |y - ref| / max |ref|) at most 1e-5 for float paths, exact for read
 * and copy; and each format's quantisation error against the float
 * weights within its bound (fp16 1e-3, bf16 1e-2, fp8 7e-2, int8 1e-2,
 * int4 1e-1 of the row's range).  Returns 0, or SLM_ENUM with what failed
 * written into msg; SLM_ENOMEM. */
int kern_check(char *msg, size_t size);

#endif
