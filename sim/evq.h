/*
 * evq: the future event list.
 *
 * A 4-ary min-heap keyed on (time, seq), seq stamped at push, so events at
 * equal times leave in the order they were scheduled and runs repeat byte
 * for byte.  Push and pop are O(log n).  Entries are stored by value in one
 * array owned by the queue, grown by doubling: after warm-up the event loop
 * allocates nothing.
 *
 * A plain event cannot be retracted.  An event a model must move or cancel
 * while it is pending (a GPU replica's next step boundary, which an
 * arrival can bring forward) is a timer: a handle owned by the queue that
 * holds at most one pending event.  Timers sit in a second, indexed heap
 * (each knows its position), so moving one is O(log timers) and the plain
 * heap pays nothing for it; pop takes the earlier of the two heaps' tops
 * by the same (time, seq) key, so the order is that of one queue.
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

/* Timers.  evq_timer_new makes a timer that runs fn(sim, ctx, arg) when
 * it fires and returns its handle in *id (0, 1, 2, ... in the order made),
 * or SLM_ENOMEM (nothing made).  A timer is not pending until set.
 *
 * evq_timer_set schedules it at t with payload arg, stamping the push
 * number a push would stamp now: a timer set is ordered exactly as a new
 * evq_push at the same moment, whether it was pending (it moves, earlier
 * or later) or not.  It never fails (the storage is made with the timer).
 * evq_timer_cancel takes its pending event away (nothing when none).  A
 * timer stops being pending when it fires (evq_pop returns its event) and
 * may be set again from its own handler. */
int evq_timer_new(struct evq *q, evq_fn *fn, void *ctx, size_t *id);
void evq_timer_set(struct evq *q, size_t id, double t, void *arg);
void evq_timer_cancel(struct evq *q, size_t id);
int evq_timer_pending(const struct evq *q, size_t id);

/* Events pending: plain ones plus pending timers. */
size_t evq_size(const struct evq *q);
/* Largest size reached: the memory high-water mark, for bench/. */
size_t evq_peak_size(const struct evq *q);
/* Drops every event, timers' too (keeps the storage and the timers). */
void evq_clear(struct evq *q);

#endif
