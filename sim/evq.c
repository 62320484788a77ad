/*
 * evq: a 4-ary min-heap of events stored by value.
 *
 * Four children per node halve the depth of a binary heap; the four keys
 * sit in two cache lines, so sift-down pays one miss per level for three
 * extra compares.  Both sifts move a hole rather than swapping: each level
 * costs one copy instead of three.  The key (t, seq) is compared inline; a
 * comparator through a function pointer costs about a third of the speed.
 * Times are never negative (the clock starts at 0), which the 128-bit key
 * below relies on.
 *
 * Timers live in a binary heap of their own that keeps each timer's
 * position (evq_timer.pos), so a pending one can be moved or taken out;
 * the plain heap keeps no index and its sifts store nothing extra.  A
 * model has a few timers (one per GPU replica), so that heap is shallow.
 */
#include "sim/evq.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "sim/diag.h"
#include "sim/mem.h"

#define EVQ_ARITY 4
#define EVQ_MIN_CAPACITY 16

/* A heap entry.  The key is (bits of t, seq) as one 128-bit unsigned
 * number: for t >= 0 the IEEE-754 bit pattern orders as the value does,
 * so the (t, seq) order is one compare-and-borrow, with no branch on the
 * random event times for the processor to mispredict. */
struct evq_node {
    uint64_t tb;  /* bits of t (t >= 0, never -0) */
    uint64_t seq; /* push order: the tie-break */
    evq_fn *fn;
    void *ctx;
    void *arg;
};

/* A pending timer in the timer heap: its key and which timer it is. */
struct evq_tnode {
    uint64_t tb;
    uint64_t seq;
    size_t id;
};

#define EVQ_NOT_PENDING SIZE_MAX

struct evq_timer {
    evq_fn *fn;
    void *ctx;
    void *arg; /* of the pending event */
    size_t pos; /* index in theap, EVQ_NOT_PENDING when not pending */
};

struct evq {
    struct evq_node *heap; /* heap[0] is the earliest */
    size_t size;
    size_t capacity;
    size_t peak;
    uint64_t next_seq;
    struct evq_tnode *theap;  /* pending timers, theap[0] the earliest */
    size_t tsize;             /* of which pending */
    struct evq_timer *timers; /* by handle */
    size_t ntimers, tcapacity;
};

__extension__ typedef unsigned __int128 evq_key;

static inline evq_key evq_key_of(const struct evq_node *a)
{
    return (evq_key)a->tb << 64 | a->seq;
}

/* Strict order on (t, seq): seq is unique, so no two events tie. */
static inline int evq_before(const struct evq_node *a,
                             const struct evq_node *b)
{
    return evq_key_of(a) < evq_key_of(b);
}

static inline int evq_tbefore(const struct evq_tnode *a,
                              const struct evq_tnode *b)
{
    return ((evq_key)a->tb << 64 | a->seq) < ((evq_key)b->tb << 64 | b->seq);
}

static inline double evq_time(uint64_t tb)
{
    double t;

    memcpy(&t, &tb, sizeof t);
    return t;
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
    q->theap = NULL;
    q->tsize = 0;
    q->timers = NULL;
    q->ntimers = q->tcapacity = 0;
    return q;
}

void evq_free(struct evq *q)
{
    if (!q)
        return;
    mem_free(q->heap);
    mem_free(q->theap);
    mem_free(q->timers);
    mem_free(q);
}

static void evq_note_peak(struct evq *q)
{
    if (q->size + q->tsize > q->peak)
        q->peak = q->size + q->tsize;
}

/* Doubling keeps pushes amortised O(1) in copies; mem_realloc leaves the
 * old array intact on failure, so the queue is unchanged. */
static int evq_grow(struct evq *q)
{
    size_t cap = q->capacity * 2;
    struct evq_node *h;

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
    struct evq_node ev;
    struct evq_node *h;
    size_t i;
    double t0 = t + 0.0; /* -0 becomes +0: its bits would sort last */

    assert(t >= 0.0 && !isnan(t));
    if (q->size == q->capacity && evq_grow(q) != 0)
        return SLM_ENOMEM;
    memcpy(&ev.tb, &t0, sizeof ev.tb);
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
    evq_note_peak(q);
    return 0;
}

/* The earliest of the children first..end-1 (end > first).  With all four
 * present, a tournament of three compares (two independent, then one)
 * rather than a chain, and each pick a conditional move. */
static inline size_t evq_min_child(const struct evq_node *h, size_t first,
                                   size_t end)
{
    size_t best = first, c;

    if (end - first == EVQ_ARITY) {
        size_t a = evq_before(&h[first + 1], &h[first]) ? first + 1 : first;
        size_t b = evq_before(&h[first + 3], &h[first + 2]) ? first + 3
                                                              : first + 2;
        return evq_before(&h[b], &h[a]) ? b : a;
    }
    for (c = first + 1; c < end; c++)
        best = evq_before(&h[c], &h[best]) ? c : best;
    return best;
}

static void evq_timer_pop(struct evq *q, struct evq_event *out);

/* With both heaps non-empty: whether the earliest timer leaves first. */
static inline int evq_timer_first(const struct evq *q)
{
    const struct evq_tnode *a = &q->theap[0];

    return ((evq_key)a->tb << 64 | a->seq) < evq_key_of(&q->heap[0]);
}

int evq_pop(struct evq *q, struct evq_event *out)
{
    struct evq_node *h = q->heap;
    struct evq_node last;
    size_t n, i;

    if (q->tsize > 0 && (q->size == 0 || evq_timer_first(q))) {
        evq_timer_pop(q, out);
        return 0;
    }
    if (q->size == 0)
        return -1;
    out->t = evq_time(h[0].tb);
    out->seq = h[0].seq;
    out->fn = h[0].fn;
    out->ctx = h[0].ctx;
    out->arg = h[0].arg;
    n = --q->size;
    if (n == 0)
        return 0;
    /* Sift down: the hole at the root descends towards the earliest child
     * until the former last element fits. */
    last = h[n];
    i = 0;
    for (;;) {
        size_t first = i * EVQ_ARITY + 1, best, end;
        if (first >= n)
            break;
        end = first + EVQ_ARITY < n ? first + EVQ_ARITY : n;
        best = evq_min_child(h, first, end);
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
    double t = q->size ? evq_time(q->heap[0].tb) : HUGE_VAL;

    if (q->tsize && evq_time(q->theap[0].tb) < t)
        t = evq_time(q->theap[0].tb);
    return t;
}

uint64_t evq_reserve_seq(struct evq *q)
{
    return q->next_seq++;
}

int evq_before_top(const struct evq *q, double t, uint64_t seq)
{
    struct evq_node n;
    double t0 = t + 0.0;

    memcpy(&n.tb, &t0, sizeof n.tb);
    n.seq = seq;
    if (q->tsize) {
        struct evq_tnode tn = {n.tb, seq, 0};
        if (!evq_tbefore(&tn, &q->theap[0]))
            return 0;
    }
    return q->size == 0 || evq_before(&n, &q->heap[0]);
}

/* ---- timers ---- */

int evq_timer_new(struct evq *q, evq_fn *fn, void *ctx, size_t *id)
{
    if (q->ntimers == q->tcapacity) {
        size_t cap = q->tcapacity ? q->tcapacity * 2 : 4;
        struct evq_timer *t;
        struct evq_tnode *h;

        if (cap < q->tcapacity)
            return SLM_ENOMEM;
        t = mem_realloc(q->timers, cap, sizeof *t);
        if (!t)
            return SLM_ENOMEM;
        q->timers = t;
        h = mem_realloc(q->theap, cap, sizeof *h);
        if (!h)
            return SLM_ENOMEM; /* timers grew: harmless, nothing made */
        q->theap = h;
        q->tcapacity = cap;
    }
    q->timers[q->ntimers].fn = fn;
    q->timers[q->ntimers].ctx = ctx;
    q->timers[q->ntimers].arg = NULL;
    q->timers[q->ntimers].pos = EVQ_NOT_PENDING;
    *id = q->ntimers++;
    return 0;
}

static inline void evq_tplace(struct evq *q, size_t i, struct evq_tnode n)
{
    q->theap[i] = n;
    q->timers[n.id].pos = i;
}

/* Puts node n at hole i, climbing towards the root or descending towards
 * the leaves, whichever its key needs. */
static void evq_tsift(struct evq *q, size_t i, struct evq_tnode n)
{
    struct evq_tnode *h = q->theap;
    size_t m = q->tsize;

    if (m == 1) { /* one timer pending (one GPU replica): no sift */
        evq_tplace(q, 0, n);
        return;
    }
    while (i > 0 && evq_tbefore(&n, &h[(i - 1) / 2])) {
        evq_tplace(q, i, h[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m)
            break;
        if (c + 1 < m && evq_tbefore(&h[c + 1], &h[c]))
            c++;
        if (!evq_tbefore(&h[c], &n))
            break;
        evq_tplace(q, i, h[c]);
        i = c;
    }
    evq_tplace(q, i, n);
}

/* Takes the node at i out of the timer heap. */
static void evq_tremove(struct evq *q, size_t i)
{
    size_t last = --q->tsize;

    q->timers[q->theap[i].id].pos = EVQ_NOT_PENDING;
    if (i != last)
        evq_tsift(q, i, q->theap[last]);
}

static void evq_timer_pop(struct evq *q, struct evq_event *out)
{
    const struct evq_tnode *top = &q->theap[0];
    const struct evq_timer *tm = &q->timers[top->id];

    out->t = evq_time(top->tb);
    out->seq = top->seq;
    out->fn = tm->fn;
    out->ctx = tm->ctx;
    out->arg = tm->arg;
    evq_tremove(q, 0);
}

void evq_timer_set(struct evq *q, size_t id, double t, void *arg)
{
    struct evq_timer *tm = &q->timers[id];
    struct evq_tnode n;
    double t0 = t + 0.0;

    assert(id < q->ntimers && t >= 0.0 && !isnan(t));
    memcpy(&n.tb, &t0, sizeof n.tb);
    n.seq = q->next_seq++;
    n.id = id;
    tm->arg = arg;
    if (tm->pos == EVQ_NOT_PENDING) {
        q->tsize++;
        evq_tsift(q, q->tsize - 1, n);
        evq_note_peak(q);
    } else {
        evq_tsift(q, tm->pos, n);
    }
}

void evq_timer_cancel(struct evq *q, size_t id)
{
    assert(id < q->ntimers);
    if (q->timers[id].pos != EVQ_NOT_PENDING)
        evq_tremove(q, q->timers[id].pos);
}

int evq_timer_pending(const struct evq *q, size_t id)
{
    assert(id < q->ntimers);
    return q->timers[id].pos != EVQ_NOT_PENDING;
}

size_t evq_size(const struct evq *q)
{
    return q->size + q->tsize;
}

size_t evq_peak_size(const struct evq *q)
{
    return q->peak;
}

void evq_clear(struct evq *q)
{
    size_t i;

    q->size = 0;
    for (i = 0; i < q->tsize; i++)
        q->timers[q->theap[i].id].pos = EVQ_NOT_PENDING;
    q->tsize = 0;
}
