/*
 * report: replications summed up for people (text) and for programs
 * (results.json, the contract in docs/results.md).
 *
 * Point estimates are means across replications of each replication's
 * figure (its mean, P50, P95, P99...); the 95% intervals are Student-t
 * intervals across replications (sim/stats.h), so they shrink with more
 * replications, not with longer ones alone.  max is the largest value seen
 * in any replication.
 */
#ifndef SLM_REPORT_H
#define SLM_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "models/run.h"
#include "models/scenario.h"
#include "sim/out.h"

#define SLMSIM_VERSION "0.1.0"

/* One latency statistic across replications. */
struct report_stat {
    double mean, mean_hw;  /* mean and its 95% half-width */
    double p50, p50_hw, p95, p95_hw, p99, p99_hw;
    double max;
    uint64_t n;            /* samples, all replications */
};

/* Summarises metric m of backend b (b < 0: overall) over res[0..n). */
void report_latency(const struct run_result *res, size_t n, int b,
                    enum run_metric m, struct report_stat *out);

/* Mean and 95% half-width across replications of figure key of backend b;
 * returns 0, or -1 when no replication reported it. */
int report_figure(const struct run_result *res, size_t n, int b,
                  const char *key, double *mean, double *hw);

/* What bound backend b in most replications (ties: the earliest), a
 * static word from its kind's binding hook, or NULL when it has none. */
const char *report_binding(const struct run_result *res, size_t n, int b);

/* Seconds in the unit a reader expects ("850 us", "12.3 ms", "1.25 s",
 * "4.5 min"), written into buf, which is returned. */
const char *report_fmt_time(double s, char *buf, size_t size);

/* st as the JSON object key: {count, mean, p50, p95, p99, max, ci95_low,
 * ci95_high, pNN_ci95_low, pNN_ci95_high} (docs/results.md). */
void report_json_stat(struct jw *w, const char *key,
                      const struct report_stat *st);

/* Starts a JSON document on f as every output file does: the top object,
 * slmsim.version, then "scenario" with name, path and seed, left open for
 * the caller's members (close it with jw_object_end). */
void report_json_begin(struct jw *w, FILE *f, const struct scenario *sc);

/* Where traffic went and how right the answers were, pooled over the
 * replications (sums of counts, then ratios).  Shares are of the requests
 * that arrived after warm-up. */
struct report_routing {
    double arrived;                       /* all replications */
    double reason[ROUTER_NREASONS];       /* share of first choices */
    double routed[ROUTER_NSIDES];         /* share first sent to each side */
    double escalated;                     /* share escalated to the API */
    double validator_rejected;            /* per arrived request */
    double validator_failed;              /* share failed by the validator */
    double answered[ROUTER_NSIDES];       /* share answered by each side */
    double accuracy;                      /* blended; NaN when unknown */
    double accuracy_coverage;             /* share of answers with figures */
    double accuracy_all_local;            /* the same tasks, all answered
                                             locally / by the API */
    double accuracy_all_api;
    int few_shot;                         /* API accuracy column used */
};

/* Fills *out from res[0..n). */
void report_routing(const struct scenario *sc, const struct run_result *res,
                    size_t n, struct report_routing *out);


/* A run that ended early: the finished replications are reported, with
 * this said first in the text and in results.json ("interrupted" or
 * "stopped", and "note").  status: SLM_EINTR or SLM_ELIMIT. */
struct report_stop {
    int status;
    size_t finished, planned; /* replications */
    const char *note;         /* one line, borrowed; may be NULL */
};

/* The text report; stop may be NULL (a run that reached the end). */
void report_print_text(FILE *f, const struct scenario *sc,
                       const struct run_result *res, size_t n);
void report_print_text_stop(FILE *f, const struct scenario *sc,
                            const struct run_result *res, size_t n,
                            const struct report_stop *stop);

/* results.json into f; returns 0 or -1 when a write failed. */
int report_write_json(FILE *f, const struct scenario *sc,
                      const struct run_result *res, size_t n);

struct jw;
/* Writes more top-level members into results.json (the figures). */
typedef void report_json_extra_fn(struct jw *w, void *ctx);
/* As report_write_json, calling extra(w, ctx) (when not NULL) just before
 * the document closes. */
int report_write_json_extra(FILE *f, const struct scenario *sc,
                            const struct run_result *res, size_t n,
                            report_json_extra_fn *extra, void *ctx);
/* As report_write_json_extra, for a run that ended early (stop may be
 * NULL). */
int report_write_json_stop(FILE *f, const struct scenario *sc,
                           const struct run_result *res, size_t n,
                           const struct report_stop *stop,
                           report_json_extra_fn *extra, void *ctx);

#endif
