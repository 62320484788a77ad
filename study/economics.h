/*
 * economics: the cost model (models/cost.h) applied to a scenario and to
 * the replications that ran it.
 *
 * cost.c prices plain numbers; this module says where the numbers come
 * from: the declared volume and the workload's mean token counts (the
 * "nominal" figures, the spreadsheet's arithmetic), and what the runs
 * measured (arrivals, completions per side, tokens the API billed
 * including retries, GPU utilisation).  Which backend is on which side of
 * the bill is the router's answer (struct router_spec.side); a station is
 * local unless the router puts it on the API side.
 */
#ifndef SLM_STUDY_ECONOMICS_H
#define SLM_STUDY_ECONOMICS_H

#include <stddef.h>
#include <stdio.h>

#include "models/cost.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/out.h"

enum economics_side { ECONOMICS_NONE, ECONOMICS_LOCAL, ECONOMICS_API };

/* The side of the bill backend b is on (the router-delay station: none). */
enum economics_side economics_side(const struct scenario *sc, size_t b);

/* The nominal inputs: volume per month from the arrival process, tokens
 * per query from the task mix, the hybrid share kept local from the
 * routing (split shares, or task-based task shares; NaN otherwise). */
void economics_nominal(const struct scenario *sc, struct cost_inputs *in);

/* What replications res[0..n) measured, per month of measurement window
 * (see struct cost_sim). */
void economics_measured(const struct scenario *sc,
                        const struct run_result *res, size_t n,
                        struct cost_sim *out);

/* The steady month at the simulated volume, priced from runs
 * res[0..n): capex as its amortisation charge, without one-time costs,
 * every ranged input at its middle (what cost.monthly reports). */
struct economics_month {
    double volume;                  /* queries per month, as measured */
    enum cost_option deployment;    /* the scenario's own option */
    double monthly[COST_NOPTIONS];  /* dollars; hybrid NaN when unknown */
    double total;                   /* the deployment's */
    /* What the runs' own traffic costs: the deployment's figure, now that
     * the hybrid is priced at the shares and tokens each side served
     * (kept for readers of older results). */
    double as_run;
    int months;                     /* costs.months */
    int has_hybrid;                 /* a local share was known */
    double tco[COST_NOPTIONS];      /* accrual total over the months */
    int break_even_month[COST_NOPTIONS]; /* cash; 0: never */
    int gpus[COST_NOPTIONS];        /* GPUs priced (the declared fleet) */
};

/* Fills *out for sc (which must have costs) from res[0..n).  Returns 0
 * or SLM_ENOMEM. */
int economics_month(const struct scenario *sc, const struct run_result *res,
                    size_t n, struct economics_month *out);

/* results.json's `cost` object for a scenario with costs, from its runs:
 * cost.monthly.{local, api, hybrid, total}, cost.per_1k_queries.{...},
 * cost.tco.{months, local, api, hybrid}, cost.break_even_month.{...},
 * cost.crossover.queries_per_month[] (local vs API, one-time costs spread),
 * cost.basis and cost.capacity_basis (declared, or none: finding the
 * capacity per GPU takes a search, which the cost commands run).  "total" is the deployment the scenario describes:
 * hybrid when both sides carry traffic, else the one that does.  Writes
 * nothing when sc->costs is NULL.  Returns 0 or SLM_ENOMEM. */
int economics_write_json(struct jw *w, const struct scenario *sc,
                         const struct run_result *res, size_t n);

/* The run report's cost lines (the fleet priced as declared, where the
 * prices came from, the steady month and the TCO per option), on f.
 * Nothing when sc->costs is NULL. */
void economics_print_text(FILE *f, const struct scenario *sc,
                          const struct run_result *res, size_t n);

#endif
