/*
 * evq: a 4-ary min-heap of events stored by value.
 *
 * Four children per node halve the depth of a binary heap; the four keys
 * sit in two cache lines, so sift-down pays one miss per level for three
 * extra compares.  Both sifts move a hole rather than swapping: each level
 * costs one copy instead of three.  The key (t, seq) is compared inline; a
 * comparator through a function pointer costs about a third of the speed.
 */
#include "sim/evq.h"

#include <assert.h>
#include <math.h>

#include "sim/diag.h"
#include "sim/mem.h"

#define EVQ_ARITY 4
#define EVQ_MIN_CAPACITY 16

struct evq {
    struct evq_event *heap; /* heap[0] is the earliest */
    size_t size;
    size_t capacity;
    size_t peak;
    uint64_t next_seq;
};

/* Strict order on (t, seq): seq is unique, so no two events tie.  Both
 * comparisons are evaluated (& and |, not && and ||): the sift loops then
 * pick a child with conditional moves, where a branch on event times,
 * random by nature, is mispredicted about half the time. */
static inline int evq_before(const struct evq_event *a,
                             const struct evq_event *b)
{
    return (a->t < b->t) | ((a->t == b->t) & (a->seq < b->seq));
}

struct evq *evq_new(size_t capacity_hint)
{
    struct evq *q = mem_alloc(sizeof *q);

    if (!q)
        return NULL;
    q->capacity = capacity_hint > EVQ_MIN_CAPACITY ? capacity_hint
                                                   : EVQ_MIN_CAPACITY;
    q->heap = mem_realloc(NULL, q->capacity, sizeof *q->heap);
    if (!q->heap) {
        mem_free(q);
        return NULL;
    }
    q->size = 0;
    q->peak = 0;
    q->next_seq = 0;
    return q;
}

void evq_free(struct evq *q)
{
    if (!q)
        return;
    mem_free(q->heap);
    mem_free(q);
}

/* Doubling keeps pushes amortised O(1) in copies; mem_realloc leaves the
 * old array intact on failure, so the queue is unchanged. */
static int evq_grow(struct evq *q)
{
    size_t cap = q->capacity * 2;
    struct evq_event *h;

    if (cap < q->capacity)
        return SLM_ENOMEM;
    h = mem_realloc(q->heap, cap, sizeof *h);
    if (!h)
        return SLM_ENOMEM;
    q->heap = h;
    q->capacity = cap;
    return 0;
}

int evq_push(struct evq *q, double t, evq_fn *fn, void *ctx, void *arg)
{
    struct evq_event ev;
    struct evq_event *h;
    size_t i;

    assert(!isnan(t));
    if (q->size == q->capacity && evq_grow(q) != 0)
        return SLM_ENOMEM;
    ev.t = t;
    ev.seq = q->next_seq++;
    ev.fn = fn;
    ev.ctx = ctx;
    ev.arg = arg;
    /* Sift up: the hole climbs while its parent is later than ev. */
    h = q->heap;
    i = q->size++;
    while (i > 0) {
        size_t parent = (i - 1) / EVQ_ARITY;
        if (!evq_before(&ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = ev;
    if (q->size > q->peak)
        q->peak = q->size;
    return 0;
}

int evq_pop(struct evq *q, struct evq_event *out)
{
    struct evq_event *h = q->heap;
    struct evq_event last;
    size_t n, i;

    if (q->size == 0)
        return -1;
    *out = h[0];
    n = --q->size;
    if (n == 0)
        return 0;
    /* Sift down: the hole at the root descends towards the earliest child
     * until the former last element fits. */
    last = h[n];
    i = 0;
    for (;;) {
        size_t first = i * EVQ_ARITY + 1, best, c, end;
        if (first >= n)
            break;
        best = first;
        end = first + EVQ_ARITY < n ? first + EVQ_ARITY : n;
        for (c = first + 1; c < end; c++)
            best = evq_before(&h[c], &h[best]) ? c : best;
        if (!evq_before(&h[best], &last))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
    return 0;
}

double evq_peek_time(const struct evq *q)
{
    return q->size ? q->heap[0].t : HUGE_VAL;
}

size_t evq_size(const struct evq *q)
{
    return q->size;
}

size_t evq_peak_size(const struct evq *q)
{
    return q->peak;
}

void evq_clear(struct evq *q)
{
    q->size = 0;
}
