/*
 * gnuplot: the pipe to gnuplot.
 *
 * A script is written down a popen() pipe to gnuplot, run with its working
 * directory set to the figure's directory so that the script names its
 * data and output files without a path (and a user can redraw with
 * `cd DIR && gnuplot NAME.gp`).  gnuplot's stderr goes to a temporary file
 * in that directory and comes back as text, because gnuplot reports its
 * errors there, with the script line they are on ("line 23: ...").
 *
 * gnuplot runs with LC_ALL=GNUPLOT_LOCALE: the scripts are UTF-8 and
 * their numbers use '.', whatever the user's locale.  After SIGINT or
 * SIGTERM (sim/interrupt.h) gnuplot_exec starts nothing and returns
 * SLM_EINTR.
 *
 * The program is $SLMSIM_GNUPLOT, default "gnuplot".  The caller must
 * ignore SIGPIPE (main does): a gnuplot that dies early makes the write
 * fail with EPIPE instead of killing slmsim.
 */
#ifndef SLM_GNUPLOT_H
#define SLM_GNUPLOT_H

#define GNUPLOT_ENV "SLMSIM_GNUPLOT"
/* The locale gnuplot runs in (LC_ALL), whatever the user's. */
#define GNUPLOT_LOCALE "C.UTF-8"
/* For the warning when gnuplot is missing. */
#define GNUPLOT_INSTALL_HINT                                                  \
    "install it with 'apt-get install gnuplot-nox' or point " GNUPLOT_ENV    \
    " at it"
/* The most of gnuplot's stderr kept, in bytes; the rest is cut. */
#define GNUPLOT_MAX_MESSAGES 8192

/* The program to run: $SLMSIM_GNUPLOT when set and not empty, else
 * "gnuplot".  Borrowed from the environment or static. */
const char *gnuplot_program(void);

/* 1 when prog can be executed: a name with a '/' that is an executable
 * file, or a bare name found as one on $PATH; else 0. */
int gnuplot_available(const char *prog);

struct gnuplot_run {
    int exit_status; /* gnuplot's, or 128+n when killed by signal n */
    int missing;     /* 1: the shell could not execute prog (126/127) */
    char *messages;  /* owned (gnuplot_run_fini): what gnuplot printed on
                        stderr, at most GNUPLOT_MAX_MESSAGES bytes, "" when
                        nothing */
};

/* Runs script (NUL-terminated) through prog in directory dir.  Returns 0
 * when gnuplot was started and waited for, whatever it thought of the
 * script (see r->exit_status, r->missing and r->messages); SLM_ESYS (errno
 * set) when the pipe or the temporary file could not be made; SLM_ENOMEM;
 * SLM_EINTR when a signal is pending.
 * r is filled in either way and must be released with gnuplot_run_fini. */
int gnuplot_exec(const char *prog, const char *dir, const char *script,
                 struct gnuplot_run *r);
void gnuplot_run_fini(struct gnuplot_run *r);

#endif
