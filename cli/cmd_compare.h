/* cmd_compare: slmsim compare, which purchasing options side by side
 * (cli/cmd_compare.c). */
#ifndef SLM_CLI_CMD_COMPARE_H
#define SLM_CLI_CMD_COMPARE_H

/* Takes the arguments after "slmsim" (argv[0] is "compare"); returns the exit
 * status. */
int cmd_compare(int argc, char **argv);

#endif
