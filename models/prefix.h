/*
 * prefix: a KV block cache keyed by prefix-block hash, one per replica.
 *
 * An entry is one hashed block of a prompt (a trace's hash block: 512
 * tokens in the Mooncake release) and the engine KV blocks it occupies.
 * Its key is the hash; equal keys mean equal prefixes up to and
 * including that block (the trace's hashes are chained), so a request's
 * hit is the longest run of its leading keys that are resident.
 *
 * Each entry has a reference count: the running sequences that use it.
 * An entry with references is pinned and never evicted.  At zero it
 * stays resident but idle, and idle entries are evicted least recently
 * released first when room is needed, as vLLM's automatic prefix caching
 * does with its free-block queue (docs/prefix-caching.md).  A request's
 * entries are released from its last block to its first
 * (prefix_release_run), so its tail goes before its head, as vLLM frees
 * a request's blocks in reverse order.
 *
 * Memory: a table of `capacity` entries allocated at prefix_new, never
 * grown (the event loop does not allocate).  Pinned blocks are the
 * caller's to count against its pool; idle blocks are free space the
 * cache borrows until prefix_evict takes them back.
 */
#ifndef SLM_PREFIX_H
#define SLM_PREFIX_H

#include <stddef.h>
#include <stdint.h>

struct prefix;

/* The key of hash id in looped pass `pass` of a trace (sim/sim.h's
 * prefix_pass): a later pass's prompts are new ones. */
static inline uint64_t prefix_key(uint32_t pass, uint32_t id)
{
    return (uint64_t)pass << 32 | id;
}

/* A cache of at most capacity entries (>= 1), owned by the caller, or
 * NULL when out of memory or capacity is 0. */
struct prefix *prefix_new(size_t capacity);
void prefix_free(struct prefix *pc); /* NULL is fine */

/* Drops every entry, pinned or not (the replica failed: its memory is
 * gone).  The counters below restart at 0. */
void prefix_clear(struct prefix *pc);

/* How many of the keys prefix_key(pass, ids[0..n)) from the first are
 * resident, stopping at the first that is not.  Changes nothing. */
size_t prefix_match(const struct prefix *pc, const uint32_t *ids, size_t n,
                    uint32_t pass);

/* The KV blocks of the resident entry key, 0 when it is not resident. */
long prefix_blocks_of(const struct prefix *pc, uint64_t key);
/* Its references (0: idle, or not resident). */
uint32_t prefix_refs(const struct prefix *pc, uint64_t key);
/* Both in one probe: the blocks of key's entry (0: not resident) and, when
 * resident, its references in *refs. */
long prefix_peek(const struct prefix *pc, uint64_t key, uint32_t *refs);

/* Takes a reference on the resident entry key (pinning it).  Returns the
 * blocks that went from idle to pinned (its blocks when it was idle, 0
 * when it was pinned already), or -1 when key is not resident. */
long prefix_acquire(struct prefix *pc, uint64_t key);

/* Adds key, not resident, as a new entry of `blocks` KV blocks (>= 1)
 * with one reference (the caller's: pinned).  When the table is full
 * the least recently released idle entry is evicted first.  Returns the
 * blocks evicted to make room (>= 0), or -1 when every entry is pinned
 * and nothing was added. */
long prefix_insert(struct prefix *pc, uint64_t key, long blocks);

/* Drops one reference on each key prefix_key(pass, ids[0..n)) (each
 * resident with a reference: a bug otherwise), from ids[n-1] down to
 * ids[0]; an entry left with none becomes idle, the most recently
 * released.  Returns the blocks that went from pinned to idle. */
long prefix_release_run(struct prefix *pc, const uint32_t *ids, size_t n,
                        uint32_t pass);

/* Evicts idle entries, least recently released first, until the idle
 * blocks are at most room (room < 0 counts as 0).  Returns the blocks
 * evicted.  Pinned entries are never evicted. */
long prefix_evict(struct prefix *pc, long room);

/* Blocks held by pinned entries, by idle ones, and entries resident. */
long prefix_pinned_blocks(const struct prefix *pc);
long prefix_idle_blocks(const struct prefix *pc);
size_t prefix_entries(const struct prefix *pc);
/* Entries evicted since prefix_new or prefix_clear. */
uint64_t prefix_evictions(const struct prefix *pc);

#endif
