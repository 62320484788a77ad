/* cmd_trace_stats: slmsim trace-stats, which a request log summed up;
 * --fit: a workload that reproduces it (cli/cmd_trace_stats.c). */
#ifndef SLM_CLI_CMD_TRACE_STATS_H
#define SLM_CLI_CMD_TRACE_STATS_H

/* Takes the arguments after "slmsim" (argv[0] is "trace-stats"); returns the exit
 * status. */
int cmd_trace_stats(int argc, char **argv);

#endif
