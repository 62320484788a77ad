#include "models/run.h"

#include <string.h>

#include "sim/mem.h"

const char *const run_metric_names[RUN_NMETRICS] = {"wait", "e2e", "ttft",
                                                    "tpot"};

struct run {
    const struct scenario *sc;
    struct sim *s;
    struct run_result *res;
    struct arrivals *arrivals;
    struct arrival next;  /* the arrival scheduled but not yet handled */
    gsl_rng *r_mix, *r_route;
    void *inst[SCENARIO_MAX_BACKENDS];
    struct backend_env env[SCENARIO_MAX_BACKENDS];
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
    for (b = 0; b < out->nbackends; b++)
        for (m = 0; m < RUN_NMETRICS; m++)
            metric_fini(&out->backend[b].lat[m]);
}

/* Records a request that left backend b and returns it to the pool. */
static void run_done(struct sim *s, void *ctx, struct request *r,
                     enum backend_outcome outcome)
{
    struct run *run = ctx;
    struct run_result *res = run->res;
    struct run_backend *rb = &res->backend[r->backend];
    int tokens = run->sc->backends[r->backend].kind->has_tokens;
    double now = sim_now(s);

    if (r->flags & REQUEST_MEASURED) {
        if (outcome == BACKEND_DONE) {
            double tpot = r->output_tokens > 1
                              ? (now - r->t_first_token) / (r->output_tokens - 1)
                              : -1.0;
            res->completed++;
            rb->completed++;
            rb->tokens_in += r->input_tokens;
            rb->tokens_out += r->output_tokens;
            metric_add(&rb->lat[RUN_WAIT], r->t_start - r->t_enqueue);
            metric_add(&rb->lat[RUN_E2E], now - r->t_enqueue);
            metric_add(&res->overall[RUN_WAIT], r->t_start - r->t_arrival);
            metric_add(&res->overall[RUN_E2E], now - r->t_arrival);
            if (tokens) {
                metric_add(&rb->lat[RUN_TTFT], r->t_first_token - r->t_enqueue);
                metric_add(&res->overall[RUN_TTFT],
                           r->t_first_token - r->t_arrival);
                if (tpot >= 0.0) {
                    metric_add(&rb->lat[RUN_TPOT], tpot);
                    metric_add(&res->overall[RUN_TPOT], tpot);
                }
            }
        } else if (outcome == BACKEND_FAILED) {
            res->failed++;
            rb->failed++;
        } else {
            res->rejected++;
            rb->rejected++;
        }
    }
    sim_request_free(s, r);
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
    sim_schedule_at(run->s, run->next.t, run_arrival, run, NULL);
}

static void run_arrival(struct sim *s, void *ctx, void *arg)
{
    struct run *run = ctx;
    struct request *r = sim_request_new(s);
    int b;

    (void)arg;
    if (!r)
        return;
    workload_fill_request(&run->sc->workload, &run->next, run->r_mix, r);
    run->res->last_arrival = r->t_arrival;
    if (r->flags & REQUEST_MEASURED) {
        struct run_task *t = &run->res->task[r->task];
        run->res->arrived++;
        t->requests++;
        t->tokens_in += r->input_tokens;
        t->tokens_out += r->output_tokens;
    }
    b = router_choose(&run->sc->routing, r, run->r_route);
    r->backend = b;
    r->t_enqueue = sim_now(s);
    run_schedule_next(run);
    run->sc->backends[b].kind->submit(s, run->inst[b], r);
}

static int run_setup(struct run *run, struct diag *d)
{
    const struct scenario *sc = run->sc;
    size_t b;
    int st = SLM_OK;

    run->r_mix = sim_stream(run->s, "workload.tasks");
    run->r_route = sim_stream(run->s, "router");
    if (!run->r_mix || !run->r_route)
        return SLM_ENOMEM;
    for (b = 0; b < sc->nbackends; b++) {
        run->env[b].done = run_done;
        run->env[b].ctx = run;
        run->env[b].workload = &sc->workload;
        run->env[b].index = (int)b;
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
    size_t b;
    int st;

    memset(&run, 0, sizeof run);
    run.sc = sc;
    run.res = out;
    out->replication = rep;
    out->window = sc->horizon - sc->warmup;
    out->ntasks = sc->workload.ntasks;
    run.s = sim_new(&cfg);
    if (!run.s)
        return SLM_ENOMEM;
    if (hooks && hooks->progress)
        sim_set_progress(run.s, hooks->progress, hooks->progress_ctx);
    st = run_setup(&run, d);
    if (!st) {
        run_schedule_next(&run);
        st = sim_run(run.s);
    }
    if (!st && run.status)
        st = run.status;
    if (!st) {
        for (b = 0; b < sc->nbackends; b++)
            sc->backends[b].kind->collect(run.inst[b], run.s,
                                          &out->backend[b].fig);
        out->in_flight = out->arrived - out->completed - out->failed -
                         out->rejected;
        out->events = sim_events(run.s);
        out->peak_in_flight = sim_requests_peak(run.s);
        out->evq_peak = sim_evq_peak(run.s);
    }
    run_teardown(&run);
    return st;
}
