#include "study/pricing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/api.h"
#include "models/gpu.h"
#include "sim/arrivals.h"
#include "sim/dist.h"
#include "sim/mem.h"
#include "sim/units.h"
#include "study/economics.h"

void study_pricing_system(const struct scenario *sc, struct cost_system *sys)
{
    memset(sys, 0, sizeof *sys);
    for (size_t b = 0; b < sc->nbackends; b++) {
        const struct scenario_backend *be = &sc->backends[b];
        enum economics_side side = economics_side(sc, b);
        if (side == ECONOMICS_LOCAL && be->kind == &gpu_backend_kind) {
            long tp = 1;
            const struct gpu_spec *g = gpu_cfg_hardware(be->cfg, &tp);
            double n = (double)gpu_cfg_replicas(be->cfg) * (double)tp;
            if (!sys->gpu) {
                sys->gpu = g->name;
                sys->catalog_price = g->price;
                sys->catalog_tdp = g->tdp;
                sys->catalog_idle = g->idle_power;
                sys->catalog_rent = g->rent_per_hour;
                sys->gpus_per_replica = (double)tp;
            }
            sys->gpus += n;
        } else if (side == ECONOMICS_API && be->kind == &api_kind &&
                   !sys->has_api) {
            const struct api_cfg *c = be->cfg;
            sys->has_api = 1;
            sys->api_backend = be->name;
            sys->api_preset = c->preset;
            sys->api_input_per_1m = c->input_per_1m;
            sys->api_output_per_1m = c->output_per_1m;
        }
    }
}

int study_pricing_bind(struct scenario *sc, struct diag *d)
{
    struct cost_system sys;
    int st;

    if (!sc->costs || sc->costs->bound)
        return SLM_OK;
    study_pricing_system(sc, &sys);
    st = cost_bind(sc->costs, &sys, d);
    return st == SLM_ENOMEM ? SLM_ENOMEM : st ? SLM_EINPUT : SLM_OK;
}

/* Billed attempts per API answer: the validator asks again after a
 * rejection, up to format_retries times. */
static double study_reask_factor(const struct router_spec *r)
{
    double f = 1, p = 1;

    for (long k = 0; k < r->format_retries && r->format_error_rate > 0; k++) {
        p *= r->format_error_rate;
        f += p;
    }
    return f;
}

/* Share of task i's queries the routing sends local first (NaN: depends
 * on the run). */
static double study_task_local(const struct scenario *sc, size_t i)
{
    const struct router_spec *r = &sc->routing;
    double s = 0;

    switch (r->policy) {
    case ROUTER_TASK_BASED:
        return r->task_local && r->task_local[i] ? 1 : 0;
    case ROUTER_CONFIDENCE_FALLBACK:
    case ROUTER_ALL_LOCAL:
        return 1;
    case ROUTER_ALL_API:
        return 0;
    case ROUTER_SPLIT:
        for (size_t b = 0; b < sc->nbackends && r->cum_share; b++)
            if (economics_side(sc, b) == ECONOMICS_LOCAL)
                s += r->cum_share[b] - (b ? r->cum_share[b - 1] : 0.0);
        return s;
    default:
        return (double)NAN;
    }
}

void study_nominal(const struct scenario *sc, struct cost_inputs *in)
{
    const struct workload_spec *w = &sc->workload;
    const struct router_spec *r = &sc->routing;
    double reask = study_reask_factor(r), local = 0, api = 0;
    double api_in = 0, api_out = 0, all_in = 0, all_out = 0;
    int known = 1;
    struct cost_system sys;

    memset(in, 0, sizeof *in);
    in->volume = arrivals_mean_rate(&w->arrivals) * UNITS_MONTH;
    for (size_t i = 0; i < w->ntasks; i++) {
        double s = w->tasks[i].share;
        double ti = dist_mean(&w->tasks[i].input_tokens);
        double to = dist_mean(&w->tasks[i].output_tokens);
        double l = study_task_local(sc, i);
        double billed;
        all_in += s * ti;
        all_out += s * to;
        if (isnan(l)) {
            known = 0;
            continue;
        }
        /* Escalated answers go on to the API and are paid there too. */
        billed = (s * (1 - l) + s * l * router_fallback_share(r, (int)i)) *
                 reask;
        local += s * l;
        api += billed;
        api_in += billed * ti;
        api_out += billed * to;
    }
    in->input_tokens = api > 0 ? api_in / api : all_in;
    in->output_tokens = api > 0 ? api_out / api : all_out;
    in->all_api_input_tokens = all_in * reask;
    in->all_api_output_tokens = all_out * reask;
    in->local_share = (double)NAN;
    if (known && local > 0 && api > 0) {
        in->local_share = local;
        in->api_share = api;
    }
    study_pricing_system(sc, &sys);
    in->fleet = sys.gpus >= 1 ? sys.gpus : 1;
    in->gpu_step = sys.gpus_per_replica >= 1 ? sys.gpus_per_replica : 1;
}

void study_measured(const struct scenario *sc, const struct run_result *res,
                    size_t n, struct cost_inputs *in)
{
    struct cost_inputs nominal;
    struct cost_sim m;

    study_nominal(sc, &nominal);
    economics_measured(sc, res, n, &m);
    cost_inputs_simulated(&nominal, &m, in);
}

int study_price(const struct cost_spec *spec, const double *v,
                const struct cost_inputs *in, struct study_bill *out)
{
    struct cost_tco t;
    int st;

    memset(out, 0, sizeof *out);
    st = cost_tco_compute(spec, v, in, &t);
    if (st)
        return st;
    out->volume = in->volume;
    out->months = t.months;
    out->has_hybrid = t.has_hybrid;
    for (int o = 0; o < COST_NOPTIONS; o++) {
        int skip = o == COST_HYBRID && !t.has_hybrid;
        out->monthly[o] = skip ? (double)NAN
                               : cost_monthly_at(spec, v, in,
                                                 (enum cost_option)o,
                                                 in->volume, 0, NULL);
        out->per_1k[o] = t.per_1k_queries[o];
        out->tco[o] = t.tco[o];
        out->break_even_month[o] = t.break_even_month[o];
        out->gpus[o] = t.m[0].gpus[o];
        out->gpus_last[o] = t.m[t.months - 1].gpus[o];
        for (int i = 0; i < t.months && !out->grow_month[o]; i++)
            if (t.m[i].gpus[o] > (in->fleet >= 1 ? in->fleet : 1))
                out->grow_month[o] = i + 1;
    }
    cost_tco_fini(&t);
    return SLM_OK;
}

const char *study_fleet_text(const struct cost_spec *spec,
                             const struct study_bill *b, enum cost_option o,
                             int fixed, char *buf, size_t size)
{
    const char *gpu = spec->gpu[0] ? spec->gpu : "GPU";
    const char *how = spec->acquire == COST_RENT ? " rented" : "";

    if (o == COST_API)
        snprintf(buf, size, "no GPUs");
    else if (fixed || !b->grow_month[o])
        snprintf(buf, size, "priced as declared: %d x %s%s", b->gpus[o], gpu,
                 how);
    else
        snprintf(buf, size, "sized: %.0f -> %d x %s%s from month %d",
                 spec->fleet, b->gpus_last[o], gpu, how, b->grow_month[o]);
    return buf;
}
