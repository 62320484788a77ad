/* cmd_calibrate: slmsim calibrate, which measures, refits or transfers a
 * calibration file (cli/cmd_calibrate.c). */
#ifndef SLM_CLI_CMD_CALIBRATE_H
#define SLM_CLI_CMD_CALIBRATE_H

/* Takes the arguments after "slmsim" (argv[0] is "calibrate"); returns the exit
 * status. */
int cmd_calibrate(int argc, char **argv);

#endif
