/*
 * router: which backend a request goes to.
 *
 *   routing: {policy: single, backend: mm16}         everything to one
 *   routing: {policy: split, shares: {a: 0.7, b: 0.3}}  random split
 *
 * With one backend the routing block may be left out (policy single).
 * The router draws from the "router" stream only.
 */
#ifndef SLM_ROUTER_H
#define SLM_ROUTER_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "sim/cfg.h"
#include "sim/diag.h"
#include "sim/sim.h"

enum router_policy { ROUTER_SINGLE, ROUTER_SPLIT };

struct router_spec {
    enum router_policy policy;
    int target;          /* single: backend index */
    size_t n;            /* split: number of backends */
    double *cum_share;   /* split: owned cumulative shares, n entries */
};

/* Parses routing (node may be NULL when absent) against the backend names
 * names[0..nb).  0, or -1 after reporting. */
int router_parse(const struct cfg_node *node, const char *const *names,
                 size_t nb, struct router_spec *spec, struct diag *d);
void router_spec_fini(struct router_spec *spec);

/* The backend index for request r. */
int router_choose(const struct router_spec *spec, const struct request *r,
                  gsl_rng *rng);

const char *router_describe(const struct router_spec *spec,
                            const char *const *names, char *buf, size_t size);

#endif
