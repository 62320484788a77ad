/*
 * hash: the home slot of a 64-bit key in an open-addressed table of a
 * power-of-two size.  Keys here are a trace's remapped block ids, small
 * consecutive integers that would cluster in a linear probe, so they are
 * mixed first by splitmix64's finaliser (Steele, Lea and Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014).  Used by the
 * prefix cache (models/prefix.c) and trace-stats' reuse count
 * (sim/trace_stats.c).
 */
#ifndef SLM_HASH_H
#define SLM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* nslot: a power of two. */
static inline size_t hash_home(uint64_t key, size_t nslot)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9u;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebu;
    key ^= key >> 31;
    return (size_t)key & (nslot - 1);
}

#endif
