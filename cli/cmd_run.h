/* cmd_run: slmsim run, which simulates a scenario's replications: the text
 * report, results.json and the figures (cli/cmd_run.c). */
#ifndef SLM_CLI_CMD_RUN_H
#define SLM_CLI_CMD_RUN_H

/* Takes the arguments after "slmsim" (argv[0] is "run"); returns the exit
 * status. */
int cmd_run(int argc, char **argv);

#endif
