#include "study/whatif.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/accuracy.h"
#include "models/report.h"
#include "study/economics.h"
#include "study/jobs.h"

static const double whatif_fallback_rates[] = {0.05, 0.1, 0.2};

/* A variant to run: its routing, built in the worker. */
struct whatif_variant {
    enum router_policy policy;
    double rate;
};

struct whatif_ctx {
    const struct scenario *sc;
    const unsigned char *local; /* task-based: the narrow tasks */
    const struct whatif_variant *v;
    struct diag *d;
};

/* What crosses the pipe. */
struct whatif_row {
    double accuracy, monthly_cost;
};

/* Blended accuracy and monthly cost (as run) of res[0..n). */
static int whatif_score(const struct scenario *sc,
                        const struct run_result *res, size_t n,
                        struct whatif_row *row)
{
    struct report_routing rr;
    struct economics_month m;
    int st = economics_month(sc, res, n, &m);

    report_routing(sc, res, n, &rr);
    row->accuracy = rr.accuracy;
    row->monthly_cost = m.as_run;
    return st;
}

/* Variant k: sc with its routing, a shallow copy (routing and the count
 * of replications are all that differ). */
static int whatif_run(void *ctx, size_t k, void *out)
{
    const struct whatif_ctx *c = ctx;
    const struct whatif_variant *v = &c->v[k];
    struct scenario sc = *c->sc;
    struct run_result res[WHATIF_REPS];
    struct router_spec w;
    size_t n = 0;
    int st;

    st = router_spec_whatif(&c->sc->routing, v->policy,
                            v->policy == ROUTER_TASK_BASED ? c->local : NULL,
                            v->rate, &w);
    if (st)
        return st;
    sc.routing = w;
    sc.replications = sc.replications < WHATIF_REPS ? sc.replications
                                                     : WHATIF_REPS;
    memset(res, 0, sizeof res);
    for (unsigned r = 0; r < sc.replications && !st; r++) {
        st = run_result_init(&res[r], sc.nbackends);
        n = r + 1;
        if (!st)
            st = run_replication(&sc, r, NULL, c->d, &res[r]);
    }
    if (!st)
        st = whatif_score(&sc, res, n, out);
    for (size_t r = 0; r < n; r++)
        run_result_fini(&res[r]);
    router_spec_fini(&w);
    return st;
}

/* The tasks the fine-tuned model answers at least as well as the API:
 * the narrow ones a task-based router keeps local.  Returns how many. */
static size_t whatif_narrow(const struct scenario *sc, int few_shot,
                            unsigned char *local)
{
    size_t t, k = 0;

    for (t = 0; t < sc->workload.ntasks; t++) {
        double a = accuracy_task_local(&sc->workload.tasks[t]);
        double b = accuracy_task_api(&sc->workload.tasks[t], few_shot);
        local[t] = isfinite(a) && isfinite(b) && a >= b;
        k += local[t];
    }
    return k;
}

/* 1 when the scenario's own routing is already the variant (policy,
 * flags, rate): no need to run it again. */
static int whatif_is_own(const struct router_spec *own,
                         enum router_policy policy,
                         const unsigned char *local, double rate)
{
    size_t t;

    if (own->policy != policy)
        return 0;
    if (policy == ROUTER_TASK_BASED)
        for (t = 0; t < own->ntasks; t++)
            if (!own->task_local[t] != !local[t])
                return 0;
    return policy != ROUTER_CONFIDENCE_FALLBACK ||
           (own->fallback_rate == rate && own->fallback &&
            own->fallback[0] == rate);
}

/* The variants to run, in the figure's order; returns how many. */
static size_t whatif_variants(const struct scenario *sc, size_t narrow,
                              const unsigned char *local,
                              struct whatif_variant *v)
{
    struct whatif_variant all[WHATIF_MAX];
    size_t na = 0, n = 0;

    all[na++] = (struct whatif_variant){ROUTER_ALL_LOCAL, 0};
    all[na++] = (struct whatif_variant){ROUTER_ALL_API, 0};
    if (narrow > 0 && narrow < sc->workload.ntasks)
        all[na++] = (struct whatif_variant){ROUTER_TASK_BASED, 0};
    for (size_t i = 0; i < sizeof whatif_fallback_rates /
                               sizeof whatif_fallback_rates[0]; i++)
        all[na++] = (struct whatif_variant){ROUTER_CONFIDENCE_FALLBACK,
                                            whatif_fallback_rates[i]};
    for (size_t i = 0; i < na && n < WHATIF_MAX - 1; i++)
        if (!whatif_is_own(&sc->routing, all[i].policy, local, all[i].rate))
            v[n++] = all[i];
    return n;
}

static void whatif_label(struct whatif_point *p)
{
    if (p->policy == ROUTER_CONFIDENCE_FALLBACK && !p->own)
        snprintf(p->label, sizeof p->label, "fallback %g%%", 100 * p->rate);
    else
        snprintf(p->label, sizeof p->label, "%s",
                 router_policy_names[p->policy]);
}

int study_policy_whatifs(const struct scenario *sc,
                         const struct run_result *res, size_t n,
                         const struct study_jobs *jobs, struct diag *d,
                         struct study_whatifs *out)
{
    unsigned char local[WORKLOAD_MAX_TASKS];
    struct whatif_variant v[WHATIF_MAX];
    struct whatif_row rows[WHATIF_MAX], own;
    int status[WHATIF_MAX];
    struct report_routing rr;
    struct whatif_ctx c = {sc, local, v, d};
    struct jobs_spec js = {0};
    size_t nv;
    int st;

    memset(out, 0, sizeof *out);
    if (!sc->costs || sc->routing.local < 0 || sc->routing.api < 0 ||
        sc->routing.local == sc->routing.api)
        return SLM_OK;
    st = whatif_score(sc, res, n, &own);
    if (st || !isfinite(own.accuracy))
        return st;
    out->pt[0] = (struct whatif_point){sc->routing.policy, 1, 0, "",
                                       own.accuracy, own.monthly_cost};
    whatif_label(&out->pt[0]);
    out->n = 1;
    report_routing(sc, res, n, &rr);
    nv = whatif_variants(sc, whatif_narrow(sc, rr.few_shot, local), local,
                         v);
    js = (struct jobs_spec){.n = nv, .rowsize = sizeof rows[0],
                            .jobs = jobs ? jobs->jobs : 1,
                            .compute = whatif_run, .ctx = &c};
    if (jobs) {
        js.progress = jobs->progress;
        js.progress_ctx = jobs->progress_ctx;
    }
    st = jobs_run(&js, rows, status, NULL);
    for (size_t i = 0; i < nv && !st; i++) {
        struct whatif_point *p = &out->pt[out->n];
        if ((st = status[i]) != SLM_OK)
            break;
        *p = (struct whatif_point){v[i].policy, 0, v[i].rate, "",
                                   rows[i].accuracy, rows[i].monthly_cost};
        whatif_label(p);
        out->n += isfinite(p->accuracy);
    }
    return st;
}
