/*
 * pricing: every dollar figure of a scenario, by one path.
 *
 * A deployment's cost is derived from the simulated system:
 *   - the local side's GPUs are replicas x tensor-parallel degree of its
 *     gpu backends, each priced and powered from costs.prices.<GPU> where
 *     the site lists it, else from the catalog (models/catalog.c: list
 *     price, TDP, idle watts), bought (capex, power, facility) or rented
 *     per GPU-hour (costs.acquire: rent);
 *   - the API side is priced from the api backend's own pricing (its
 *     preset, or explicit figures), at the tokens the routing sends it:
 *     per task, escalations and validator re-asks included (nominal), or
 *     the tokens the runs billed (measured).
 * costs: keeps only the site and the plan ($/kWh, PUE, facility, ops,
 * one-time items, months, amortisation, growth, accounting).
 *
 * study_pricing_bind() ties a loaded scenario's cost spec to its system;
 * every command calls it once after loading (cli_load_scenario does).
 * study_price() is the one function that turns inputs into the figures a
 * reader sees: run's report and results.json, tco, crossover, sensitivity,
 * compare and every cost figure call it or the cost model through the
 * inputs it builds, so none of them can disagree.
 */
#ifndef SLM_STUDY_PRICING_H
#define SLM_STUDY_PRICING_H

#include <stddef.h>

#include "models/cost.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"

/* Binds sc->costs (when present) to sc's backends (see above).  Returns
 * 0, or SLM_EINPUT after reporting located errors to d, or SLM_ENOMEM. */
int study_pricing_bind(struct scenario *sc, struct diag *d);

/* The system's figures cost_bind reads, for the report and tests. */
void study_pricing_system(const struct scenario *sc, struct cost_system *sys);

/* The nominal inputs: declared volume per month, the fleet as declared,
 * and per side the traffic the routing sends it: the local share, the
 * API's share of the volume (escalations and re-asks included) and the
 * mean tokens of the queries it bills; the all-API option at the
 * workload's own mean tokens (re-asks included). */
void study_nominal(const struct scenario *sc, struct cost_inputs *in);

/* The nominal inputs overlaid with what replications res[0..n) measured:
 * volume, billed tokens per API query, shares served per side, GPU
 * utilisation. */
void study_measured(const struct scenario *sc, const struct run_result *res,
                    size_t n, struct cost_inputs *in);

/* What one option set costs: the steady month (capex as its charge, no
 * one-time costs) and the plan over costs.months. */
struct study_bill {
    double volume;                 /* queries per month, month 1 */
    double monthly[COST_NOPTIONS]; /* dollars; NaN when not priced */
    double per_1k[COST_NOPTIONS];  /* dollars per 1K queries, month 1 */
    double tco[COST_NOPTIONS];     /* accrual over the months */
    int break_even_month[COST_NOPTIONS]; /* cash, vs all API; 0: never */
    int gpus[COST_NOPTIONS];       /* GPUs in month 1 */
    int gpus_last[COST_NOPTIONS];  /* GPUs in the last month */
    int grow_month[COST_NOPTIONS]; /* first month with more GPUs; 0 none */
    int months;
    int has_hybrid;
};

/* Prices in at parameter values v (cost_values).  Returns 0 or
 * SLM_ENOMEM. */
int study_price(const struct cost_spec *spec, const double *v,
                const struct cost_inputs *in, struct study_bill *out);

/* "priced as declared: 2 x L40S" or "sized: 1 -> 3 x L40S in month 19",
 * for option o of bill b.  Returns buf. */
const char *study_fleet_text(const struct cost_spec *spec,
                             const struct study_bill *b, enum cost_option o,
                             int fixed, char *buf, size_t size);

#endif
