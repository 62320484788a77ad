/*
 * cmd_capacity: slmsim capacity, and the capacity search the cost
 * commands use for the capacity of one GPU (cli/cmd_capacity.c).
 */
#ifndef SLM_CLI_CMD_CAPACITY_H
#define SLM_CLI_CMD_CAPACITY_H

#include <stddef.h>

#include "cli/common.h"
#include "models/scenario.h"

/* slmsim capacity: the largest volume a GPU backend sustains within the
 * SLO.  Returns the exit status. */
int cmd_capacity(int argc, char **argv);

struct capacity_result;

/* Loads user->path for a capacity search: the user's overrides, then
 * horizon (s; the first sixth warm-up), the replications (--replications,
 * else CAPACITY_DEFAULT_REPLICATIONS) and, when replicas > 0,
 * backends.BACKEND.count, all as --set overrides.  cmd names the command
 * in messages.  Returns the exit status (0 with *sc owned by the caller). */
int cli_capacity_load(const char *cmd, const struct cli_scenario_opts *user,
                      double horizon, const char *backend, long replicas,
                      struct scenario **sc);
/* capacity_search() on backend b of sc at sc's SLO with a progress line:
 * start, tolerance and max_rate (arrivals per second) as in struct
 * capacity_opts, each 0 for its default; each probe's replications on
 * jobs worker processes (study/capacity.h; 0 or 1: in this process).
 * Returns the exit status. */
int cli_capacity_search(struct scenario *sc, int b, double start,
                        double tolerance, double max_rate, unsigned jobs,
                        struct capacity_result *r);
#endif
