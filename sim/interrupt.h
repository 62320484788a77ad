/*
 * interrupt: SIGINT and SIGTERM turned into a flag the loops poll.
 *
 * A handler may do almost nothing safely, so it only records the signal;
 * the run loop (sim_run), the replication loops and the figure writers ask
 * interrupt_pending() and wind down on their own: finished replications
 * are kept, temporary files removed, and the program exits 128 + signal
 * (130 for SIGINT, 143 for SIGTERM).
 *
 * The flag is the one piece of process-wide mutable state outside main.c:
 * a signal has no other place to leave word.
 */
#ifndef SLM_INTERRUPT_H
#define SLM_INTERRUPT_H

/* Installs the handlers for SIGINT and SIGTERM (without SA_RESTART, so a
 * blocking read or wait returns EINTR) and ignores SIGPIPE (a dying
 * gnuplot must not kill us; a closed stdout is handled by
 * interrupt_stdout_closed).  Call once, from main. */
void interrupt_install(void);

/* The signal number received, or 0 when none. */
int interrupt_pending(void);

/* 128 + the pending signal, or 0 when none: the exit status to use. */
int interrupt_exit_status(void);

/* Tests: pretend signal sig arrived (0 clears it). */
void interrupt_raise(int sig);

/* True when stdout has failed because its reader went away (EPIPE, as
 * under `| head`): the program then exits 0 without a message. */
int interrupt_stdout_closed(void);

#endif
