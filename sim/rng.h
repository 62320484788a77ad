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
 * when out of memory. */
gsl_rng *rng_stream_new(uint64_t seed, unsigned replication,
                        const char *source);

/* Uniform on the open interval (0, 1): safe under log(). */
double rng_uniform_pos(gsl_rng *r);

/* An exponential variate of the given mean (seconds, say), the same bits
 * as gsl_ran_exponential(r, mean): -mean log1p(-u), u = gsl_rng_uniform.
 * Inline, calling the generator's get_double directly: the three calls
 * through libgsl cost as much as the draw in a station run. */
static inline double rng_exponential(gsl_rng *r, double mean)
{
    double u = r->type->get_double(r->state);

    return -mean * log1p(-u);
}

#endif
