#include "study/economics.h"
#include "study/pricing.h"

#include <math.h>
#include <stdio.h>
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
    return sc->backends[b].kind->side != BACKEND_SIDE_API ? ECONOMICS_LOCAL
                                                     : ECONOMICS_API;
}

void economics_nominal(const struct scenario *sc, struct cost_inputs *in)
{
    study_nominal(sc, in);
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
    /* run prices the fleet it simulated, as declared. */
    in->fixed = 1;
    st = cost_tco_compute(sc->costs, *v, in, t);
    if (st) {
        mem_free(*v);
        *v = NULL;
    }
    return st;
}

/* cost.monthly's figures, from what economics_price made: the one
 * pricing path (study_price) at the measured inputs. */
static void economics_fill_month(const struct cost_spec *spec,
                                 const double *v, const struct cost_inputs *in,
                                 const struct cost_sim *m,
                                 const struct cost_tco *t,
                                 struct economics_month *out)
{
    struct study_bill bill;
    int o;

    memset(out, 0, sizeof *out);
    if (study_price(spec, v, in, &bill) != SLM_OK) {
        for (o = 0; o < COST_NOPTIONS; o++)
            out->monthly[o] = out->tco[o] = (double)NAN;
        return;
    }
    out->volume = in->volume;
    out->deployment = economics_deployment(m, t->has_hybrid);
    for (o = 0; o < COST_NOPTIONS; o++) {
        out->monthly[o] = bill.monthly[o];
        out->tco[o] = bill.tco[o];
        out->break_even_month[o] = bill.break_even_month[o];
        out->gpus[o] = bill.gpus[o];
    }
    out->total = out->monthly[out->deployment];
    out->months = bill.months;
    out->has_hybrid = bill.has_hybrid;
    out->as_run = out->total;
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
    jw_object_begin(w, "prices");
    jw_string(w, "gpu", sc->costs->basis_gpu);
    jw_string(w, "api", sc->costs->basis_api);
    jw_object_end(w);
    jw_object_begin(w, "fleet");
    jw_string(w, "basis", "as declared: replicas x tensor-parallel degree");
    jw_string(w, "gpu", sc->costs->gpu);
    jw_number(w, "gpus", sc->costs->fleet);
    jw_string(w, "acquire",
              sc->costs->acquire == COST_RENT ? "rent" : "buy");
    jw_object_end(w);
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

void economics_print_text(FILE *f, const struct scenario *sc,
                          const struct run_result *res, size_t n)
{
    static const char *const names[COST_NOPTIONS] = {"all local", "all API",
                                                     "hybrid"};
    struct economics_month m;
    const struct cost_spec *spec = sc->costs;
    char a[32], vol[32];
    int o;

    if (!spec || economics_month(sc, res, n, &m) != SLM_OK)
        return;
    fprintf(f, "\ncost (every ranged input at its middle; slmsim tco for "
               "the table and the ranges)\n");
    if (spec->gpu[0])
        fprintf(f, "  priced as declared: %.0f x %s%s (%s), API from %s\n",
                spec->fleet, spec->gpu,
                spec->acquire == COST_RENT ? " rented" : " bought",
                spec->basis_gpu, spec->basis_api);
    fprintf(f, "  monthly at %s queries:", units_format_volume(m.volume, vol,
                                                             sizeof vol));
    for (o = 0; o < COST_NOPTIONS; o++)
        if (o != COST_HYBRID || m.has_hybrid)
            fprintf(f, "%s %s %s%s", o ? "," : "", names[o],
                    units_format_money(m.monthly[o], a, sizeof a),
                    o == (int)m.deployment ? " (this scenario)" : "");
    fprintf(f, "\n  %d-month TCO:", m.months);
    for (o = 0; o < COST_NOPTIONS; o++)
        if (o != COST_HYBRID || m.has_hybrid)
            fprintf(f, "%s %s %s", o ? "," : "", names[o],
                    units_format_money(m.tco[o], a, sizeof a));
    if (m.deployment != COST_API) {
        int be = m.break_even_month[m.deployment];
        if (!spec->has_api_price)
            fprintf(f, "; no API price to pay back against\n");
        else if (be > 0)
            fprintf(f, "; pays back against all API in month %d\n", be);
        else
            fprintf(f, "; does not pay back against all API\n");
    } else {
        fprintf(f, "\n");
    }
}
