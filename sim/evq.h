/*
 * evq: the future event list.
 *
 * A 4-ary min-heap keyed on (time, seq), seq stamped at push, so events at
 * equal times leave in the order they were scheduled and runs repeat byte
 * for byte.  Push and pop are O(log n).  Entries are stored by value in one
 * array owned by the queue, grown by doubling: after warm-up the event loop
 * allocates nothing.  There is no cancel: a model that must retract an
 * event keeps a generation counter in its state and ignores stale events.
 */
#ifndef SLM_EVQ_H
#define SLM_EVQ_H

#include <stddef.h>
#include <stdint.h>

struct sim;

/* An event handler: ctx is the model that scheduled it, arg its payload
 * (typically a request).  Both borrowed, kept alive by the scheduler. */
typedef void evq_fn(struct sim *s, void *ctx, void *arg);

struct evq_event {
    double t;     /* absolute simulated time, seconds */
    uint64_t seq; /* push order: the tie-break */
    evq_fn *fn;
    void *ctx;
    void *arg;
};

struct evq;

/* A new, empty queue owned by the caller, or NULL when out of memory. */
struct evq *evq_new(size_t capacity_hint);
void evq_free(struct evq *q); /* NULL is fine */

/* Schedules fn(sim, ctx, arg) at time t.  Returns 0, or SLM_ENOMEM when
 * the array cannot grow (the queue is unchanged). */
int evq_push(struct evq *q, double t, evq_fn *fn, void *ctx, void *arg);

/* Removes the earliest event into *out; returns 0, or -1 when empty. */
int evq_pop(struct evq *q, struct evq_event *out);

/* The earliest event's time, or +infinity when empty. */
double evq_peek_time(const struct evq *q);

/* For one event kept outside the queue by its owner (sim's arrival slot):
 * evq_reserve_seq takes the push number a push would have stamped now,
 * and evq_before_top says whether (t, seq) leaves before every queued
 * event (1 when the queue is empty), so that the outside event runs in
 * exactly the order it would have run from inside. */
uint64_t evq_reserve_seq(struct evq *q);
int evq_before_top(const struct evq *q, double t, uint64_t seq);

size_t evq_size(const struct evq *q);
/* Largest size reached: the memory high-water mark, for bench/. */
size_t evq_peak_size(const struct evq *q);
/* Drops every event (keeps the storage). */
void evq_clear(struct evq *q);

#endif
