#include "models/economics.h"

#include <math.h>
#include <string.h>

#include "sim/arrivals.h"
#include "sim/dist.h"
#include "sim/mem.h"
#include "sim/units.h"

/* Crossovers are searched up to this volume: far beyond any one site. */
#define ECONOMICS_MAX_VOLUME 1e10

enum economics_side economics_side(const struct scenario *sc, size_t b)
{
    if ((int)b == sc->routing.delay_backend)
        return ECONOMICS_NONE;
    if (sc->routing.side && b < sc->routing.nb)
        return sc->routing.side[b] == ROUTER_API ? ECONOMICS_API
                                                 : ECONOMICS_LOCAL;
    return strcmp(sc->backends[b].kind->name, "api") ? ECONOMICS_LOCAL
                                                     : ECONOMICS_API;
}

/* Share of requests the routing sends local before any escalation, or NaN
 * when it depends on the run (overflow, failover, fallback). */
static double economics_local_share(const struct scenario *sc)
{
    const struct router_spec *r = &sc->routing;
    const struct workload_spec *w = &sc->workload;
    double local = 0.0, api = 0.0;
    size_t i;

    switch (r->policy) {
    case ROUTER_SPLIT:
        for (i = 0; i < sc->nbackends && r->cum_share; i++) {
            double s = r->cum_share[i] - (i ? r->cum_share[i - 1] : 0.0);
            enum economics_side side = economics_side(sc, i);
            local += side == ECONOMICS_LOCAL ? s : 0.0;
            api += side == ECONOMICS_API ? s : 0.0;
        }
        break;
    case ROUTER_TASK_BASED:
        for (i = 0; i < w->ntasks && r->task_local; i++) {
            local += r->task_local[i] ? w->tasks[i].share : 0.0;
            api += r->task_local[i] ? 0.0 : w->tasks[i].share;
        }
        break;
    default:
        return (double)NAN;
    }
    if (local > 0.0 && api > 0.0)
        return local / (local + api);
    return (double)NAN;
}

void economics_nominal(const struct scenario *sc, struct cost_inputs *in)
{
    const struct workload_spec *w = &sc->workload;
    size_t i;

    memset(in, 0, sizeof *in);
    in->volume = arrivals_mean_rate(&w->arrivals) * UNITS_MONTH;
    for (i = 0; i < w->ntasks; i++) {
        in->input_tokens += w->tasks[i].share *
                            dist_mean(&w->tasks[i].input_tokens);
        in->output_tokens += w->tasks[i].share *
                             dist_mean(&w->tasks[i].output_tokens);
    }
    in->local_share = economics_local_share(sc);
}

static double economics_figure(const struct run_backend *rb, const char *key,
                               double fallback)
{
    size_t k;

    for (k = 0; k < rb->fig.n; k++)
        if (!strcmp(rb->fig.f[k].key, key))
            return rb->fig.f[k].value;
    return fallback;
}

void economics_measured(const struct scenario *sc,
                        const struct run_result *res, size_t n,
                        struct cost_sim *out)
{
    double months = 0.0, util_sum = 0.0, local_backends = 0.0;
    size_t r, b;

    memset(out, 0, sizeof *out);
    for (r = 0; r < n; r++) {
        months += res[r].window / UNITS_MONTH;
        out->queries += (double)res[r].arrived;
        for (b = 0; b < sc->nbackends; b++) {
            const struct run_backend *rb = &res[r].backend[b];
            switch (economics_side(sc, b)) {
            case ECONOMICS_LOCAL:
                out->local_queries += (double)rb->completed;
                util_sum += economics_figure(rb, "utilization", 0.0);
                local_backends += 1.0;
                break;
            case ECONOMICS_API:
                /* the API bills retried attempts too, when it says so */
                out->api_queries += (double)rb->completed;
                out->api_input_tokens +=
                    economics_figure(rb, "billed.input_tokens", rb->tokens_in);
                out->api_output_tokens += economics_figure(
                    rb, "billed.output_tokens", rb->tokens_out);
                break;
            case ECONOMICS_NONE:
                break;
            }
        }
    }
    if (months > 0.0) {
        out->queries /= months;
        out->local_queries /= months;
        out->api_queries /= months;
        out->api_input_tokens /= months;
        out->api_output_tokens /= months;
    }
    if (local_backends > 0.0) {
        out->local_utilization = util_sum / local_backends;
        out->local_gpus = local_backends / (double)n;
    }
}

static void economics_options(struct jw *w, const char *key,
                              const double *v, int has_hybrid, double total)
{
    jw_object_begin(w, key);
    jw_number(w, "local", v[COST_LOCAL]);
    jw_number(w, "api", v[COST_API]);
    if (has_hybrid)
        jw_number(w, "hybrid", v[COST_HYBRID]);
    jw_number(w, "total", total);
    jw_object_end(w);
}

/* The option the scenario's own deployment is. */
static enum cost_option economics_deployment(const struct cost_sim *m,
                                             int has_hybrid)
{
    if (m->local_queries > 0.0 && m->api_queries > 0.0 && has_hybrid)
        return COST_HYBRID;
    return m->api_queries > 0.0 && m->local_queries == 0.0 ? COST_API
                                                           : COST_LOCAL;
}

static void economics_crossover(struct jw *w, const struct cost_spec *spec,
                                const double *v, const struct cost_inputs *in)
{
    struct cost_crossover x;
    size_t i;

    cost_crossover_find(spec, v, in, COST_LOCAL, 1, ECONOMICS_MAX_VOLUME, &x);
    jw_object_begin(w, "crossover");
    jw_string(w, "basis", "local vs api, steady month, one-time costs "
                          "spread over the amortisation");
    jw_array_begin(w, "queries_per_month");
    for (i = 0; i < x.n; i++)
        jw_number(w, NULL, x.c[i].volume);
    jw_array_end(w);
    jw_object_end(w);
}

static void economics_tco(struct jw *w, const struct cost_tco *t,
                          enum cost_option dep)
{
    int o;
    double per_1k[COST_NOPTIONS];

    for (o = 0; o < COST_NOPTIONS; o++)
        per_1k[o] = t->per_1k_queries[o];
    economics_options(w, "per_1k_queries", per_1k, t->has_hybrid,
                      per_1k[dep]);
    jw_object_begin(w, "tco");
    jw_int(w, "months", t->months);
    jw_number(w, "local", t->tco[COST_LOCAL]);
    jw_number(w, "api", t->tco[COST_API]);
    if (t->has_hybrid)
        jw_number(w, "hybrid", t->tco[COST_HYBRID]);
    jw_object_end(w);
    jw_object_begin(w, "break_even_month");
    jw_int(w, "local", t->break_even_month[COST_LOCAL]);
    if (t->has_hybrid)
        jw_int(w, "hybrid", t->break_even_month[COST_HYBRID]);
    jw_object_end(w);
}

/* The middle values, the simulated inputs and the table they make;
 * *v owned by the caller (mem_free), t by cost_tco_fini. */
static int economics_price(const struct scenario *sc,
                           const struct run_result *res, size_t n,
                           double **v, struct cost_inputs *in,
                           struct cost_sim *m, struct cost_tco *t)
{
    struct cost_inputs nominal;
    int st;

    *v = mem_alloc(sc->costs->nparams * sizeof **v);
    if (!*v)
        return SLM_ENOMEM;
    cost_values(sc->costs, COST_PICK_MID, *v);
    economics_nominal(sc, &nominal);
    economics_measured(sc, res, n, m);
    cost_inputs_simulated(&nominal, m, in);
    st = cost_tco_compute(sc->costs, *v, in, t);
    if (st) {
        mem_free(*v);
        *v = NULL;
    }
    return st;
}

/* cost.monthly's figures, from what economics_price made. */
static void economics_fill_month(const struct cost_spec *spec,
                                 const double *v, const struct cost_inputs *in,
                                 const struct cost_sim *m,
                                 const struct cost_tco *t,
                                 struct economics_month *out)
{
    int o;

    out->volume = in->volume;
    out->deployment = economics_deployment(m, t->has_hybrid);
    for (o = 0; o < COST_NOPTIONS; o++)
        out->monthly[o] = o == COST_HYBRID && !t->has_hybrid
                              ? (double)NAN
                              : cost_monthly_at(spec, v, in,
                                                (enum cost_option)o,
                                                in->volume, 0, NULL);
    out->total = out->monthly[out->deployment];
    out->months = t->months;
    out->has_hybrid = t->has_hybrid;
    for (o = 0; o < COST_NOPTIONS; o++) {
        out->tco[o] = t->tco[o];
        out->break_even_month[o] = t->break_even_month[o];
    }
    out->as_run = m->local_queries > 0.0
                      ? cost_monthly_at(spec, v, in, COST_LOCAL,
                                        m->local_queries, 0, NULL)
                      : 0.0;
    out->as_run += (m->api_input_tokens * v[COST_P_API_INPUT_PER_1M] +
                    m->api_output_tokens * v[COST_P_API_OUTPUT_PER_1M]) /
                   1e6;
}

int economics_month(const struct scenario *sc, const struct run_result *res,
                    size_t n, struct economics_month *out)
{
    struct cost_inputs in;
    struct cost_sim m;
    struct cost_tco t;
    double *v;
    int st = economics_price(sc, res, n, &v, &in, &m, &t);

    if (st)
        return st;
    economics_fill_month(sc->costs, v, &in, &m, &t, out);
    cost_tco_fini(&t);
    mem_free(v);
    return SLM_OK;
}

int economics_write_json(struct jw *w, const struct scenario *sc,
                         const struct run_result *res, size_t n)
{
    struct economics_month mo;
    struct cost_inputs in;
    struct cost_sim m;
    struct cost_tco t;
    double *v;
    int st;

    if (!sc->costs)
        return SLM_OK;
    st = economics_price(sc, res, n, &v, &in, &m, &t);
    if (st)
        return st;
    economics_fill_month(sc->costs, v, &in, &m, &t, &mo);
    jw_object_begin(w, "cost");
    jw_string(w, "basis", "simulated: the runs' volume, billed tokens and "
                          "utilisation; every ranged input at its middle; "
                          "capex amortised (accrual), one-time costs as "
                          "costs.one_time_accounting says");
    jw_string(w, "capacity_basis",
              sc->costs->params[COST_P_QUERIES_PER_GPU].given
                  ? "declared: costs.queries_per_month_per_gpu"
                  : "none here: one GPU at any volume (slmsim tco, "
                    "crossover and sensitivity simulate it at the SLO)");
    jw_string(w, "deployment", cost_option_names[mo.deployment]);
    jw_number(w, "queries_per_month", mo.volume);
    economics_options(w, "monthly", mo.monthly, t.has_hybrid, mo.total);
    economics_tco(w, &t, mo.deployment);
    economics_crossover(w, sc->costs, v, &in);
    jw_object_end(w);
    cost_tco_fini(&t);
    mem_free(v);
    return SLM_OK;
}
