/*
 * outage: when a backend is down.
 *
 *   availability: 0.9987, mean_outage: 6h15m
 *   outages: [{start: 10h, duration: 4h22m}]
 *
 * Two sources, either enough to make the backend down:
 * - a random alternating up/down process: down periods exponential with
 *   mean mean_outage, up periods exponential with mean
 *   mean_outage * A / (1 - A), so the long-run share of time up is the
 *   availability A; it starts in its stationary state (down with
 *   probability 1 - A, and both periods are memoryless);
 * - forced windows, for replaying a known incident in a what-if.
 * The random process draws from the stream the caller lends
 * ("backend.NAME.outages"), so it never shifts another model's numbers.
 * What "down" means is the backend's business: the API fails attempts fast.
 */
#ifndef SLM_OUTAGE_H
#define SLM_OUTAGE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/downlog.h"
#include "sim/cfg.h"
#include "sim/diag.h"
#include "sim/sim.h"

#define OUTAGE_MAX_WINDOWS 64

struct outage_window {
    double start;    /* s from the start of the replication */
    double duration; /* s, > 0 */
};

struct outage_spec {
    double availability; /* in (0, 1]; 1: no random outages */
    double mean_outage;  /* s, mean down period; > 0 when availability < 1 */
    size_t nwindows;
    struct outage_window windows[OUTAGE_MAX_WINDOWS]; /* sorted by start */
};

/* No outages at all (availability 1, no windows). */
void outage_spec_init(struct outage_spec *o);

/* Reads the keys availability, mean_outage and outages from map (the
 * backend's mapping; where = "backends.NAME"), leaving fields that are
 * absent as they were (a preset's).  0, or -1 after reporting. */
int outage_parse(const struct cfg_node *map, const char *where,
                 struct outage_spec *o, struct diag *d);

/* Every random up or down period (an API's outages and the time between
 * them, a GPU's mtbf and mttr) lasts OUTAGE_MIN_PERIOD on average at
 * least: each is an event, and periods of 1e-300 s would keep a run
 * switching without the clock moving; outage_parse reports a mean below
 * it at its node. */
#define OUTAGE_MIN_PERIOD 1.0

/* A GPU's failures mapping ({mtbf, mttr}, both read): the floor above on
 * each, and a warning when mtbf is below OUTAGE_PLAUSIBLE_MTBF (a day).
 * Returns -1 after reporting, else 0. */
#define OUTAGE_PLAUSIBLE_MTBF (24.0 * 3600.0)
int outage_check_mtbf(const struct cfg_node *failures, double mtbf,
                      double mttr, struct diag *d);

/* "availability 0.9987, mean outage 6.25 h, 1 forced window" into buf. */
const char *outage_describe(const struct outage_spec *o, char *buf,
                            size_t size);

/* The state of one replication; storage is the caller's (a backend
 * instance) and must outlive the replication's events. */
struct outage {
    const struct outage_spec *spec; /* borrowed */
    gsl_rng *rng;                   /* borrowed */
    int random_down;                /* the random process is down */
    int forced;                     /* forced windows open now */
    double last_t;                  /* time integral accounted up to, s */
    double down_time;               /* s down inside the window */
    uint64_t began;                 /* down periods begun inside the window */
    struct downlog log;             /* every down period from time 0 */
    size_t open;                    /* log slot of the current one */
};

/* Starts the processes at time 0: draws the initial state and schedules
 * the first change and every forced window.  Out of memory is the sim's
 * sticky error. */
void outage_start(struct outage *o, struct sim *s,
                  const struct outage_spec *spec, gsl_rng *rng);

/* 1 while down. */
int outage_down(const struct outage *o);

/* Share of the measurement window spent up so far (call at the horizon). */
double outage_availability_seen(struct outage *o, struct sim *s);

#endif
