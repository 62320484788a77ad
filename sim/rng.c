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
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

    if (!r)
        return NULL;
    gsl_rng_set(r, folded ? (unsigned long)folded : 1ul);
    return r;
}

double rng_uniform_pos(gsl_rng *r)
{
    return gsl_rng_uniform_pos(r);
}
