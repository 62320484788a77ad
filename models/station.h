/*
 * station: a G/G/c first-come-first-served queue.
 *
 *   mm16: {kind: station, servers: 16, service: {dist: exponential, mean: 1s}}
 *
 * c identical servers take requests in arrival order; each service time is
 * drawn from the service distribution (sim/dist.h, a duration) on the
 * stream "backend.NAME.service" when service starts.  This is how users
 * model a router, a CPU pre-processor or anything that is not an LLM, and
 * how the engine is checked against exact queueing theory (M/M/1, Erlang C,
 * Pollaczek-Khinchine).
 *
 * Figures after a run, over the measurement window: utilization (busy
 * server-time / (c x window)), busy.mean (mean busy servers), queue.mean
 * (time-average number waiting), queue.max.
 *
 * It predicts a newcomer's wait for the overflow router (about
 * (queued + 1) x mean service / servers once every server is busy) and is
 * always available.
 */
#ifndef SLM_STATION_H
#define SLM_STATION_H

#include "models/backend.h"
#include "sim/dist.h"

#define STATION_MAX_SERVERS 1000000

struct station_cfg {
    long servers;
    struct dist service; /* seconds */
};

extern const struct backend_kind station_kind;

#endif
