/*
 * cmd_crossover: slmsim crossover, and the cost-vs-volume figure run draws
 * too (cli/cmd_crossover.c).
 */
#ifndef SLM_CLI_CMD_CROSSOVER_H
#define SLM_CLI_CMD_CROSSOVER_H

#include "cli/cmd_tco.h"

/* slmsim crossover: the volumes where local and API cost the same.
 * Returns the exit status. */
int cmd_crossover(int argc, char **argv);

/* The cost-vs-volume figure from inputs in at the middle of every range,
 * added to p: monthly cost per option over a log grid of volumes up to
 * max_volume (queries/month), every crossing with one-time costs spread
 * marked.  Returns 0 or an SLM_* status (no data: 0). */
int cli_cost_vs_volume_figure(const struct study_cost *c,
                              const struct cost_inputs *in,
                              double max_volume, struct cli_plots *p);

#endif
