/* cmd_sweep: slmsim sweep, which the scenario over a grid of values,
 * resumable, on every core and over MPI ranks (cli/cmd_sweep.c). */
#ifndef SLM_CLI_CMD_SWEEP_H
#define SLM_CLI_CMD_SWEEP_H

/* Takes the arguments after "slmsim" (argv[0] is "sweep"); returns the exit
 * status. */
int cmd_sweep(int argc, char **argv);

#endif
