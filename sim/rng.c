/*
 * rng: per-source MT19937 streams seeded from (seed, replication, name).
 *
 * stream seed = sm(sm(sm(seed) ^ replication) ^ fnv1a64(source)), where
 * sm(x) is one SplitMix64 output for state x (Steele, Lea and Flood, 2014)
 * and fnv1a64 the 64-bit FNV-1a hash.  Each input goes through a full
 * avalanche before the next is mixed in, so nearby seeds, replications and
 * names ("gpu0", "gpu1") give unrelated streams.
 */
#include "sim/rng.h"

#include <gsl/gsl_rng.h>

#define RNG_FNV_OFFSET 0xcbf29ce484222325u
#define RNG_FNV_PRIME 0x100000001b3u

static uint64_t rng_fnv1a64(const char *s)
{
    uint64_t h = RNG_FNV_OFFSET;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= RNG_FNV_PRIME;
    }
    return h;
}

/* SplitMix64's finaliser applied to x + golden gamma: a bijection on
 * 64-bit words with full avalanche. */
static uint64_t rng_splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15u;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t rng_stream_seed(uint64_t seed, unsigned replication,
                         const char *source)
{
    uint64_t s = rng_splitmix64(seed);

    s = rng_splitmix64(s ^ (uint64_t)replication);
    return rng_splitmix64(s ^ rng_fnv1a64(source ? source : ""));
}

gsl_rng *rng_stream_new(uint64_t seed, unsigned replication,
                        const char *source)
{
    uint64_t s = rng_stream_seed(seed, replication, source);
    /* MT19937 in GSL keeps 32 bits of its seed: xor the halves so all 64
     * count.  GSL maps seed 0 to its default 4357; 0 becomes 1 instead so
     * no stream equals the one an unseeded generator gives. */
    uint32_t folded = (uint32_t)(s ^ (s >> 32));
    gsl_rng *r = gsl_rng_alloc(&rng_mt19937_type);

    if (!r)
        return NULL;
    gsl_rng_set(r, folded ? (unsigned long)folded : 1ul);
    return r;
}

double rng_uniform_pos(gsl_rng *r)
{
    double u;

    do /* gsl_rng_uniform_pos: 0 is drawn again */
        u = rng_uniform(r);
    while (u == 0);
    return u;
}

double rng_exponential_rare(gsl_rng *r, uint32_t w)
{
    double base = 0.0;

    for (;;) {
        uint32_t j = w >> 8, i = w & (RNG_ZIG_N - 1);
        double x = (double)j * rng_zig_w[i];

        if (j < rng_zig_k[i])
            return base + x;
        if (i == 0) {
            /* Strip 0 beyond r stands for the tail, of area f(r): given
             * X > r, X - r is exponential again. */
            base += rng_zig_r;
        } else {
            /* The wedge between the strip's sure part and the curve:
             * a height uniform across the strip, kept under exp(-x). */
            double y = rng_zig_f[i] +
                       rng_uniform(r) * (rng_zig_f[i + 1] - rng_zig_f[i]);
            if (y < exp(-x))
                return base + x;
        }
        w = rng_word32(r);
    }
}

/* MT19937 (Matsumoto and Nishimura, 1998) as GSL's mt.c runs it: the
 * twist over the whole array at once, then one tempered word per call. */
#define RNG_MT_M 397
#define RNG_MT_UPPER 0x80000000u
#define RNG_MT_LOWER 0x7fffffffu

static uint32_t rng_mt_mix(uint32_t hi, uint32_t lo, uint32_t far)
{
    uint32_t y = (hi & RNG_MT_UPPER) | (lo & RNG_MT_LOWER);

    return far ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
}

void rng_mt_twist(struct rng_mt *m)
{
    uint32_t *mt = m->mt;
    int k;

    for (k = 0; k < RNG_MT_N - RNG_MT_M; k++)
        mt[k] = rng_mt_mix(mt[k], mt[k + 1], mt[k + RNG_MT_M]);
    for (; k < RNG_MT_N - 1; k++)
        mt[k] = rng_mt_mix(mt[k], mt[k + 1], mt[k + RNG_MT_M - RNG_MT_N]);
    mt[RNG_MT_N - 1] = rng_mt_mix(mt[RNG_MT_N - 1], mt[0], mt[RNG_MT_M - 1]);
    m->mti = 0;
}

/* GSL's mt19937_set: seed 0 is its default 4357; the rest of the array
 * from Knuth's initialiser (TAOCP vol. 2, 3rd ed., p. 106), 32 bits each. */
static void rng_mt_set(void *state, unsigned long seed)
{
    struct rng_mt *m = state;
    int i;

    if (seed == 0)
        seed = 4357;
    m->mt[0] = (uint32_t)(seed & 0xffffffffu);
    for (i = 1; i < RNG_MT_N; i++)
        m->mt[i] = 1812433253u * (m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) +
                   (uint32_t)i;
    m->mti = RNG_MT_N;
}

static unsigned long rng_mt_get(void *state)
{
    return rng_mt_next(state);
}

static double rng_mt_get_double(void *state)
{
    return rng_mt_next(state) / 4294967296.0;
}

const gsl_rng_type rng_mt19937_type = {
    "mt19937", 0xffffffffUL, 0, sizeof(struct rng_mt),
    rng_mt_set, rng_mt_get, rng_mt_get_double,
};
