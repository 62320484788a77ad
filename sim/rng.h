/*
 * rng: independent random-number streams, one per source.
 *
 * Each source of randomness (the arrivals, one station's service times, one
 * API's latency draws...) owns its own GSL generator, seeded from
 * (scenario seed, replication, source name) through SplitMix64 over an
 * FNV-1a hash of the name.  Changing how many numbers one model draws never
 * shifts another's, so what-if variants of a scenario share their random
 * numbers (common random numbers), and replications are independent.
 * The generator is MT19937 (gsl_rng_mt19937): fast, 2^19937 period, and its
 * 32-bit seed space is ample for per-source streams.
 */
#ifndef SLM_RNG_H
#define SLM_RNG_H

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* The 64-bit seed of a stream: pure function of its inputs, documented so
 * results can be reproduced outside slmsim. */
uint64_t rng_stream_seed(uint64_t seed, unsigned replication,
                         const char *source);

/* A generator for that stream, owned by the caller (gsl_rng_free), or NULL
 * when out of memory.  Its type is rng_mt19937_type below. */
gsl_rng *rng_stream_new(uint64_t seed, unsigned replication,
                        const char *source);

/*
 * rng_mt19937_type: GSL's gsl_rng_mt19937 output for output (the same
 * seeding, seed 0 taken as 4357, Knuth's initialiser, tempering and
 * x / 2^32 doubles: tests/test_rng.c compares them), with a state of our
 * own layout, so the hot draws below read it inline instead of calling
 * into libgsl through a function pointer.  GSL's variate functions take
 * it like any gsl_rng.
 */
#define RNG_MT_N 624

struct rng_mt {
    uint32_t mt[RNG_MT_N];
    int mti; /* next word of mt to temper; RNG_MT_N: regenerate first */
};

extern const gsl_rng_type rng_mt19937_type;

/* Regenerates the RNG_MT_N words of m (the generator's twist). */
void rng_mt_twist(struct rng_mt *m);

/* The next 32-bit output of m. */
static inline uint32_t rng_mt_next(struct rng_mt *m)
{
    if (m->mti >= RNG_MT_N)
        rng_mt_twist(m);
    uint32_t k = m->mt[m->mti++];
    k ^= k >> 11;
    k ^= (k << 7) & 0x9d2c5680u;
    k ^= (k << 15) & 0xefc60000u;
    return k ^ (k >> 18);
}

/* gsl_rng_uniform(r), the same bits: [0, 1) in steps of 2^-32.  Any
 * generator works; ours is read inline. */
static inline double rng_uniform(gsl_rng *r)
{
    if (r->type == &rng_mt19937_type)
        return rng_mt_next((struct rng_mt *)r->state) / 4294967296.0;
    return r->type->get_double(r->state);
}

/* Uniform on the open interval (0, 1): safe under log(). */
double rng_uniform_pos(gsl_rng *r);

/* The next 32 random bits of r: the tempered word for ours, else the
 * generator's uniform scaled to 32 bits. */
static inline uint32_t rng_word32(gsl_rng *r)
{
    if (r->type == &rng_mt19937_type)
        return rng_mt_next((struct rng_mt *)r->state);
    return (uint32_t)(r->type->get_double(r->state) * 4294967296.0);
}

/*
 * The exponential ziggurat (Marsaglia and Tsang, J. Stat. Software 5(8),
 * 2000): 256 strips of equal area under exp(-x), tables in rng_zig.c
 * written by scripts/gen-exp-ziggurat.py.  One 32-bit word picks a strip
 * (its low 8 bits) and a point across it (the high 24); 98.9% of draws
 * land in a strip's sure part and cost a table load and a multiply.  It
 * replaced -mean log1p(-u) (GSL's gsl_ran_exponential), a fifth to a third
 * of the station model's cycles, for a different but exactly exponential
 * stream.
 */
#define RNG_ZIG_N 256

extern const double rng_zig_r;
extern const double rng_zig_w[RNG_ZIG_N];
extern const uint32_t rng_zig_k[RNG_ZIG_N];
extern const double rng_zig_f[RNG_ZIG_N + 1];

/* The rest of a draw whose first word w missed the sure part: the wedge
 * test, or the tail (memoryless: r plus a fresh draw).  Mean 1. */
double rng_exponential_rare(gsl_rng *r, uint32_t w);

/* An exponential variate of the given mean (seconds, say): mean times a
 * ziggurat draw of mean 1.  Draws one 32-bit word of r, rarely more. */
static inline double rng_exponential(gsl_rng *r, double mean)
{
    uint32_t w = rng_word32(r);
    uint32_t j = w >> 8, i = w & (RNG_ZIG_N - 1);

    if (j < rng_zig_k[i])
        return mean * ((double)j * rng_zig_w[i]);
    return mean * rng_exponential_rare(r, w);
}

#endif
