#include "study/cost.h"

#include <stdio.h>
#include <string.h>

#include "models/report.h"
#include "sim/mem.h"
#include "sim/status.h"
#include "sim/units.h"
#include "study/capacity.h"
#include "study/economics.h"

int study_cost_init(struct study_cost *c, struct scenario *sc, int borrowed)
{
    memset(c, 0, sizeof *c);
    c->sc = sc;
    c->borrowed = borrowed;
    c->spec = sc->costs;
    c->v = mem_alloc(c->spec->nparams * sizeof *c->v);
    if (!c->v)
        return SLM_ENOMEM;
    cost_values(c->spec, COST_PICK_MID, c->v);
    economics_nominal(sc, &c->nominal);
    c->simulated = c->nominal;
    return SLM_OK;
}

void study_cost_fini(struct study_cost *c)
{
    mem_free(c->v);
    if (!c->borrowed)
        scenario_free(c->sc);
    memset(c, 0, sizeof *c);
}

void study_cost_measured(struct study_cost *c, const struct run_result *res,
                         size_t n)
{
    struct cost_sim s;

    economics_measured(c->sc, res, n, &s);
    cost_inputs_simulated(&c->nominal, &s, &c->simulated);
    c->has_sim = 1;
}

int study_cost_simulate(struct study_cost *c, struct diag *d)
{
    const struct scenario *sc = c->sc;
    struct run_result *res = mem_calloc(sc->replications, sizeof *res);
    unsigned r, n = 0;
    int st = SLM_OK;

    if (!res)
        return SLM_ENOMEM;
    for (r = 0; r < sc->replications && !st; r++, n++) {
        st = run_result_init(&res[r], sc->nbackends);
        if (!st)
            st = run_replication(sc, r, NULL, d, &res[r]);
    }
    if (!st)
        study_cost_measured(c, res, n);
    for (r = 0; r < n; r++)
        run_result_fini(&res[r]);
    mem_free(res);
    return st;
}

/* "e2e_p99 2 s" or "ttft_p99 1 s, e2e_p99 2 s": the SLO in force. */
static const char *cost_slo_text(const struct scenario_slo *slo, char *buf,
                                 size_t size)
{
    char a[32], b[32];

    snprintf(buf, size, "%s%s%s%s%s",
             slo->ttft_p99 > 0 ? "ttft_p99 " : "",
             slo->ttft_p99 > 0 ? report_fmt_time(slo->ttft_p99, a, sizeof a)
                               : "",
             slo->ttft_p99 > 0 && slo->e2e_p99 > 0 ? ", " : "",
             slo->e2e_p99 > 0 ? "e2e_p99 " : "",
             slo->e2e_p99 > 0 ? report_fmt_time(slo->e2e_p99, b, sizeof b)
                              : "");
    return buf;
}

/* "2M" or "none probed" (volume 0); buf holds 32 bytes. */
static const char *cost_fmt_volume(double volume, char *buf)
{
    if (volume <= 0)
        return "none probed";
    return study_fmt_count(volume, buf, 32);
}

/* Refuses what cannot be priced, located at the file. */
static int cost_capacity_refuse(const struct scenario *sc, struct diag *d,
                                const char *what)
{
    struct diag_pos at = {sc->path, 0, 0};

    diag_error(d, &at, "cannot simulate costs.queries_per_month_per_gpu: "
                       "%s", what);
    return SLM_EINPUT;
}

int study_cost_capacity_plan(struct study_cost *c, int may_search,
                             struct diag *d, int *search)
{
    const struct scenario *sc = c->sc;
    const struct cost_param_def *pd = &c->spec->params[COST_P_QUERIES_PER_GPU];
    int b = study_capacity_backend(sc, NULL);
    int slo = sc->slo.ttft_p99 > 0 || sc->slo.e2e_p99 > 0;
    char n[32];

    *search = -1;
    if (pd->given) {
        c->capacity_source = STUDY_CAPACITY_DECLARED;
        c->capacity = c->v[COST_P_QUERIES_PER_GPU];
        snprintf(c->capacity_note, sizeof c->capacity_note,
                 "%s queries/month per GPU, declared "
                 "(queries_per_month_per_gpu)",
                 study_fmt_count(c->capacity, n, sizeof n));
        return SLM_OK;
    }
    if (b >= 0 && slo && may_search) {
        *search = b;
        return SLM_OK;
    }
    if (c->spec->capacity_simulate && may_search)
        return cost_capacity_refuse(
            sc, d,
            b == STUDY_CAPACITY_AMBIGUOUS
                ? "several gpu backends (declare the capacity)"
            : !slo && b >= 0
                ? "no slo to hold (set slo.ttft_p99 and/or slo.e2e_p99)"
                : "no backend of kind gpu to simulate");
    snprintf(c->capacity_note, sizeof c->capacity_note,
             "per GPU unknown: one GPU whatever the volume%s",
             b < 0         ? ""
             : !may_search ? " (slmsim tco simulates it at the SLO)"
                           : " (no slo to simulate it at)");
    return SLM_OK;
}

int study_cost_capacity_take(struct study_cost *c, int b,
                             const struct scenario *probe,
                             const struct capacity_result *r,
                             struct diag *d)
{
    const char *name = c->sc->backends[b].name;
    const struct capacity_probe *p;
    char slo[96], why[320], m[32], pm[32], f[32], hz[32], sure[2][32];

    cost_slo_text(&c->sc->slo, slo, sizeof slo);
    if (r->status == CAPACITY_INCONCLUSIVE) {
        char note[400];
        capacity_inconclusive(r, "--capacity-horizon", note, sizeof note);
        snprintf(why, sizeof why, "the capacity per GPU of '%s' could not "
                 "be decided at the slo (%.60s): %.150s", name, slo, note);
        return cost_capacity_refuse(c->sc, d, why);
    }
    if (r->status == CAPACITY_INFEASIBLE) {
        p = &r->probe[r->fail];
        snprintf(why, sizeof why, "no volume meets the slo (%s) on one "
                 "replica of '%s': even at %s/month, the lowest probed, %s "
                 "fails (declare the capacity, or relax the slo)", slo, name,
                 study_fmt_count(p->rate * UNITS_MONTH, m, sizeof m),
                 p->failed);
        return cost_capacity_refuse(c->sc, d, why);
    }
    p = &r->probe[r->pass];
    c->capacity_source = STUDY_CAPACITY_SIMULATED;
    c->capacity = capacity_per_gpu_month(r);
    c->capacity_backend = name;
    c->capacity_pass = p->rate * UNITS_MONTH;
    c->capacity_fail = r->fail >= 0 ? r->probe[r->fail].rate * UNITS_MONTH
                                    : 0;
    /* Busy fraction per query/month a GPU serves, measured there. */
    c->nominal.util_per_query = p->utilization / c->capacity;
    capacity_sure_range(r, &c->capacity_sure[0], &c->capacity_sure[1]);
    c->capacity_sure[0] *= UNITS_MONTH;
    c->capacity_sure[1] *= UNITS_MONTH;
    snprintf(c->capacity_note, sizeof c->capacity_note,
             "%s queries/month per GPU (served at the highest passing "
             "probe), simulated at the SLO %s (one replica of '%s', %u x %s "
             "probes; offered bracket [%s, %s]/month%s; "
             "95%% sure of a pass at %s, a failure at %s)",
             study_fmt_count(c->capacity, m, sizeof m), slo, name,
             probe->replications,
             report_fmt_time(probe->horizon, hz, sizeof hz),
             study_fmt_count(c->capacity_pass, pm, sizeof pm),
             r->fail >= 0 ? study_fmt_count(c->capacity_fail, f, sizeof f)
                          : "-",
             r->fail >= 0 ? "" : ": at least, the search limit",
             cost_fmt_volume(c->capacity_sure[0], sure[0]),
             cost_fmt_volume(c->capacity_sure[1], sure[1]));
    c->nominal.capacity = c->capacity;
    c->simulated = c->nominal;
    return SLM_OK;
}
