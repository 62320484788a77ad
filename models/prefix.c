#include "models/prefix.h"

#include <assert.h>

#include "sim/hash.h"
#include "sim/mem.h"

/* One resident block hash.  Entries live in one array; the idle ones are
 * on a doubly linked LRU list by index (-1 ends it), the unused ones on a
 * free list through next. */
struct prefix_entry {
    uint64_t key;
    long blocks;     /* engine KV blocks it occupies, >= 1 */
    uint32_t refs;   /* sequences using it; 0: idle */
    int32_t prev, next;
};

struct prefix {
    struct prefix_entry *e; /* capacity entries, owned */
    size_t capacity, n;     /* entries, resident ones */
    /* Open addressing with linear probing: slot holds entry index + 1,
     * 0 empty; nslot a power of two >= 2 capacity, so probes stay short
     * (load <= 1/2) and deletion can shift back instead of leaving
     * tombstones (Knuth 6.4, algorithm R). */
    uint32_t *slot;
    size_t nslot;
    int32_t lru_head, lru_tail; /* idle: head least recently released */
    int32_t free_head;
    long pinned, idle;          /* blocks */
    uint64_t evictions;
};

struct prefix *prefix_new(size_t capacity)
{
    if (capacity == 0 || capacity > INT32_MAX / 4)
        return NULL;
    struct prefix *pc = mem_calloc(1, sizeof *pc);
    if (!pc)
        return NULL;
    pc->capacity = capacity;
    pc->nslot = 1;
    while (pc->nslot < 2 * capacity)
        pc->nslot *= 2;
    pc->e = mem_calloc(capacity, sizeof *pc->e);
    pc->slot = mem_calloc(pc->nslot, sizeof *pc->slot);
    if (!pc->e || !pc->slot) {
        prefix_free(pc);
        return NULL;
    }
    prefix_clear(pc);
    return pc;
}

void prefix_free(struct prefix *pc)
{
    if (!pc)
        return;
    mem_free(pc->e);
    mem_free(pc->slot);
    mem_free(pc);
}

void prefix_clear(struct prefix *pc)
{
    for (size_t i = 0; i < pc->nslot; i++)
        pc->slot[i] = 0;
    for (size_t i = 0; i < pc->capacity; i++)
        pc->e[i].next = i + 1 < pc->capacity ? (int32_t)(i + 1) : -1;
    pc->free_head = 0;
    pc->lru_head = pc->lru_tail = -1;
    pc->n = 0;
    pc->pinned = pc->idle = 0;
    pc->evictions = 0;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t prefix_find_slot(const struct prefix *pc, uint64_t key)
{
    size_t i = hash_home(key, pc->nslot);
    while (pc->slot[i] && pc->e[pc->slot[i] - 1].key != key)
        i = (i + 1) & (pc->nslot - 1);
    return i;
}

/* The index of key's entry, or -1. */
static int32_t prefix_find(const struct prefix *pc, uint64_t key)
{
    size_t i = prefix_find_slot(pc, key);
    return pc->slot[i] ? (int32_t)(pc->slot[i] - 1) : -1;
}

static void prefix_lru_unlink(struct prefix *pc, int32_t i)
{
    struct prefix_entry *x = &pc->e[i];
    if (x->prev >= 0)
        pc->e[x->prev].next = x->next;
    else
        pc->lru_head = x->next;
    if (x->next >= 0)
        pc->e[x->next].prev = x->prev;
    else
        pc->lru_tail = x->prev;
}

/* Appends i as the most recently released idle entry. */
static void prefix_lru_push(struct prefix *pc, int32_t i)
{
    struct prefix_entry *x = &pc->e[i];
    x->prev = pc->lru_tail;
    x->next = -1;
    if (pc->lru_tail >= 0)
        pc->e[pc->lru_tail].next = i;
    else
        pc->lru_head = i;
    pc->lru_tail = i;
}

/* Removes key's slot, shifting later members of its probe run back so
 * that every key stays reachable from its home slot. */
static void prefix_slot_delete(struct prefix *pc, size_t i)
{
    size_t mask = pc->nslot - 1, j = i;
    pc->slot[i] = 0;
    for (;;) {
        j = (j + 1) & mask;
        if (!pc->slot[j])
            return;
        size_t home = hash_home(pc->e[pc->slot[j] - 1].key, pc->nslot);
        /* j's entry may move to i when its home is not in (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            pc->slot[i] = pc->slot[j];
            pc->slot[j] = 0;
            i = j;
        }
    }
}

/* Evicts the least recently released idle entry; its blocks, or 0 when
 * none is idle. */
static long prefix_evict_one(struct prefix *pc)
{
    int32_t i = pc->lru_head;
    if (i < 0)
        return 0;
    struct prefix_entry *x = &pc->e[i];
    long b = x->blocks;
    prefix_lru_unlink(pc, i);
    prefix_slot_delete(pc, prefix_find_slot(pc, x->key));
    x->next = pc->free_head;
    pc->free_head = i;
    pc->n--;
    pc->idle -= b;
    pc->evictions++;
    return b;
}

size_t prefix_match(const struct prefix *pc, const uint32_t *ids, size_t n,
                    uint32_t pass)
{
    size_t k = 0;
    while (k < n && prefix_find(pc, prefix_key(pass, ids[k])) >= 0)
        k++;
    return k;
}

long prefix_blocks_of(const struct prefix *pc, uint64_t key)
{
    int32_t i = prefix_find(pc, key);
    return i < 0 ? 0 : pc->e[i].blocks;
}

long prefix_peek(const struct prefix *pc, uint64_t key, uint32_t *refs)
{
    int32_t i = prefix_find(pc, key);
    if (i < 0)
        return 0;
    *refs = pc->e[i].refs;
    return pc->e[i].blocks;
}

uint32_t prefix_refs(const struct prefix *pc, uint64_t key)
{
    int32_t i = prefix_find(pc, key);
    return i < 0 ? 0 : pc->e[i].refs;
}

long prefix_acquire(struct prefix *pc, uint64_t key)
{
    int32_t i = prefix_find(pc, key);
    if (i < 0)
        return -1;
    struct prefix_entry *x = &pc->e[i];
    if (x->refs++ > 0)
        return 0;
    prefix_lru_unlink(pc, i);
    pc->idle -= x->blocks;
    pc->pinned += x->blocks;
    return x->blocks;
}

long prefix_insert(struct prefix *pc, uint64_t key, long blocks)
{
    assert(blocks >= 1 && prefix_find(pc, key) < 0);
    long evicted = 0;
    if (pc->free_head < 0) {
        if (pc->lru_head < 0)
            return -1;
        evicted = prefix_evict_one(pc);
    }
    int32_t i = pc->free_head;
    struct prefix_entry *x = &pc->e[i];
    pc->free_head = x->next;
    x->key = key;
    x->blocks = blocks;
    x->refs = 1;
    x->prev = x->next = -1;
    pc->slot[prefix_find_slot(pc, key)] = (uint32_t)i + 1;
    pc->n++;
    pc->pinned += blocks;
    return evicted;
}

long prefix_release_run(struct prefix *pc, const uint32_t *ids, size_t n,
                        uint32_t pass)
{
    long freed = 0;
    while (n-- > 0) {
        int32_t i = prefix_find(pc, prefix_key(pass, ids[n]));
        assert(i >= 0 && pc->e[i].refs > 0);
        if (i < 0 || pc->e[i].refs == 0)
            continue;
        if (--pc->e[i].refs == 0) {
            prefix_lru_push(pc, i);
            pc->pinned -= pc->e[i].blocks;
            pc->idle += pc->e[i].blocks;
            freed += pc->e[i].blocks;
        }
    }
    return freed;
}

long prefix_evict(struct prefix *pc, long room)
{
    long evicted = 0;
    if (room < 0)
        room = 0;
    while (pc->idle > room)
        evicted += prefix_evict_one(pc);
    return evicted;
}

long prefix_pinned_blocks(const struct prefix *pc) { return pc->pinned; }
long prefix_idle_blocks(const struct prefix *pc) { return pc->idle; }
size_t prefix_entries(const struct prefix *pc) { return pc->n; }
uint64_t prefix_evictions(const struct prefix *pc) { return pc->evictions; }
