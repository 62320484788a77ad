/* cmd_catalog: slmsim catalog, which the GPUs and models a scenario can
 * name (cli/cmd_catalog.c). */
#ifndef SLM_CLI_CMD_CATALOG_H
#define SLM_CLI_CMD_CATALOG_H

/* Takes the arguments after "slmsim" (argv[0] is "catalog"); returns the exit
 * status. */
int cmd_catalog(int argc, char **argv);

#endif
