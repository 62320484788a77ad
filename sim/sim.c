#include "sim/sim.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "sim/diag.h"
#include "sim/interrupt.h"
#include "sim/mem.h"
#include "sim/rng.h"

/* Requests are carved from chunks of this many and recycled through a free
 * list: the pool grows to the peak number in flight and no further. */
#define SIM_POOL_CHUNK 1024
/* Streams per sim: a linear table; a scenario has a few dozen sources at
 * most, and lookups happen at creation time, not per event. */
#define SIM_MAX_STREAMS 256
#define SIM_PROGRESS_MASK 0xffffu
/* A signal is noticed within this many events (a few microseconds). */
#define SIM_INTERRUPT_MASK 0xfffu

struct sim_stream {
    char *name;
    gsl_rng *r;
};

struct sim_chunk {
    struct sim_chunk *next;
    struct request req[SIM_POOL_CHUNK];
};

struct sim {
    double now, horizon, warmup;
    uint64_t seed;
    unsigned replication;
    struct evq *q;
    struct evq_event slot; /* sim_schedule_slot's event, when slot_full */
    int slot_full;
    struct sim_stream streams[SIM_MAX_STREAMS];
    size_t nstreams;
    struct sim_chunk *chunks;
    struct request *free_list;
    uint64_t next_id;
    size_t in_flight, peak_in_flight;
    size_t max_in_flight, max_events;
    enum sim_limit limit;
    uint64_t events;
    int status;
    int stopped;
    int series; /* sim_series */
    sim_progress_fn *progress;
    void *progress_ctx;
};

struct sim *sim_new(const struct sim_config *cfg)
{
    struct sim *s = mem_calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->horizon = cfg->horizon;
    s->warmup = cfg->warmup;
    s->seed = cfg->seed;
    s->series = 1;
    s->replication = cfg->replication;
    s->max_in_flight = SIM_DEFAULT_MAX_IN_FLIGHT;
    s->max_events = SIM_DEFAULT_MAX_EVENTS;
    s->q = evq_new(1024);
    if (!s->q) {
        mem_free(s);
        return NULL;
    }
    return s;
}

void sim_free(struct sim *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->nstreams; i++) {
        gsl_rng_free(s->streams[i].r);
        mem_free(s->streams[i].name);
    }
    while (s->chunks) {
        struct sim_chunk *c = s->chunks;
        s->chunks = c->next;
        mem_free(c);
    }
    evq_free(s->q);
    mem_free(s);
}

void sim_set_limits(struct sim *s, const struct sim_limits *l)
{
    if (l->max_in_flight)
        s->max_in_flight = l->max_in_flight;
    if (l->max_events)
        s->max_events = l->max_events;
}

double sim_now(const struct sim *s) { return s->now; }
double sim_horizon(const struct sim *s) { return s->horizon; }
double sim_warmup(const struct sim *s) { return s->warmup; }
unsigned sim_replication(const struct sim *s) { return s->replication; }
int sim_measuring(const struct sim *s) { return s->now >= s->warmup; }
void sim_set_series(struct sim *s, int keep) { s->series = keep != 0; }
int sim_series(const struct sim *s) { return s->series; }
uint64_t sim_events(const struct sim *s) { return s->events; }
size_t sim_evq_peak(const struct sim *s) { return evq_peak_size(s->q); }
size_t sim_requests_in_flight(const struct sim *s) { return s->in_flight; }
size_t sim_requests_peak(const struct sim *s) { return s->peak_in_flight; }
enum sim_limit sim_limit(const struct sim *s) { return s->limit; }
size_t sim_max_in_flight(const struct sim *s) { return s->max_in_flight; }
size_t sim_max_events(const struct sim *s) { return s->max_events; }

/* A ceiling reached: the first one stops the loop after this handler. */
static void sim_hit_limit(struct sim *s, enum sim_limit which)
{
    if (!s->status)
        s->limit = which;
    sim_fail(s, SLM_ELIMIT);
}

void sim_fail(struct sim *s, int status)
{
    if (!s->status)
        s->status = status;
}

void sim_schedule_at(struct sim *s, double t, evq_fn *fn, void *ctx,
                     void *arg)
{
    assert(t >= s->now && !isnan(t));
    /* An event past the horizon could never run: dropping it keeps the
     * queue small and the end of a run cheap. */
    if (t > s->horizon)
        return;
    if (evq_size(s->q) + (size_t)s->slot_full >= s->max_events) {
        sim_hit_limit(s, SIM_LIMIT_EVENTS);
        return;
    }
    if (evq_push(s->q, t, fn, ctx, arg) != 0)
        sim_fail(s, SLM_ENOMEM);
}

/* Every check of sim_schedule_at, in the same order, so that a run hits
 * the same limits at the same event whichever way its arrivals wait. */
void sim_schedule_slot(struct sim *s, double t, evq_fn *fn, void *ctx,
                       void *arg)
{
    assert(t >= s->now && !isnan(t) && !s->slot_full);
    if (t > s->horizon)
        return;
    if (evq_size(s->q) >= s->max_events) {
        sim_hit_limit(s, SIM_LIMIT_EVENTS);
        return;
    }
    s->slot.t = t + 0.0;
    s->slot.seq = evq_reserve_seq(s->q);
    s->slot.fn = fn;
    s->slot.ctx = ctx;
    s->slot.arg = arg;
    s->slot_full = 1;
}

/* The next event: the slot's when it leaves before the queue's earliest
 * (the order of one queue holding both), else the queue's.  0, or -1
 * when neither holds one. */
static int sim_next_event(struct sim *s, struct evq_event *ev)
{
    if (s->slot_full && evq_before_top(s->q, s->slot.t, s->slot.seq)) {
        *ev = s->slot;
        s->slot_full = 0;
        return 0;
    }
    return evq_pop(s->q, ev);
}

void sim_schedule_in(struct sim *s, double dt, evq_fn *fn, void *ctx,
                     void *arg)
{
    assert(dt >= 0.0);
    sim_schedule_at(s, s->now + dt, fn, ctx, arg);
}

gsl_rng *sim_stream(struct sim *s, const char *source)
{
    size_t i;
    gsl_rng *r;
    char *name;

    for (i = 0; i < s->nstreams; i++)
        if (strcmp(s->streams[i].name, source) == 0)
            return s->streams[i].r;
    if (s->nstreams == SIM_MAX_STREAMS) {
        sim_fail(s, SLM_ENOMEM);
        return NULL;
    }
    r = rng_stream_new(s->seed, s->replication, source);
    name = mem_strdup(source);
    if (!r || !name) {
        if (r)
            gsl_rng_free(r);
        mem_free(name);
        sim_fail(s, SLM_ENOMEM);
        return NULL;
    }
    s->streams[s->nstreams].name = name;
    s->streams[s->nstreams].r = r;
    s->nstreams++;
    return r;
}

static int sim_pool_grow(struct sim *s)
{
    struct sim_chunk *c = mem_alloc(sizeof *c);
    size_t i;

    if (!c)
        return -1;
    c->next = s->chunks;
    s->chunks = c;
    for (i = SIM_POOL_CHUNK; i-- > 0;) {
        c->req[i].next = s->free_list;
        s->free_list = &c->req[i];
    }
    return 0;
}

struct request *sim_request_new(struct sim *s)
{
    struct request *r;

    if (s->in_flight >= s->max_in_flight) {
        sim_hit_limit(s, SIM_LIMIT_IN_FLIGHT);
        return NULL;
    }
    if (!s->free_list && sim_pool_grow(s) != 0) {
        sim_fail(s, SLM_ENOMEM);
        return NULL;
    }
    r = s->free_list;
    s->free_list = r->next;
    /* Field by field rather than memset: the compiler stores these as a
     * few vector moves, where a memset of the whole request became a
     * rep-prefixed store (tens of cycles to start) on every arrival.
     * Every field of struct request is set here. */
    r->id = s->next_id++;
    r->t_arrival = s->now;
    r->t_enqueue = s->now;
    r->t_start = 0.0;
    r->t_first_token = 0.0;
    r->task = 0;
    r->backend = -1;
    r->input_tokens = 0;
    r->output_tokens = 0;
    r->prefix_hashes = NULL;
    r->prefix_blocks = 0;
    r->prefix_block_tokens = 0;
    r->prefix_pass = 0;
    r->attempts = 0;
    r->flags = s->now >= s->warmup ? REQUEST_MEASURED : 0u;
    r->rework = 0;
    r->t_wait = 0.0;
    r->next = NULL;
    r->x[0] = r->x[1] = r->x[2] = r->x[3] = 0.0;
    r->u[0] = r->u[1] = 0;
    r->p = NULL;
    if (++s->in_flight > s->peak_in_flight)
        s->peak_in_flight = s->in_flight;
    return r;
}

void sim_request_free(struct sim *s, struct request *r)
{
    assert(s->in_flight > 0);
    s->in_flight--;
    r->next = s->free_list;
    s->free_list = r;
}

void sim_set_progress(struct sim *s, sim_progress_fn *fn, void *ctx)
{
    s->progress = fn;
    s->progress_ctx = ctx;
}

void sim_stop(struct sim *s)
{
    s->stopped = 1;
}

int sim_run(struct sim *s)
{
    struct evq_event ev;

    while (!s->stopped && !s->status && sim_next_event(s, &ev) == 0) {
        assert(ev.t >= s->now);
        s->now = ev.t;
        ev.fn(s, ev.ctx, ev.arg);
        if ((++s->events & SIM_INTERRUPT_MASK) == 0 && interrupt_pending())
            sim_fail(s, SLM_EINTR);
        if ((s->events & SIM_PROGRESS_MASK) == 0 && s->progress)
            s->progress(s->progress_ctx, s->now, s->horizon);
    }
    /* Whatever remains was scheduled past the last event run; the window
     * ends at the horizon either way. */
    if (!s->stopped && !s->status)
        s->now = s->horizon;
    return s->status;
}
