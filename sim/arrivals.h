/*
 * arrivals: when requests come, and (for traces) with how many tokens.
 *
 * A process is described by plain data (struct arrivals_spec, parsed from
 * workload.arrivals) and run by a generator (struct arrivals) that owns its
 * state and draws from a stream it is lent.  Processes:
 *
 *   {process: poisson, rate: 3/s}            or volume: 1e6/month
 *   {process: gamma, rate: 3/s, cv: 2.5}     renewal, gamma inter-arrivals
 *
 * volume and rate are the same quantity (a rate); "volume" reads better
 * with /month.  Exactly one of them must be given.
 */
#ifndef SLM_ARRIVALS_H
#define SLM_ARRIVALS_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/cfg.h"
#include "sim/diag.h"

enum arrivals_process {
    ARRIVALS_POISSON,
    ARRIVALS_GAMMA
};

struct arrivals_spec {
    enum arrivals_process process;
    double rate; /* mean arrivals per second */
    double cv;   /* gamma: coefficient of variation of inter-arrival times */
};

/* One arrival.  Synthetic processes leave has_tokens 0 and task -1: the
 * workload's task mix fills them in. */
struct arrival {
    double t; /* absolute time, s */
    int has_tokens;
    uint32_t input_tokens, output_tokens;
    int task; /* -1: let the mix decide */
};

/* Parses workload.arrivals.  Returns 0 or -1 after reporting. */
int arrivals_parse(const struct cfg_node *node, const char *where,
                   struct arrivals_spec *spec, struct diag *d);
void arrivals_spec_fini(struct arrivals_spec *spec);
/* Deep copy (dst owns its strings).  0 or SLM_ENOMEM. */
int arrivals_spec_copy(struct arrivals_spec *dst,
                       const struct arrivals_spec *src);

/* Long-run mean rate, arrivals per second. */
double arrivals_mean_rate(const struct arrivals_spec *spec);
/* Scales the process to the long-run mean rate (arrivals per second,
 * finite, > 0), keeping its shape (gamma's cv): what a capacity search
 * varies between probes.  Returns 0, or -1 when the process has no rate
 * to set; every process here has one, and one that does not (a trace
 * replayed as logged) must say so here. */
int arrivals_spec_set_rate(struct arrivals_spec *spec, double rate);
/* One line for the report, e.g. "poisson, 0.3803/s (1,000,000/month)". */
const char *arrivals_describe(const struct arrivals_spec *spec, char *buf,
                              size_t size);

struct arrivals;

/* A generator starting at time 0.  spec and r are borrowed for its life;
 * d (borrowed) receives input errors found while reading (traces).
 * NULL when out of memory or on an error already reported to d; *status
 * says which (SLM_ENOMEM, SLM_EINPUT, SLM_ESYS). */
struct arrivals *arrivals_new(const struct arrivals_spec *spec, gsl_rng *r,
                              struct diag *d, int *status);
void arrivals_free(struct arrivals *a); /* NULL is fine */

/* The next arrival, in non-decreasing time order.  Returns 0, 1 when the
 * process has ended (a trace without loop), or SLM_EINPUT/SLM_ESYS. */
int arrivals_next(struct arrivals *a, struct arrival *out);

#endif
