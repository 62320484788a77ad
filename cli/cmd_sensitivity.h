/*
 * cmd_sensitivity: slmsim sensitivity, and the tornado figure run draws
 * too (cli/cmd_sensitivity.c).
 */
#ifndef SLM_CLI_CMD_SENSITIVITY_H
#define SLM_CLI_CMD_SENSITIVITY_H

#include "cli/cmd_tco.h"

/* slmsim sensitivity: the cost inputs ranked by their swing of the TCO.
 * Returns the exit status. */
int cmd_sensitivity(int argc, char **argv);

/* The sensitivity figure from inputs in, added to p: the tornado of the
 * TCO named by metric ("local", "api", "hybrid", "savings"; NULL: hybrid
 * when a local share is known, else local).  Returns 0 or an SLM_*
 * status (no data: 0). */
int cli_sensitivity_figure(const struct study_cost *c,
                           const struct cost_inputs *in, const char *metric,
                           struct cli_plots *p);

#endif
