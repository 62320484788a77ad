#include "calibrate/kernels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/diag.h"
#include "sim/mem.h"

/* ---- element formats ---- */

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
static float kern_half_to_float(uint16_t h)
{
    uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f,
             m = h & 0x3ff;
    if (e == 0) /* zero or subnormal: m * 2^-24 */
        return (s ? -1.0f : 1.0f) * (float)m * 5.9604644775390625e-8f;
    if (e == 31)
        return bits_float(s | 0x7f800000u | (m << 13));
    return bits_float(s | ((e + 112) << 23) | (m << 13));
}

uint16_t kern_float_to_half(float f)
{
    uint32_t u = float_bits(f), s = (u >> 16) & 0x8000;
    float a = fabsf(f);
    if (a != a)
        return (uint16_t)(s | 0x7e00);
    if (a >= 65520.0f)
        return (uint16_t)(s | 0x7c00);
    if (a < 6.103515625e-05f) /* subnormal: units of 2^-24, nearest even */
        return (uint16_t)(s | (uint32_t)lrintf(a * 16777216.0f));
    uint32_t v = float_bits(a);
    uint32_t mant = v & 0x7fffff, exp = (v >> 23) - 112;
    uint32_t r = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (r & 1)))
        r++; /* a carry into the exponent is the right answer too */
    return (uint16_t)(s | r);
}

static float kern_bf16_to_float(uint16_t h)
{
    return bits_float((uint32_t)h << 16);
}

uint16_t kern_float_to_bf16(float f)
{
    uint32_t u = float_bits(f);
    if (f != f)
        return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

/* OCP FP8 E4M3: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no
 * infinities, S.1111.111 is NaN, so the largest finite is 448. */
float kern_e4m3_to_float(uint8_t v)
{
    int e = (v >> 3) & 15, m = v & 7;
    float sign = v & 0x80 ? -1.0f : 1.0f;
    if (e == 15 && m == 7)
        return NAN;
    if (e == 0)
        return sign * ldexpf((float)m / 8.0f, -6);
    return sign * ldexpf(1.0f + (float)m / 8.0f, e - 7);
}

uint8_t kern_float_to_e4m3(float f)
{
    uint8_t s = f < 0 ? 0x80 : 0;
    float a = fminf(fabsf(f), 448.0f);
    if (a < ldexpf(1.0f, -6)) /* subnormal: units of 2^-9 */
        return (uint8_t)(s | (uint8_t)lrintf(a * 512.0f));
    int e;
    float fr = frexpf(a, &e); /* a = fr 2^e, fr in [0.5, 1) */
    e -= 1;
    long m = lrintf((fr * 2.0f - 1.0f) * 8.0f);
    if (m == 8) {
        m = 0;
        e++;
    }
    int code = ((e + 7) << 3) | (int)m;
    return (uint8_t)(s | (code > 0x7e ? 0x7e : code));
}

/* ---- weights ---- */

static void quant_int8(struct kern_weights *w, const float *src)
{
    int8_t *q = w->q;
    for (long j = 0; j < w->n; j++) {
        float mx = 0;
        for (long i = 0; i < w->k; i++)
            mx = fmaxf(mx, fabsf(src[j * w->k + i]));
        w->scale[j] = kern_float_to_half(mx > 0 ? mx / 127.0f : 1.0f);
        float s = kern_half_to_float(w->scale[j]);
        for (long i = 0; i < w->k; i++) {
            long v = lrintf(src[j * w->k + i] / s);
            q[j * w->k + i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
}

/* Asymmetric 4-bit per group: scale (max - min)/15, zero -min/scale. */
static void quant_int4(struct kern_weights *w, const float *src)
{
    uint8_t *q = w->q;
    long groups = w->k / KERN_GROUP;
    memset(q, 0, (size_t)(w->n * w->k / 2));
    for (long j = 0; j < w->n; j++)
        for (long g = 0; g < groups; g++) {
            const float *p = src + j * w->k + g * KERN_GROUP;
            float lo = p[0], hi = p[0];
            for (int i = 1; i < KERN_GROUP; i++) {
                lo = fminf(lo, p[i]);
                hi = fmaxf(hi, p[i]);
            }
            lo = fminf(lo, 0);
            hi = fmaxf(hi, 0);
            uint16_t sh = kern_float_to_half(hi > lo ? (hi - lo) / 15 : 1);
            float s = kern_half_to_float(sh);
            long z = lrintf(-lo / s);
            z = z < 0 ? 0 : z > 15 ? 15 : z;
            w->scale[j * groups + g] = sh;
            w->zero[j * groups + g] = (uint8_t)z;
            for (int i = 0; i < KERN_GROUP; i++) {
                long v = lrintf(p[i] / s) + z;
                v = v < 0 ? 0 : v > 15 ? 15 : v;
                long at = j * w->k + g * KERN_GROUP + i;
                q[at / 2] |= (uint8_t)(at & 1 ? v << 4 : v);
            }
        }
}

static void quant_16(struct kern_weights *w, const float *src)
{
    uint16_t *q = w->q;
    for (long i = 0; i < w->n * w->k; i++)
        q[i] = w->dtype == CALIB_DT_BF16 ? kern_float_to_bf16(src[i])
                                         : kern_float_to_half(src[i]);
}

static void quant_fp8(struct kern_weights *w, const float *src)
{
    uint8_t *q = w->q;
    float mx = 0;
    for (long i = 0; i < w->n * w->k; i++)
        mx = fmaxf(mx, fabsf(src[i]));
    w->tensor_scale = mx > 0 ? mx / 448.0f : 1.0f;
    for (long i = 0; i < w->n * w->k; i++)
        q[i] = kern_float_to_e4m3(src[i] / w->tensor_scale);
}

static size_t storage_bytes(int dtype, long k, long n)
{
    switch (dtype) {
    case CALIB_DT_FP16:
    case CALIB_DT_BF16: return (size_t)(n * k) * 2;
    case CALIB_DT_INT4: return (size_t)(n * k) / 2;
    default: return (size_t)(n * k);
    }
}

static int weights_alloc(struct kern_weights *w, int dtype, long k, long n)
{
    memset(w, 0, sizeof *w);
    w->dtype = dtype;
    w->k = k;
    w->n = n;
    size_t groups = dtype == CALIB_DT_INT4 ? (size_t)(n * (k / KERN_GROUP))
                    : dtype == CALIB_DT_INT8 ? (size_t)n : 0;
    w->q = mem_alloc(storage_bytes(dtype, k, n));
    if (groups) {
        w->scale = mem_alloc(groups * sizeof *w->scale);
        if (dtype == CALIB_DT_INT4)
            w->zero = mem_alloc(groups);
    }
    w->tensor_scale = 1;
    /* AWQ packs the zeros 8 to a 32-bit word: half a byte each. */
    w->bytes = storage_bytes(dtype, k, n) + groups * 2 +
               (dtype == CALIB_DT_INT4 ? groups / 2 : 0);
    if (!w->q || (groups && !w->scale) ||
        (dtype == CALIB_DT_INT4 && !w->zero)) {
        kern_weights_fini(w);
        return SLM_ENOMEM;
    }
    return 0;
}

int kern_weights_init(struct kern_weights *w, int dtype, long k, long n,
                      const float *src)
{
    int rc = weights_alloc(w, dtype, k, n);
    if (rc)
        return rc;
    switch (dtype) {
    case CALIB_DT_INT8: quant_int8(w, src); break;
    case CALIB_DT_INT4: quant_int4(w, src); break;
    case CALIB_DT_FP8: quant_fp8(w, src); break;
    default: quant_16(w, src); break;
    }
    return 0;
}

int kern_weights_copy(struct kern_weights *dst,
                      const struct kern_weights *src)
{
    int rc = weights_alloc(dst, src->dtype, src->k, src->n);
    if (rc)
        return rc;
    size_t groups = src->dtype == CALIB_DT_INT4
                        ? (size_t)(src->n * (src->k / KERN_GROUP))
                        : src->dtype == CALIB_DT_INT8 ? (size_t)src->n : 0;
    memcpy(dst->q, src->q, storage_bytes(src->dtype, src->k, src->n));
    if (groups)
        memcpy(dst->scale, src->scale, groups * sizeof *dst->scale);
    if (src->zero)
        memcpy(dst->zero, src->zero, groups);
    dst->tensor_scale = src->tensor_scale;
    return 0;
}

void kern_weights_fini(struct kern_weights *w)
{
    mem_free(w->q);
    mem_free(w->scale);
    mem_free(w->zero);
    w->q = NULL;
    w->scale = NULL;
    w->zero = NULL;
}

double kern_weight_at(const struct kern_weights *w, long j, long i)
{
    long at = j * w->k + i;
    switch (w->dtype) {
    case CALIB_DT_FP16: return kern_half_to_float(((uint16_t *)w->q)[at]);
    case CALIB_DT_BF16: return kern_bf16_to_float(((uint16_t *)w->q)[at]);
    case CALIB_DT_FP8:
        return (double)kern_e4m3_to_float(((uint8_t *)w->q)[at]) *
               (double)w->tensor_scale;
    case CALIB_DT_INT8:
        return (double)((int8_t *)w->q)[at] *
               (double)kern_half_to_float(w->scale[j]);
    default: {
        long g = j * (w->k / KERN_GROUP) + i / KERN_GROUP;
        uint8_t b = ((uint8_t *)w->q)[at / 2];
        int v = at & 1 ? b >> 4 : b & 15;
        return (double)(v - w->zero[g]) *
               (double)kern_half_to_float(w->scale[g]);
    }
    }
}

/* ---- linear layers ---- */

/* The loop every format shares: KERN_TILE activation rows per pass, each
 * weight turned into float once per pass (DEQ, reading index i of row j),
 * float sums.  A macro rather than a callback: the dequantisation must
 * inline into the inner loop or the twin would time the call. */
#define GEMM_TILED(DEQ)                                                      \
    for (long r0 = 0; r0 < m; r0 += KERN_TILE) {                           \
        long mt = m - r0 < KERN_TILE ? m - r0 : KERN_TILE;                  \
        for (long j = 0; j < n; j++) {                                      \
            float acc[KERN_TILE] = {0};                                     \
            for (long i = 0; i < k; i++) {                                  \
                float wv = DEQ;                                             \
                const float *xp = x + r0 * k + i;                           \
                for (long r = 0; r < mt; r++)                               \
                    acc[r] += xp[r * k] * wv;                               \
            }                                                               \
            for (long r = 0; r < mt; r++)                                   \
                y[(r0 + r) * n + j] = acc[r];                               \
        }                                                                   \
    }

static void gemm_fp16(const struct kern_weights *w, const float *x, long m,
                      float *y)
{
    const uint16_t *q = w->q;
    long k = w->k, n = w->n;
    GEMM_TILED(kern_half_to_float(q[j * k + i]))
}

static void gemm_bf16(const struct kern_weights *w, const float *x, long m,
                      float *y)
{
    const uint16_t *q = w->q;
    long k = w->k, n = w->n;
    GEMM_TILED(kern_bf16_to_float(q[j * k + i]))
}

static void gemm_fp8(const struct kern_weights *w, const float *x, long m,
                     float *y)
{
    const uint8_t *q = w->q;
    long k = w->k, n = w->n;
    float lut[256]; /* 256 codes: a table beats ldexpf per weight */
    for (int c = 0; c < 256; c++)
        lut[c] = kern_e4m3_to_float((uint8_t)c) * w->tensor_scale;
    GEMM_TILED(lut[q[j * k + i]])
}

static void gemm_int4(const struct kern_weights *w, const float *x, long m,
                      float *y)
{
    const uint8_t *q = w->q;
    long k = w->k, n = w->n, groups = k / KERN_GROUP;
    /* (q - zero) * scale, the group's scale and zero looked up per weight
     * as the GPU kernel does from registers */
    GEMM_TILED(
        (float)(((i & 1) ? q[(j * k + i) >> 1] >> 4
                         : q[(j * k + i) >> 1] & 15) -
                w->zero[j * groups + i / KERN_GROUP]) *
        kern_half_to_float(w->scale[j * groups + i / KERN_GROUP]))
}

/* W8A8: activations quantised per row (scale max|x|/127), int32 sums,
 * both scales applied at the end, as the int8 tensor-core GEMMs do. */
static void gemm_int8(const struct kern_weights *w, const float *x, long m,
                      float *y, int8_t *scratch)
{
    const int8_t *q = w->q;
    long k = w->k, n = w->n;
    float *xs = (float *)(void *)(scratch + m * k);
    for (long r = 0; r < m; r++) {
        float mx = 0;
        for (long i = 0; i < k; i++)
            mx = fmaxf(mx, fabsf(x[r * k + i]));
        float s = mx > 0 ? mx / 127.0f : 1.0f;
        memcpy(xs + r, &s, sizeof s);
        for (long i = 0; i < k; i++)
            scratch[r * k + i] = (int8_t)lrintf(x[r * k + i] / s);
    }
    for (long r0 = 0; r0 < m; r0 += KERN_TILE) {
        long mt = m - r0 < KERN_TILE ? m - r0 : KERN_TILE;
        for (long j = 0; j < n; j++) {
            int32_t acc[KERN_TILE] = {0};
            for (long i = 0; i < k; i++) {
                int32_t wv = q[j * k + i];
                for (long r = 0; r < mt; r++)
                    acc[r] += scratch[(r0 + r) * k + i] * wv;
            }
            float ws = kern_half_to_float(w->scale[j]);
            for (long r = 0; r < mt; r++) {
                float s;
                memcpy(&s, xs + r0 + r, sizeof s);
                y[(r0 + r) * n + j] = (float)acc[r] * s * ws;
            }
        }
    }
}

void kern_gemm(const struct kern_weights *w, const float *x, long m,
               float *y, int8_t *scratch)
{
    switch (w->dtype) {
    case CALIB_DT_FP16: gemm_fp16(w, x, m, y); break;
    case CALIB_DT_BF16: gemm_bf16(w, x, m, y); break;
    case CALIB_DT_FP8: gemm_fp8(w, x, m, y); break;
    case CALIB_DT_INT8: gemm_int8(w, x, m, y, scratch); break;
    default: gemm_int4(w, x, m, y); break;
    }
}

void kern_gemm_ref(const struct kern_weights *w, const float *x, long m,
                   double *y)
{
    for (long r = 0; r < m; r++)
        for (long j = 0; j < w->n; j++) {
            double s = 0;
            for (long i = 0; i < w->k; i++)
                s += (double)x[r * w->k + i] * kern_weight_at(w, j, i);
            y[r * w->n + j] = s;
        }
}

/* ---- memory ---- */

double kern_read_reduce(const float *buf, size_t n)
{
    /* four sums so the adds do not wait on each other */
    float s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s[0] += buf[i];
        s[1] += buf[i + 1];
        s[2] += buf[i + 2];
        s[3] += buf[i + 3];
    }
    for (; i < n; i++)
        s[0] += buf[i];
    return (double)s[0] + (double)s[1] + (double)s[2] + (double)s[3];
}

void kern_copy(float *dst, const float *src, size_t n)
{
    memcpy(dst, src, n * sizeof *dst);
}

static void empty_fn(void)
{
}

void (*volatile kern_empty)(void) = empty_fn;

/* ---- attention ---- */

/* One query head against ctx tokens of K/V, online softmax (Milakov and
 * Gimelshein 2018): one pass, a running max m and sum l. */
#define ATTN_MAX_HD 256

static void attn_decode_one(const struct kern_attn *a, long b, int h,
                            const float *q, float *out)
{
    const struct kern_kv *kv = a->kv;
    int hd = kv->head_dim, kvh = h / (a->heads / kv->kv_heads);
    float acc[ATTN_MAX_HD] = {0}, mx = -INFINITY, l = 0;
    float scale = 1.0f / sqrtf((float)hd);
    for (long t = 0; t < a->ctx[b]; t++) {
        long blk = a->table[b][t / KERN_BLOCK], off = t % KERN_BLOCK;
        size_t base = (size_t)(((blk * kv->kv_heads + kvh) * KERN_BLOCK +
                                off) * hd);
        const uint16_t *kp = kv->k + base, *vp = kv->v + base;
        float sc = 0;
        for (int d = 0; d < hd; d++)
            sc += q[d] * kern_half_to_float(kp[d]);
        sc *= scale;
        float nm = fmaxf(mx, sc), c = expf(mx - nm), p = expf(sc - nm);
        l = l * c + p;
        for (int d = 0; d < hd; d++)
            acc[d] = acc[d] * c + p * kern_half_to_float(vp[d]);
        mx = nm;
    }
    for (int d = 0; d < hd; d++)
        out[d] = l > 0 ? acc[d] / l : 0;
}

void kern_attn_decode(const struct kern_attn *a, const float *q, float *out)
{
    int hd = a->kv->head_dim;
    for (long b = 0; b < a->batch; b++)
        for (int h = 0; h < a->heads; h++) {
            size_t at = (size_t)((b * a->heads + h) * hd);
            attn_decode_one(a, b, h, q + at, out + at);
        }
}

/* Two passes in double: the scores, then the weighted sum. */
void kern_attn_decode_ref(const struct kern_attn *a, const float *q,
                          double *out)
{
    const struct kern_kv *kv = a->kv;
    int hd = kv->head_dim;
    for (long b = 0; b < a->batch; b++)
        for (int h = 0; h < a->heads; h++) {
            int kvh = h / (a->heads / kv->kv_heads);
            const float *qp = q + (b * a->heads + h) * hd;
            double *op = out + (b * a->heads + h) * hd, mx = -INFINITY, l = 0;
            for (int d = 0; d < hd; d++)
                op[d] = 0;
            for (int pass = 0; pass < 2; pass++)
                for (long t = 0; t < a->ctx[b]; t++) {
                    long blk = a->table[b][t / KERN_BLOCK];
                    size_t base = (size_t)(((blk * kv->kv_heads + kvh) *
                                            KERN_BLOCK + t % KERN_BLOCK) *
                                           hd);
                    double sc = 0;
                    for (int d = 0; d < hd; d++)
                        sc += (double)qp[d] *
                              (double)kern_half_to_float(kv->k[base + d]);
                    sc /= sqrt((double)hd);
                    if (pass == 0) {
                        mx = fmax(mx, sc);
                        continue;
                    }
                    double p = exp(sc - mx);
                    l += p;
                    for (int d = 0; d < hd; d++)
                        op[d] += p * (double)kern_half_to_float(
                                         kv->v[base + d]);
                }
            for (int d = 0; d < hd; d++)
                op[d] = l > 0 ? op[d] / l : 0;
        }
}

void kern_attn_prefill(const struct kern_prefill *p, const float *q,
                       const float *k, const float *v, float *out)
{
    int hd = p->head_dim, group = p->heads / p->kv_heads;
    float scale = 1.0f / sqrtf((float)hd);
    for (long t = 0; t < p->len; t++)
        for (int h = 0; h < p->heads; h++) {
            const float *qp = q + (t * p->heads + h) * hd;
            float acc[ATTN_MAX_HD] = {0}, mx = -INFINITY, l = 0;
            for (long s = 0; s <= t; s++) {
                const float *kp = k + (s * p->kv_heads + h / group) * hd;
                const float *vp = v + (s * p->kv_heads + h / group) * hd;
                float sc = 0;
                for (int d = 0; d < hd; d++)
                    sc += qp[d] * kp[d];
                sc *= scale;
                float nm = fmaxf(mx, sc), c = expf(mx - nm),
                      e = expf(sc - nm);
                l = l * c + e;
                for (int d = 0; d < hd; d++)
                    acc[d] = acc[d] * c + e * vp[d];
                mx = nm;
            }
            float *op = out + (t * p->heads + h) * hd;
            for (int d = 0; d < hd; d++)
                op[d] = acc[d] / l;
        }
}

void kern_attn_prefill_ref(const struct kern_prefill *p, const float *q,
                           const float *k, const float *v, double *out)
{
    int hd = p->head_dim, group = p->heads / p->kv_heads;
    for (long t = 0; t < p->len; t++)
        for (int h = 0; h < p->heads; h++) {
            const float *qp = q + (t * p->heads + h) * hd;
            double *op = out + (t * p->heads + h) * hd, mx = -INFINITY, l = 0;
            for (int d = 0; d < hd; d++)
                op[d] = 0;
            for (int pass = 0; pass < 2; pass++)
                for (long s = 0; s <= t; s++) {
                    const float *kp = k + (s * p->kv_heads + h / group) * hd;
                    const float *vp = v + (s * p->kv_heads + h / group) * hd;
                    double sc = 0;
                    for (int d = 0; d < hd; d++)
                        sc += (double)qp[d] * (double)kp[d];
                    sc /= sqrt((double)hd);
                    if (pass == 0) {
                        mx = fmax(mx, sc);
                        continue;
                    }
                    double e = exp(sc - mx);
                    l += e;
                    for (int d = 0; d < hd; d++)
                        op[d] += e * (double)vp[d];
                }
            for (int d = 0; d < hd; d++)
                op[d] /= l;
        }
}

/* ---- the checks ---- */

/* xorshift64*: a fixed sequence, so a failed check repeats. */
static float rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (float)((*s * 2685821657736338717ULL) >> 40) / 8388608.0f - 1.0f;
}

static double rel_err(const float *y, const double *ref, size_t n)
{
    double e = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs((double)y[i] - ref[i]));
        mx = fmax(mx, fabs(ref[i]));
    }
    return mx > 0 ? e / mx : e;
}

static int check_formats(char *msg, size_t size)
{
    for (int c = 0; c < 256; c++) {
        float f = kern_e4m3_to_float((uint8_t)c);
        if (f == f && kern_float_to_e4m3(f) != c && !(c == 0x80 || c == 0)) {
            snprintf(msg, size, "e4m3 code 0x%02x does not round-trip", c);
            return SLM_ENUM;
        }
    }
    const float v[] = {0.0f, 1.0f, -2.5f, 65504.0f, 6.1e-5f, 3.0e-7f,
                       0.333333f};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        float h = kern_half_to_float(kern_float_to_half(v[i]));
        float b = kern_bf16_to_float(kern_float_to_bf16(v[i]));
        if (fabsf(h - v[i]) > fabsf(v[i]) * 1e-3f + 6e-8f ||
            fabsf(b - v[i]) > fabsf(v[i]) * 8e-3f) {
            snprintf(msg, size, "fp16/bf16 round trip of %g gives %g / %g",
                     (double)v[i], (double)h, (double)b);
            return SLM_ENUM;
        }
    }
    return 0;
}

/* Quantisation error against the float weights, per format. */
static double quant_err(const struct kern_weights *w, const float *src)
{
    double e = 0, mx = 0;
    for (long j = 0; j < w->n; j++)
        for (long i = 0; i < w->k; i++) {
            e = fmax(e, fabs(kern_weight_at(w, j, i) -
                             (double)src[j * w->k + i]));
            mx = fmax(mx, fabs((double)src[j * w->k + i]));
        }
    return e / mx;
}

static int check_gemm(int dt, uint64_t *seed, char *msg, size_t size)
{
    static const double qbound[CALIB_NDTYPE] = {1e-3, 7e-2, 1e-2, 1e-1,
                                                1e-2};
    enum { K = 256, N = 24, M = 11 };
    float *src = mem_alloc(K * N * sizeof *src), *x = mem_alloc(M * K * 4);
    float *y = mem_alloc(M * N * sizeof *y);
    double *ref = mem_alloc(M * N * sizeof *ref);
    int8_t *scratch = mem_alloc(M * (K + 4));
    struct kern_weights w;
    int rc = SLM_ENOMEM;
    if (src && x && y && ref && scratch) {
        for (int i = 0; i < K * N; i++)
            src[i] = rnd(seed) * 0.05f;
        for (int i = 0; i < M * K; i++)
            x[i] = rnd(seed);
        rc = kern_weights_init(&w, dt, K, N, src);
    }
    if (!rc) {
        double qe = quant_err(&w, src);
        kern_gemm(&w, x, M, y, scratch);
        kern_gemm_ref(&w, x, M, ref);
        double ge = rel_err(y, ref, M * N);
        /* int8 also quantises the activations: ~1/254 of each row */
        double gbound = dt == CALIB_DT_INT8 ? 2e-2 : 1e-4;
        if (qe > qbound[dt] || ge > gbound) {
            snprintf(msg, size, "%s GEMM: quantisation error %.3g (bound "
                     "%.3g), product error %.3g (bound %.3g)",
                     calib_dtype_names[dt], qe, qbound[dt], ge, gbound);
            rc = SLM_ENUM;
        }
        kern_weights_fini(&w);
    }
    mem_free(scratch);
    mem_free(ref);
    mem_free(y);
    mem_free(x);
    mem_free(src);
    return rc;
}

static int check_memory(char *msg, size_t size)
{
    enum { N = 1003 };
    float a[N], b[N];
    double want = 0;
    for (int i = 0; i < N; i++) {
        a[i] = (float)(i % 17);
        want += i % 17;
    }
    kern_copy(b, a, N);
    double got = kern_read_reduce(a, N);
    kern_empty();
    if (got != want || memcmp(a, b, sizeof a)) {
        snprintf(msg, size, "read-reduce gave %.17g (want %.17g) or the copy "
                 "differs", got, want);
        return SLM_ENUM;
    }
    return 0;
}

static int check_decode(uint64_t *seed, char *msg, size_t size)
{
    enum { B = 3, H = 4, KVH = 2, HD = 16, BLOCKS = 7 };
    static const long ctx[B] = {5, 17, 40};
    /* blocks out of order, as a paged cache hands them out */
    static const long t0[] = {6}, t1[] = {2, 0}, t2[] = {1, 5, 3};
    const long *const table[B] = {t0, t1, t2};
    size_t elems = (size_t)BLOCKS * KVH * KERN_BLOCK * HD;
    uint16_t *k = mem_alloc(elems * 2), *v = mem_alloc(elems * 2);
    float q[B * H * HD], out[B * H * HD];
    double ref[B * H * HD];
    if (!k || !v) {
        mem_free(k);
        mem_free(v);
        return SLM_ENOMEM;
    }
    for (size_t i = 0; i < elems; i++) {
        k[i] = kern_float_to_half(rnd(seed));
        v[i] = kern_float_to_half(rnd(seed));
    }
    for (int i = 0; i < B * H * HD; i++)
        q[i] = rnd(seed);
    struct kern_kv kv = {BLOCKS, KVH, HD, k, v};
    struct kern_attn a = {&kv, B, H, ctx, table};
    kern_attn_decode(&a, q, out);
    kern_attn_decode_ref(&a, q, ref);
    double e = rel_err(out, ref, B * H * HD);
    mem_free(k);
    mem_free(v);
    if (e > 1e-4) {
        snprintf(msg, size, "paged decode attention: error %.3g (bound 1e-4)",
                 e);
        return SLM_ENUM;
    }
    return 0;
}

static int check_prefill(uint64_t *seed, char *msg, size_t size)
{
    enum { L = 19, H = 4, KVH = 2, HD = 16 };
    float q[L * H * HD], k[L * KVH * HD], v[L * KVH * HD], out[L * H * HD];
    double ref[L * H * HD];
    for (int i = 0; i < L * H * HD; i++)
        q[i] = rnd(seed);
    for (int i = 0; i < L * KVH * HD; i++) {
        k[i] = rnd(seed);
        v[i] = rnd(seed);
    }
    struct kern_prefill p = {L, H, KVH, HD};
    kern_attn_prefill(&p, q, k, v, out);
    kern_attn_prefill_ref(&p, q, k, v, ref);
    double e = rel_err(out, ref, L * H * HD);
    if (e > 1e-4) {
        snprintf(msg, size, "prefill attention: error %.3g (bound 1e-4)", e);
        return SLM_ENUM;
    }
    return 0;
}

int kern_check(char *msg, size_t size)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int rc = check_formats(msg, size);
    for (int dt = 0; dt < CALIB_NDTYPE && !rc; dt++)
        rc = check_gemm(dt, &seed, msg, size);
    if (!rc)
        rc = check_memory(msg, size);
    if (!rc)
        rc = check_decode(&seed, msg, size);
    if (!rc)
        rc = check_prefill(&seed, msg, size);
    return rc;
}

int kern_weights_fill(struct kern_weights *w, int dtype, long k, long n,
                      uint64_t seed)
{
    int rc = weights_alloc(w, dtype, k, n);
    if (rc)
        return rc;
    size_t bytes = storage_bytes(dtype, k, n);
    uint8_t *b = w->q;
    uint64_t s = seed | 1;
    /* Codes small in magnitude and never NaN, Inf or subnormal, so the
     * timed arithmetic runs at its normal speed. */
    for (size_t i = 0; i < bytes; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint8_t r = (uint8_t)(s >> 56);
        switch (dtype) {
        case CALIB_DT_FP16: b[i] = i & 1 ? (uint8_t)(0x20 | (r & 0x8f)) : r;
            break;
        case CALIB_DT_BF16: b[i] = i & 1 ? (uint8_t)(0x3c | (r & 0x80)) : r;
            break;
        case CALIB_DT_FP8: b[i] = (uint8_t)(0x20 | (r & 0x9f)); break;
        default: b[i] = r; break;
        }
    }
    size_t groups = dtype == CALIB_DT_INT4 ? (size_t)(n * (k / KERN_GROUP))
                    : dtype == CALIB_DT_INT8 ? (size_t)n : 0;
    for (size_t g = 0; g < groups; g++)
        w->scale[g] = kern_float_to_half(1e-3f);
    if (w->zero)
        memset(w->zero, 8, groups);
    w->tensor_scale = 1e-3f;
    return 0;
}
