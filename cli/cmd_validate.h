/* cmd_validate: slmsim validate, which checks a scenario file, every error
 * located (cli/cmd_validate.c). */
#ifndef SLM_CLI_CMD_VALIDATE_H
#define SLM_CLI_CMD_VALIDATE_H

/* Takes the arguments after "slmsim" (argv[0] is "validate"); returns the exit
 * status. */
int cmd_validate(int argc, char **argv);

#endif
