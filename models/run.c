#include "models/run.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "models/downlog.h"
#include "sim/cfg.h"
#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/units.h"

const char *const run_metric_names[RUN_NMETRICS] = {"wait", "e2e", "ttft",
                                                    "tpot"};

/* The times t whose day floor(t / UNITS_DAY) is d: exactly [lo, hi). */
struct run_day_span {
    long d;
    double lo, hi;
};

struct run {
    const struct scenario *sc;
    struct sim *s;
    struct run_result *res;
    struct arrivals *arrivals;
    struct arrival next;  /* the arrival scheduled but not yet handled */
    gsl_rng *r_mix, *r_route, *r_fallback, *r_validator, *r_delay;
    void *inst[SCENARIO_MAX_BACKENDS];
    const struct backend_kind *kinds[SCENARIO_MAX_BACKENDS];
    struct router_live live;
    struct backend_env env[SCENARIO_MAX_BACKENDS];
    /* One backend, one visit per request: the overall figures are the
     * backend's own, merged in once the clock stops (run_overall_copy)
     * instead of added twice per request. */
    int overall_is_backend;
    /* The day the latest arrival (arrive) and the latest departure's
     * arrival (leave) fell in: run_day_index's cache. */
    struct run_day_span arrive, leave;
    int status;
};

int run_result_init(struct run_result *out, size_t nbackends)
{
    size_t b;
    int m;

    memset(out, 0, sizeof *out);
    out->nbackends = nbackends;
    for (m = 0; m < RUN_NMETRICS; m++)
        if (metric_init(&out->overall[m]))
            return SLM_ENOMEM;
    for (b = 0; b < nbackends; b++)
        for (m = 0; m < RUN_NMETRICS; m++)
            if (metric_init(&out->backend[b].lat[m]))
                return SLM_ENOMEM;
    return SLM_OK;
}

void run_result_fini(struct run_result *out)
{
    size_t b;
    int m;

    for (m = 0; m < RUN_NMETRICS; m++)
        metric_fini(&out->overall[m]);
    for (b = 0; b < out->nbackends; b++) {
        struct run_backend *rb = &out->backend[b];
        for (m = 0; m < RUN_NMETRICS; m++)
            metric_fini(&rb->lat[m]);
        if (rb->extras)
            rb->extras_kind->extras_free(rb->extras);
        rb->extras = NULL;
        mem_free(rb->down);
        rb->down = NULL;
    }
}

/* The histograms of a result in packing order: overall, then each
 * backend's; returns how many (RUN_NMETRICS x (nbackends + 1)). */
static size_t run_result_hists(struct run_result *res, struct qhist **h)
{
    size_t n = 0;

    for (int m = 0; m < RUN_NMETRICS; m++)
        h[n++] = res->overall[m].h;
    for (size_t b = 0; b < res->nbackends; b++)
        for (int m = 0; m < RUN_NMETRICS; m++)
            h[n++] = res->backend[b].lat[m].h;
    return n;
}

#define RUN_MAX_HISTS (RUN_NMETRICS * (SCENARIO_MAX_BACKENDS + 1))

size_t run_result_packed_size(size_t nbackends)
{
    return sizeof(struct run_result) +
           RUN_NMETRICS * (nbackends + 1) * qhist_packed_size();
}

void run_result_pack(const struct run_result *res, void *buf)
{
    struct qhist *h[RUN_MAX_HISTS];
    struct run_result *copy = buf;
    unsigned char *p = (unsigned char *)buf + sizeof *res;
    size_t n = run_result_hists((struct run_result *)res, h);

    /* The struct whole (static strings read the same in a forked child),
     * its pointers cleared: they mean nothing in another process. */
    memcpy(copy, res, sizeof *res);
    for (int m = 0; m < RUN_NMETRICS; m++)
        copy->overall[m].h = NULL;
    for (size_t b = 0; b < res->nbackends; b++) {
        for (int m = 0; m < RUN_NMETRICS; m++)
            copy->backend[b].lat[m].h = NULL;
        copy->backend[b].extras = NULL;
        copy->backend[b].extras_kind = NULL;
        copy->backend[b].down = NULL;
    }
    for (size_t i = 0; i < n; i++, p += qhist_packed_size())
        qhist_pack(h[i], p);
}

int run_result_unpack(struct run_result *out, const void *buf)
{
    struct qhist *h[RUN_MAX_HISTS];
    const unsigned char *p = (const unsigned char *)buf + sizeof *out;
    size_t n = run_result_hists(out, h), nb;
    struct run_backend *rb = out->backend;

    memcpy(&nb, (const unsigned char *)buf +
                    offsetof(struct run_result, nbackends), sizeof nb);
    if (nb != out->nbackends)
        return SLM_EINPUT;
    for (size_t b = 0; b < nb; b++)
        if (rb[b].extras || rb[b].down)
            return SLM_EINPUT; /* they would be lost */
    /* Every histogram of one build has one shape: the first answers for
     * all, so a mismatch changes none. */
    for (size_t i = 0; i < n; i++)
        if (qhist_unpack(h[i], p + i * qhist_packed_size()))
            return SLM_EINPUT;
    memcpy(out, buf, sizeof *out);
    n = 0;
    for (int m = 0; m < RUN_NMETRICS; m++)
        out->overall[m].h = h[n++];
    for (size_t b = 0; b < out->nbackends; b++)
        for (int m = 0; m < RUN_NMETRICS; m++)
            rb[b].lat[m].h = h[n++];
    return SLM_OK;
}

/* What the run keeps of each backend once the clock stops. */
static int run_collect(struct run *run, const struct run_hooks *hooks)
{
    const struct scenario *sc = run->sc;
    size_t b;

    for (b = 0; b < sc->nbackends; b++) {
        const struct backend_kind *k = sc->backends[b].kind;
        struct run_backend *rb = &run->res->backend[b];
        k->collect(run->inst[b], run->s, &rb->fig);
        if (k->binding)
            rb->binding = k->binding(run->inst[b]);
        if (!hooks || !hooks->keep_extras)
            continue;
        if (k->downlog) {
            rb->down = mem_alloc(sizeof *rb->down);
            if (!rb->down)
                return SLM_ENOMEM;
            *rb->down = *k->downlog(run->inst[b]);
            downlog_finish(rb->down, sim_now(run->s));
        }
        if (!k->extras)
            continue;
        rb->extras = k->extras(run->inst[b]);
        rb->extras_kind = k;
        if (!rb->extras)
            return SLM_ENOMEM;
    }
    return SLM_OK;
}

size_t run_down_windows(const struct run_result *res, double (*out)[2],
                        size_t max, uint64_t *cut)
{
    size_t b, i, n = 0;

    *cut = 0;
    for (b = 0; b < res->nbackends; b++) {
        const struct downlog *l = res->backend[b].down;
        if (!l)
            continue;
        *cut += l->cut;
        for (i = 0; i < l->n; i++) {
            if (n < max) {
                out[n][0] = l->w[i].start;
                out[n++][1] = l->w[i].end;
            } else
                ++*cut;
        }
    }
    return n;
}

/* A visit to backend r->backend ended: the backend's own figures. */
static void run_record_visit(struct run *run, struct sim *s,
                             const struct request *r,
                             enum backend_outcome outcome)
{
    struct run_backend *rb = &run->res->backend[r->backend];
    double now = sim_now(s);

    if (outcome == BACKEND_DONE && now >= sim_warmup(s))
        rb->served++;
    if (!(r->flags & REQUEST_MEASURED))
        return;
    if (outcome == BACKEND_FAILED) {
        rb->failed++;
        return;
    }
    if (outcome == BACKEND_REJECTED) {
        rb->rejected++;
        return;
    }
    rb->completed++;
    rb->tokens_in += r->input_tokens;
    rb->tokens_out += r->output_tokens;
    metric_add(&rb->lat[RUN_WAIT], r->t_start - r->t_enqueue);
    metric_add(&rb->lat[RUN_E2E], now - r->t_enqueue);
    if (run->sc->backends[r->backend].kind->has_tokens) {
        metric_add(&rb->lat[RUN_TTFT], r->t_first_token - r->t_enqueue);
        if (r->output_tokens > 1)
            metric_add(&rb->lat[RUN_TPOT], (now - r->t_first_token) /
                                               (r->output_tokens - 1));
    }
}

/* The smallest t >= 0 whose day is d or later.  floor of a correctly
 * rounded t / UNITS_DAY is monotone in t, so the days are intervals; the
 * edge is d * UNITS_DAY give or take a few ulps of the quotient's
 * rounding, found by stepping from there. */
static double run_day_start(long d)
{
    double t = (double)d * UNITS_DAY;

    if (d <= 0)
        return 0.0;
    while (floor(t / UNITS_DAY) >= (double)d)
        t = nextafter(t, 0.0);
    while (floor(t / UNITS_DAY) < (double)d)
        t = nextafter(t, (double)INFINITY);
    return t;
}

/* Simulated day of time t, or -1 past the table: floor(t / UNITS_DAY),
 * its division and floor paid once a day per span (a request's arrival
 * and departure each look one up) instead of every time. */
static long run_day_refill(struct run_day_span *c, double t)
{
    double d = floor(t / UNITS_DAY);
    if (!(d >= 0 && d < RUN_MAX_DAYS))
        return -1;
    c->d = (long)d;
    c->lo = run_day_start(c->d);
    c->hi = run_day_start(c->d + 1);
    return c->d;
}

static inline long run_day_index(struct run_day_span *c, double t)
{
    if (t >= c->lo && t < c->hi)
        return c->d;
    return run_day_refill(c, t);
}

static void run_day_arrived(struct run *run, double t)
{
    struct run_result *res = run->res;
    long d = run_day_index(&run->arrive, t);

    if (d < 0)
        return;
    if (res->day[d].arrived++ == 0)
        res->day[d].first_arrival = t;
    res->day[d].last_arrival = t;
    if ((size_t)d + 1 > res->ndays)
        res->ndays = (size_t)d + 1;
}

static void run_day_done(struct run *run, double t_arrival, double now)
{
    struct run_result *res = run->res;
    long d = run_day_index(&run->leave, t_arrival);

    if (d < 0)
        return;
    res->day[d].done++;
    if (now > res->day[d].last_done)
        res->day[d].last_done = now;
}

/* The request leaves the system: overall figures, and back to the pool. */
static void run_leave(struct run *run, struct sim *s, struct request *r,
                      enum backend_outcome outcome)
{
    struct run_result *res = run->res;
    struct run_task *t = &res->task[r->task];
    double now = sim_now(s);

    if (outcome == BACKEND_DONE) {
        res->all_served++;
        if (now >= sim_warmup(s))
            res->served++;
    }
    if (r->flags & REQUEST_MEASURED)
        run_day_done(run, r->t_arrival, now);
    if (r->flags & REQUEST_MEASURED) {
        if (outcome == BACKEND_DONE && run->overall_is_backend) {
            res->completed++;
            t->answered[run->sc->routing.side[r->backend]]++;
        } else if (outcome == BACKEND_DONE) {
            res->completed++;
            t->answered[run->sc->routing.side[r->backend]]++;
            metric_add(&res->overall[RUN_WAIT], r->t_wait);
            metric_add(&res->overall[RUN_E2E], now - r->t_arrival);
            if (run->sc->backends[r->backend].kind->has_tokens) {
                metric_add(&res->overall[RUN_TTFT],
                           r->t_first_token - r->t_arrival);
                if (r->output_tokens > 1)
                    metric_add(&res->overall[RUN_TPOT],
                               (now - r->t_first_token) /
                                   (r->output_tokens - 1));
            }
        } else {
            t->failed++;
            if (outcome == BACKEND_FAILED)
                res->failed++;
            else
                res->rejected++;
        }
    }
    sim_request_free(s, r);
}

/* Sends r to backend b as a new visit. */
static void run_submit(struct run *run, struct sim *s, struct request *r,
                       int b)
{
    r->backend = b;
    r->t_enqueue = sim_now(s);
    run->sc->backends[b].kind->submit(s, run->inst[b], r);
}

/* The router's decision, counted, then the first backend. */
static void run_route(struct run *run, struct sim *s, struct request *r)
{
    const struct router_spec *rs = &run->sc->routing;
    enum router_reason why;
    int b = router_choose(rs, &run->live, r, &why);

    if (r->flags & REQUEST_MEASURED) {
        run->res->routing.reason[why]++;
        run->res->backend[b].routed++;
        run->res->task[r->task].routed[rs->side[b]]++;
    }
    run_submit(run, s, r, b);
}

static void run_delayed(struct sim *s, void *ctx, void *arg)
{
    run_route(ctx, s, arg);
}

/* After a completed visit: 1 when the run sends r on (escalation to the
 * API, or back to it after the validator), 0 when r is answered. */
static int run_send_on(struct run *run, struct sim *s, struct request *r)
{
    const struct router_spec *rs = &run->sc->routing;
    int measured = (r->flags & REQUEST_MEASURED) != 0;

    if (rs->side[r->backend] == ROUTER_LOCAL && rs->api >= 0 &&
        !(r->flags & REQUEST_ESCALATED)) {
        double f = router_fallback_share(rs, r->task);
        if (f > 0.0 && rng_uniform(run->r_fallback) < f) {
            r->flags |= REQUEST_ESCALATED;
            if (measured) {
                run->res->routing.escalated++;
                run->res->task[r->task].escalated++;
            }
            run_submit(run, s, r, rs->api);
            return 1;
        }
        return 0;
    }
    if (rs->side[r->backend] != ROUTER_API || !(rs->format_error_rate > 0.0) ||
        rng_uniform(run->r_validator) >= rs->format_error_rate)
        return 0;
    if (measured)
        run->res->routing.validator_rejected++;
    if (r->rework >= (uint32_t)rs->format_retries) {
        if (measured)
            run->res->routing.validator_failed++;
        run_leave(run, s, r, BACKEND_FAILED);
        return 1;
    }
    r->rework++;
    run_submit(run, s, r, r->backend);
    return 1;
}

/* A backend is done with r: record the visit, then route it (after the
 * router station), send it on, or let it leave. */
static void run_done(struct sim *s, void *ctx, struct request *r,
                     enum backend_outcome outcome)
{
    struct run *run = ctx;

    run_record_visit(run, s, r, outcome);
    if (outcome == BACKEND_DONE)
        r->t_wait += r->t_start - r->t_enqueue;
    if (outcome == BACKEND_DONE &&
        r->backend == run->sc->routing.delay_backend) {
        run_route(run, s, r);
        return;
    }
    if (outcome == BACKEND_DONE && run_send_on(run, s, r))
        return;
    run_leave(run, s, r, outcome);
}

static void run_arrival(struct sim *s, void *ctx, void *arg);

/* Draws the next arrival and schedules it; past the horizon the sim drops
 * it, which ends the stream. */
static void run_schedule_next(struct run *run)
{
    int st = arrivals_next(run->arrivals, &run->next);

    if (st == 1) {
        run->res->arrivals_ended = 1;
        return;
    }
    if (st != 0) {
        run->status = st;
        sim_fail(run->s, st);
        return;
    }
    sim_schedule_slot(run->s, run->next.t, run_arrival, run, NULL);
}

static void run_arrival(struct sim *s, void *ctx, void *arg)
{
    struct run *run = ctx;
    const struct router_spec *rs = &run->sc->routing;
    struct request *r = sim_request_new(s);

    (void)arg;
    if (!r)
        return;
    workload_fill_request(&run->sc->workload, &run->next, run->r_mix, r);
    run->res->last_arrival = r->t_arrival;
    run->res->all_arrived++;
    if (r->flags & REQUEST_MEASURED) {
        struct run_task *t = &run->res->task[r->task];
        run_day_arrived(run, r->t_arrival);
        run->res->arrived++;
        t->arrived++;
        t->tokens_in += r->input_tokens;
        t->tokens_out += r->output_tokens;
    }
    run_schedule_next(run);
    if (rs->delay_backend >= 0)
        run_submit(run, s, r, rs->delay_backend);
    else if (rs->has_delay)
        sim_schedule_in(s, fmax(dist_sample(&rs->delay, run->r_delay), 0.0),
                        run_delayed, run, r);
    else
        run_route(run, s, r);
}

/* Samples the backlog at warmup + k dt, k = 0..RUN_BACKLOG_SAMPLES: a
 * fixed number of points, so memory does not follow the horizon. */
static void run_sample_backlog(struct sim *s, void *ctx, void *arg)
{
    struct run *run = ctx;
    struct run_result *res = run->res;

    (void)arg;
    if (res->nbacklog > RUN_BACKLOG_SAMPLES)
        return;
    res->backlog[res->nbacklog++] = (double)sim_requests_in_flight(s);
    if (res->nbacklog <= RUN_BACKLOG_SAMPLES)
        sim_schedule_at(s, sim_warmup(s) + (double)res->nbacklog *
                                                res->backlog_dt,
                        run_sample_backlog, run, NULL);
}

/* True when every request visits the one backend once, entering it at
 * its arrival: no router station or delay (t_enqueue == t_arrival), no
 * validator rework, no second backend to escalate to.  The overall wait,
 * e2e, TTFT and TPOT are then the backend's, sample for sample. */
static int run_overall_is_backend(const struct scenario *sc)
{
    const struct router_spec *rs = &sc->routing;

    return sc->nbackends == 1 && rs->delay_backend < 0 && !rs->has_delay &&
           !(rs->format_error_rate > 0.0);
}

/* The overall figures from the backend's (exact: merging into empty
 * accumulators copies them bit for bit). */
static void run_overall_copy(struct run *run)
{
    int m;

    if (!run->overall_is_backend)
        return;
    for (m = 0; m < RUN_NMETRICS; m++)
        metric_merge(&run->res->overall[m], &run->res->backend[0].lat[m]);
}

static int run_setup(struct run *run, struct diag *d)
{
    const struct scenario *sc = run->sc;
    size_t b;
    int st = SLM_OK;

    run->overall_is_backend = run_overall_is_backend(sc);

    run->r_mix = sim_stream(run->s, "workload.tasks");
    run->r_route = sim_stream(run->s, "router");
    run->r_fallback = sim_stream(run->s, "router.fallback");
    run->r_validator = sim_stream(run->s, "router.validator");
    run->r_delay = sim_stream(run->s, "router.delay");
    if (!run->r_mix || !run->r_route || !run->r_fallback ||
        !run->r_validator || !run->r_delay)
        return SLM_ENOMEM;
    run->live.s = run->s;
    run->live.kinds = run->kinds;
    run->live.inst = run->inst;
    run->live.rng = run->r_route;
    run->res->ntasks = sc->workload.ntasks;
    for (b = 0; b < sc->nbackends; b++) {
        run->env[b].done = run_done;
        run->env[b].ctx = run;
        run->env[b].workload = &sc->workload;
        run->env[b].index = (int)b;
        run->kinds[b] = sc->backends[b].kind;
        run->inst[b] = sc->backends[b].kind->create(
            run->s, sc->backends[b].cfg, sc->backends[b].name, &run->env[b]);
        if (!run->inst[b])
            return SLM_ENOMEM;
    }
    run->arrivals = arrivals_new(&sc->workload.arrivals,
                                 sim_stream(run->s, "arrivals"), d, &st);
    return run->arrivals ? SLM_OK : st;
}

static void run_teardown(struct run *run)
{
    size_t b;

    arrivals_free(run->arrivals);
    for (b = 0; b < run->sc->nbackends; b++)
        if (run->inst[b])
            run->sc->backends[b].kind->destroy(run->inst[b]);
    sim_free(run->s);
}

int run_replication(const struct scenario *sc, unsigned rep,
                    const struct run_hooks *hooks, struct diag *d,
                    struct run_result *out)
{
    struct sim_config cfg = {sc->seed, rep, sc->horizon, sc->warmup};
    struct run run;
    int st;

    memset(&run, 0, sizeof run);
    run.sc = sc;
    run.res = out;
    out->replication = rep;
    out->window = sc->horizon - sc->warmup;
    out->t_start = sc->warmup;
    run.s = sim_new(&cfg);
    if (!run.s)
        return SLM_ENOMEM;
    sim_set_limits(run.s, &sc->limits);
    /* Only a run that keeps its extras shows its series: the others
     * would fill them for nothing (a tenth of a GPU run's time). */
    sim_set_series(run.s, hooks && hooks->keep_extras);
    out->backlog_dt = out->window / RUN_BACKLOG_SAMPLES;
    if (hooks && hooks->progress)
        sim_set_progress(run.s, hooks->progress, hooks->progress_ctx);
    st = run_setup(&run, d);
    if (!st) {
        sim_schedule_at(run.s, sc->warmup, run_sample_backlog, &run, NULL);
        run_schedule_next(&run);
        st = sim_run(run.s);
    }
    run_overall_copy(&run);
    if (!st && run.status)
        st = run.status;
    out->t_end = sim_now(run.s);
    out->in_system = sim_requests_in_flight(run.s);
    if (st == SLM_ELIMIT || st == SLM_EINTR) {
        /* The counts so far stay: the caller says where it stopped. */
        out->stopped = st;
        out->limit = sim_limit(run.s);
        out->limit_value = out->limit == SIM_LIMIT_EVENTS
                               ? sim_max_events(run.s)
                               : sim_max_in_flight(run.s);
    }
    if (!st)
        st = run_collect(&run, hooks);
    if (!st || out->stopped) {
        out->in_flight = out->arrived - out->completed - out->failed -
                         out->rejected;
        out->events = sim_events(run.s);
        out->peak_in_flight = sim_requests_peak(run.s);
        out->evq_peak = sim_evq_peak(run.s);
    }
    run_teardown(&run);
    return st;
}

/* ---- stability ---- */

/* Least-squares slope of y[k] on k dt, and its standard error. */
static void run_regress(const double *y, size_t m, double dt, double *slope,
                        double *se)
{
    double xm = 0.0, ym = 0.0, sxx = 0.0, sxy = 0.0, sse = 0.0;
    size_t k;

    *slope = *se = 0.0;
    if (m < 3)
        return;
    for (k = 0; k < m; k++) {
        xm += (double)k * dt;
        ym += y[k];
    }
    xm /= (double)m;
    ym /= (double)m;
    for (k = 0; k < m; k++) {
        double dx = (double)k * dt - xm;
        sxx += dx * dx;
        sxy += dx * (y[k] - ym);
    }
    if (!(sxx > 0.0))
        return;
    *slope = sxy / sxx;
    for (k = 0; k < m; k++) {
        double e = y[k] - ym - *slope * ((double)k * dt - xm);
        sse += e * e;
    }
    *se = sqrt(sse / (double)(m - 2) / sxx);
}

/* Backlog samples averaged in RUN_STABLE_BATCHES consecutive batches:
 * neighbouring samples of a queue are strongly correlated, batch means
 * much less, so the regression's standard error is not optimistic. */
#define RUN_STABLE_BATCHES 16

static size_t run_batch_means(const struct run_result *r, double *y,
                              double *dt)
{
    size_t per = r->nbacklog / RUN_STABLE_BATCHES, k, j;

    if (per == 0) {
        memcpy(y, r->backlog, r->nbacklog * sizeof *y);
        *dt = r->backlog_dt;
        return r->nbacklog;
    }
    for (k = 0; k < RUN_STABLE_BATCHES; k++) {
        y[k] = 0.0;
        for (j = 0; j < per; j++)
            y[k] += r->backlog[k * per + j];
        y[k] /= (double)per;
    }
    *dt = r->backlog_dt * (double)per;
    return RUN_STABLE_BATCHES;
}

void run_stability(const struct run_result *res, size_t n,
                   struct run_stability *out)
{
    double y[RUN_BACKLOG_SAMPLES + 1];
    double arrived = 0.0, var = 0.0, df = 0.0, hw = 0.0;
    size_t i, stopped = 0;

    memset(out, 0, sizeof *out);
    out->stable = 1;
    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        const struct run_result *r = &res[i];
        /* A stopped replication's window ends where its clock did. */
        double w = r->stopped ? fmax(r->t_end - r->t_start, 1e-9) : r->window;
        double dt, slope, se;
        size_t m = run_batch_means(r, y, &dt);
        run_regress(y, m, dt, &slope, &se);
        out->backlog_growth += slope * r->window;
        var += se * se * r->window * r->window;
        df += m > 2 ? (double)m - 2.0 : 0.0;
        out->offered_rate += (double)r->arrived / w;
        out->served_rate += (double)r->served / w;
        out->backlog_end += (double)r->in_flight;
        arrived += (double)r->arrived;
        stopped += r->stopped == SLM_ELIMIT;
    }
    /* Pooled over replications: the mean growth, its variance the sum of
     * the regressions' over n^2, t with the pooled degrees of freedom. */
    out->backlog_growth /= (double)n;
    out->offered_rate /= (double)n;
    out->served_rate /= (double)n;
    out->backlog_end /= (double)n;
    arrived /= (double)n;
    if (df >= 1.0)
        hw = gsl_cdf_tdist_Pinv(0.975, df) * sqrt(var) / (double)n;
    out->growth_low = out->backlog_growth - hw;
    out->growth_high = out->backlog_growth + hw;
    out->threshold = fmax(RUN_STABLE_MIN_GROWTH, RUN_STABLE_SHARE * arrived);
    out->stable = !stopped && !(out->growth_low > out->threshold);
}

int run_parse_limits(const struct cfg_node *node, struct sim_limits *out,
                     struct diag *d)
{
    /* max_points is slmsim sweep's (cli/cmd_sweep.c): checked here with
     * the others, read there */
    static const char *const keys[] = {"max_in_flight", "max_events",
                                       "max_points"};
    long v = 0;
    int bad = 0;

    memset(out, 0, sizeof *out);
    if (!node)
        return 0;
    if (cfg_expect(node, CFG_MAP, "limits", d) != 0)
        return -1;
    bad |= cfg_check_keys(node, "limits", keys, 3, d) != 0;
    if (cfg_get_int(node, "max_points", "limits", 0, 1, 100000000L, &v, d) <
        0)
        bad = 1;
    if (cfg_get_int(node, "max_in_flight", "limits", 0, 1, RUN_LIMIT_CEILING,
                    &v, d) < 0)
        bad = 1;
    else if (cfg_get(node, "max_in_flight"))
        out->max_in_flight = (size_t)v;
    if (cfg_get_int(node, "max_events", "limits", 0, 1, RUN_LIMIT_CEILING, &v,
                    d) < 0)
        bad = 1;
    else if (cfg_get(node, "max_events"))
        out->max_events = (size_t)v;
    return bad ? -1 : 0;
}

int run_replications(const struct scenario *sc, struct run_result *res,
                     const struct run_hooks *hooks, int keep, struct diag *d,
                     size_t *n, size_t *done)
{
    struct run_hooks h;
    unsigned r;
    int st = SLM_OK;

    memset(&h, 0, sizeof h);
    if (hooks)
        h = *hooks;
    *n = *done = 0;
    for (r = 0; r < sc->replications && !st; r++) {
        st = run_result_init(&res[r], sc->nbackends);
        *n = r + 1;
        h.keep_extras = keep && r == 0; /* one realisation's series */
        if (!st)
            st = run_replication(sc, r, &h, d, &res[r]);
        if (!st)
            *done = r + 1;
    }
    return st;
}

const char *run_describe_stop(const struct scenario *sc,
                              const struct run_result *res, char *buf,
                              size_t size)
{
    double t = res->t_end > 0 ? res->t_end : 1e-9;
    double offered = (double)res->all_arrived / t;
    double served = (double)res->all_served / t;
    size_t inflight = res->in_system;

    if (res->stopped == SLM_EINTR) {
        snprintf(buf, size,
                 "replication %u interrupted at %.4g s of %.4g s",
                 res->replication + 1, res->t_end, sc->horizon);
        return buf;
    }
    snprintf(buf, size,
             "replication %u stopped at %.4g s of %.4g s: %s reached "
             "limits.%s = %zu (docs/limits.md); UNSTABLE: %.4g req/s "
             "offered, %.4g req/s served, %zu requests in the system",
             res->replication + 1, res->t_end, sc->horizon,
             res->limit == SIM_LIMIT_EVENTS ? "pending events"
                                            : "requests in flight",
             res->limit == SIM_LIMIT_EVENTS ? "max_events" : "max_in_flight",
             res->limit_value, offered, served, inflight);
    return buf;
}
